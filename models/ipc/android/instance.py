"""What every Android client instance is made of: its tracer, its fields, its state cell.

Invariant: every scheduling point the instance's own code takes goes through its
``InstanceTracer``, and so does a mark just before each syscall and state-flow wait (the
kernel and the coroutine runtime take their own points); the tracer notes the step in
``after_close`` when one of the instance's coroutines takes it after a synchronous
``close()`` (or OnDestroy's ``disconnect()``) returned.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

import attrs

import explorer
from models.ipc.observe import ClientRecord, Observations
from models.kernel import Kernel, Process
from models.kotlin import MutableStateFlow

T = TypeVar("T")


class InstanceTracer:
    """The one door for an instance's scheduling points (``Tracer`` in ``java``)."""

    def __init__(self, record: ClientRecord, task_prefix: str) -> None:
        self.record = record
        self.task_prefix = task_prefix  # "android/rpc#2.": the instance's coroutine tasks

    def mark(self, label: str) -> None:
        """Note ``label`` if one of our coroutines acts after close() returned."""
        if not self.record.close_returned:
            return
        task = explorer.current_task().name
        if task.startswith(self.task_prefix):
            self.record.after_close.append(f"{task}: {label}")

    async def point(self, label: str, detail: str = "") -> None:
        self.mark(label)
        await explorer.point(label, detail)


class Field(Generic[T]):
    """An unsynchronised field: Android reads and writes it from several threads."""

    def __init__(self, tracer: InstanceTracer, name: str, value: T) -> None:
        self.name = name
        self.value = value
        self._tracer = tracer

    async def get(self) -> T:
        await self._tracer.point(f"read {self.name}")
        return self.value

    async def set(self, value: T, shown: str = "") -> None:
        await self._tracer.point(f"write {self.name}", shown)
        self.value = value


class Kind(enum.Enum):
    DISCONNECTED = "Disconnected"
    CONNECTING = "Connecting"
    CONNECTED = "Connected"
    DISCONNECTING = "Disconnecting"
    ERROR = "Error"


@attrs.frozen
class State:
    """``NodeJSIPC.State``; ``Error`` carries its cause and, like Kotlin's data class, equals
    another ``Error`` only with the same exception object. ``ended`` is the proposed client's
    ``Disconnected(sessionsEnded)``: how many sessions had ended, so that a Disconnected after
    a session differs from the initial one (0 in every other version)."""

    kind: Kind
    cause: BaseException | None = None
    ended: int = 0

    def __str__(self) -> str:
        if self.cause is None:
            return self.kind.value
        return f"Error({type(self.cause).__name__}: {self.cause})"


DISCONNECTED = State(Kind.DISCONNECTED)
CONNECTING = State(Kind.CONNECTING)
CONNECTED = State(Kind.CONNECTED)
DISCONNECTING = State(Kind.DISCONNECTING)


def error_state(cause: BaseException) -> State:
    return State(Kind.ERROR, cause)


def disconnected_after(sessions: int) -> State:
    """``Disconnected(sessions)``: the state once ``sessions`` sessions have ended."""
    return State(Kind.DISCONNECTED, ended=sessions)


class StateCell:
    """The ``MutableStateFlow<State>`` field: each read, write and CAS is a scheduling point."""

    def __init__(self, tracer: InstanceTracer, name: str) -> None:
        self.flow: MutableStateFlow[State] = MutableStateFlow(DISCONNECTED, f"{name}.state")
        self._tracer = tracer

    async def get(self) -> State:
        await self._tracer.point("read state")
        return self.flow.value

    async def set(self, new: State) -> None:
        await self._tracer.point(f"state → {new}")
        self.flow.value = new

    def set_now(self, new: State) -> None:
        """A write with no point of its own: from a completion handler, or under a lock."""
        self.flow.value = new

    async def cas(self, expect: State, update: State) -> bool:
        await self._tracer.point(f"CAS state {expect}→{update}")
        return self.flow.compare_and_set(expect, update)

    async def first(self, predicate: Callable[[State], bool], label: str) -> State:
        """``state.first { ... }``: suspends (cancellable) until a sample matches."""
        self._tracer.mark(label)
        return await self.flow.first(predicate, label)


@attrs.frozen
class Outgoing:
    """One ``postMessage`` text on its way to the backend; ``ident`` names its ``Posted``."""

    ident: int
    text: str


MessageHandler = Callable[[str], Awaitable[None]]
StateHandler = Callable[[State], Awaitable[None]]
SendFailedHandler = Callable[[Outgoing, str], Awaitable[None]]


@attrs.define
class Host:
    """Everything an instance needs from the world, and its own record in the observations."""

    kernel: Kernel
    process: Process
    observations: Observations
    record: ClientRecord
    tracer: InstanceTracer
    name: str  # "rpc#2": role and instance number, as task names and socket tags show it

    @classmethod
    def create(cls, kernel: Kernel, process: Process, observations: Observations,
               role: str) -> Host:
        record = observations.new_client(role, "android")
        name = f"{role}#{record.instance}"
        return cls(kernel, process, observations, record,
                   InstanceTracer(record, f"android/{name}."), name)

    def adopt_socket(self, fd: int) -> None:
        """A socket this instance just created: record its id and tag it for reports."""
        info = self.kernel.socket_for(self.process, fd)
        assert info is not None, f"fd {fd} vanished right after socket()"
        self.record.sockets.append(info.id)
        self.kernel.set_tag(info.id, f"android {self.name}")
