"""What every version of ``NodeJSIPC`` has in common: scope, state cell, jobs, observer, calls.

Invariant: every coroutine an instance launches runs in the instance's one supervisor scope,
as the engine task ``android/<role>#<instance>.<coroutine>``, and is listed in the instance's
record; every public call is recorded before it runs, with whether it raised.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from models.ipc.android.instance import (
    Host,
    InstanceTracer,
    MessageHandler,
    Outgoing,
    State,
    StateCell,
    StateHandler,
)
from models.ipc.observe import Call, ClientRecord
from models.kotlin import CoroutineScope, Job

Body = Callable[[], Awaitable[None]]


#: The connect coroutine's ``withTimeout(30 s)`` and the pause between refused attempts, shared by
#: every version (the proposed fix keeps the real client's connect policy).
CONNECT_DEADLINE_SECONDS = 30.0
RETRY_INTERVAL_SECONDS = 0.05


class ClientCore:
    """The parts no version changed."""

    def __init__(self, host: Host, path: str, on_message: MessageHandler,
                 on_state: StateHandler | None) -> None:
        self.host = host
        self.path = path
        self._on_message = on_message
        self._on_state = on_state
        self.scope = CoroutineScope("android", supervisor=True, on_unhandled=self._unhandled)
        self.state = StateCell(host.tracer, host.name)
        self.jobs: list[Job] = []
        self._launched: dict[str, int] = {}
        self.closed = False  # close() has begun: the instance is not reusable

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.host.name} {self.state.flow.value}>"

    @property
    def record(self) -> ClientRecord:
        return self.host.record

    @property
    def tracer(self) -> InstanceTracer:
        return self.host.tracer

    @property
    def has_observer(self) -> bool:
        return self._on_state is not None

    def launch(self, body: Body, what: str, parent: Job | None = None,
               atomic: bool = False) -> Job:
        """``scope.launch`` (or a child ``launch`` inside ``parent``'s coroutine)."""
        count = self._launched.get(what, 0) + 1
        self._launched[what] = count
        name = f"{self.host.name}.{what}{count if count > 1 else ''}"
        job = self.scope.launch(body, name=name, parent=parent, atomic=atomic)
        assert job.task is not None
        self.jobs.append(job)
        self.record.tasks.append(job.task)
        return job

    def _unhandled(self, job: Job, exc: Exception) -> None:
        # No CoroutineExceptionHandler in the scope: on the phone this kills the app.
        self.host.observations.unhandled.append(f"{job.name}: {type(exc).__name__}: {exc}")

    # ----- the public methods every version has, recorded as calls -----------------------

    async def connect(self) -> None:
        await self.public("connect", self._connect)

    async def send_message(self, message: Outgoing) -> None:
        await self.public("sendMessage", lambda: self._send_message(message))

    async def disconnect(self) -> None:
        await self.public("disconnect", self._disconnect)

    async def _connect(self) -> None:
        raise NotImplementedError

    async def _send_message(self, message: Outgoing) -> None:
        raise NotImplementedError

    async def _disconnect(self) -> None:
        raise NotImplementedError

    async def public(self, op: str, call: Body) -> None:
        """Run a public method, recorded as a ``Call`` (and whether it raised)."""
        observations = self.host.observations
        entry = Call(self.record.instance, op, on_closed_instance=self.closed)
        observations.calls.append(entry)
        if op in ("connect", "sendMessage"):
            self.record.wanted = True
            self.record.wanted_seq = observations.tick()
        elif op in ("close", "disconnect"):
            self.record.wanted = False
        observations.acting.append(self.record.instance)
        try:
            await call()
        except Exception:
            entry.raised = True
            raise
        finally:
            observations.acting.pop()

    async def deliver_message(self, text: str) -> None:
        """``onMessage(text)``, on the calling coroutine's thread."""
        self.tracer.mark("onMessage")
        await self._on_message(text)

    async def deliver_state(self, state: State) -> None:
        """``onConnectionStateChange(state)``, on the calling thread."""
        if self._on_state is not None:
            self.tracer.mark("onConnectionStateChange")
            await self._on_state(state)

    def start_observer(self, skip_first: bool) -> None:
        """The collector launched at construction (control client only)."""
        if self._on_state is None:
            return
        seen = [not skip_first]

        async def forward(state: State) -> None:
            if seen[0]:
                await self.deliver_state(state)
            else:
                seen[0] = True  # assumed to be the initial value: often it is not

        async def observe() -> None:
            await self.state.flow.collect(forward)

        self.launch(observe, "observer")
