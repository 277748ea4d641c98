"""What model code calls: scheduling points, spawning, virtual time, and blocking hooks.

Invariant: every call here that can interleave hands control to the engine, so between two
calls exactly one modelled task runs. Model code never awaits Trio (or any other framework's)
primitives directly: the engine reports such a task as having left its control.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from explorer._clock import Timer
from explorer._execution import (
    State,
    TaskRecord,
    block_request,
    current_execution,
    point_request,
    until_request,
)
from explorer.records import Touches

#: Objects a step touches: one name, several, or None for "anything" (the safe default).
Footprint = str | Iterable[str] | None


def footprint(touches: Footprint) -> Touches:
    """The recorded form of a footprint: a tuple of names, or None for "anything"."""
    if touches is None or type(touches) is PrimitiveFootprint:
        return touches
    if isinstance(touches, str):
        return (touches,)
    return tuple(touches)


class PrimitiveFootprint(tuple[str, ...]):
    """The footprint an explorer primitive declares for its own step.

    That step goes on into the caller's code up to the caller's next point, which the
    primitive cannot see, so the engine uses it only for a model that declares
    ``Model(footprints=True)`` (its code reaches a point before touching shared state after
    a primitive returns); otherwise it counts as touching anything.
    """

    __slots__ = ()


def primitive_footprint(*names: str) -> PrimitiveFootprint:
    return PrimitiveFootprint(names)


def point(label: str, detail: str = "", *, touches: Footprint = None,
          cancellable: bool = True) -> Awaitable[None]:
    """A scheduling point: the engine may run another task (or fire a timer) here.

    ``touches`` names what the task's next step (up to its next point) reads or writes: a
    field, a lock, a socket. Steps with disjoint footprints commute, which lets the exhaustive
    search skip equivalent orders; None (the default) means "anything" and is always safe.
    A cancelled scope around the task raises ``explorer.Cancelled`` when it resumes here,
    unless ``cancellable`` is false (a blocking syscall's entry, say).
    """
    return point_request(label, detail, footprint(touches), cancellable)


class TaskHandle:
    """A modelled task started with :func:`spawn`."""

    __slots__ = ("_rec",)

    def __init__(self, rec: TaskRecord) -> None:
        self._rec = rec

    def __repr__(self) -> str:
        return f"<TaskHandle {self._rec.name} {self._rec.state.value}>"

    @property
    def name(self) -> str:
        return self._rec.name

    @property
    def tid(self) -> int:
        """The task's id: its place in creation order, from 0 (``main``)."""
        return self._rec.tid

    @property
    def finished(self) -> bool:
        return self._rec.state is State.FINISHED

    @property
    def waits_on(self) -> str:
        """What the task is blocked on, or "" when it is not blocked."""
        return self._rec.waiting_for() if self._rec.state is State.BLOCKED else ""

    async def join(self) -> None:
        """Block until the task has finished (a scheduling point either way)."""
        touches = primitive_footprint(f"task {self.name}")
        if self._rec.state is State.FINISHED:
            await point("join", self.name, touches=touches)
            return
        execution = current_execution()
        me = execution.current
        assert me is not None
        joiners = self._rec.joiners
        joiners.append(me)

        def withdraw() -> None:
            if me in joiners:
                joiners.remove(me)

        await block_request("join", f"task {self.name} to finish", True, withdraw, touches)


def handle_of(rec: TaskRecord) -> TaskHandle:
    """The one handle of a task (so handles of the same task are the same object)."""
    if rec.handle is None:
        rec.handle = TaskHandle(rec)
    handle: TaskHandle = rec.handle
    return handle


def spawn(fn: Callable[..., Awaitable[Any]], *args: Any, name: str,
          daemon: bool = False, touches: Footprint = None) -> TaskHandle:
    """Start a modelled task; it first runs when the engine picks it.

    A ``daemon`` task may stay blocked when the run ends (a server waiting for input); any other
    task still blocked then makes the run a deadlock. The task starts with a copy of the
    spawning task's context variables, as in Trio. ``touches`` is the footprint of the task's
    first step, from its start to its first point, as for :func:`point` (None: anything).
    """
    rec = current_execution().spawn(fn, *args, name=name, daemon=daemon)
    rec.touches = footprint(touches)
    return handle_of(rec)


def current_task() -> TaskHandle:
    rec = current_execution().current
    assert rec is not None
    return handle_of(rec)


def now() -> float:
    """Virtual time in seconds since the run began."""
    return current_execution().clock.now


def call_later(delay: float, label: str, callback: Callable[[], object]) -> Timer:
    """Run ``callback`` (plain, synchronous) when the engine fires this timer.

    Under the ``early`` timer policy the engine may fire the earliest pending timer at any
    step; under ``idle`` only when no task can run. It must fire it when no task can run.
    """
    return current_execution().call_later(delay, label, callback)


class Waker:
    """A token for a task that blocked with :func:`block`; ``wake()`` makes it enabled again."""

    __slots__ = ("_execution", "_rec")

    def __init__(self, rec: TaskRecord) -> None:
        self._rec = rec
        self._execution = current_execution()

    @property
    def task_name(self) -> str:
        return self._rec.name

    def wake(self, value: Any = None) -> bool:
        """Enable the task; ``block`` returns ``value`` when it runs on. False if not blocked."""
        return self._execution.wake(self._rec, value)


def waker() -> Waker:
    """A waker for the calling task, to hand to whoever will wake it, before :func:`block`."""
    rec = current_execution().current
    assert rec is not None
    return Waker(rec)


async def block(
    label: str,
    waits_on: str | Callable[[], str],
    *,
    cancellable: bool = True,
    on_cancel: Callable[[], None] | None = None,
    touches: Footprint = None,
) -> Any:
    """Block the calling task until someone calls ``wake()`` on its :func:`waker`.

    ``waits_on`` is what a deadlock report shows. A ``cancellable`` block ends early when a
    cancel scope around it is cancelled (``on_cancel`` runs first, to withdraw the waiter);
    a non-cancellable one (a blocking syscall) returns only when woken. ``touches`` is the
    footprint of what the task does once it runs on.
    """
    return await block_request(label, waits_on, cancellable, on_cancel, footprint(touches))


async def wait_until(predicate: Callable[[], bool], label: str, waits_on: str = "", *,
                     touches: Footprint = None) -> None:
    """Wait until ``predicate()`` holds: the task is runnable exactly while it does.

    The engine evaluates the predicate before every decision (it must only read the world),
    so a condition that becomes true and false again before the task is picked leaves it
    waiting, as a spin loop on a flag would; the task goes on only from a state where the
    predicate holds. A scheduling point either way; not cancellable.
    """
    await until_request(label, waits_on or label, predicate, footprint(touches))
