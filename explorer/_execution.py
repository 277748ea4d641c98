"""One run of a model: the task table, the hand-off between tasks, and the end-of-run checks.

Invariant: exactly one modelled task runs between two scheduling points. Every other task is
parked inside the engine (``wait_task_rescheduled``) and moves on only when the engine releases
it; the engine always knows which tasks are enabled and what each blocked task waits on.
"""

from __future__ import annotations

import enum
import math
import traceback
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import outcome
import trio
import trio.testing

from explorer._clock import Timer, VirtualClock
from explorer.errors import Teardown
from explorer.records import (
    TIMER,
    BlockedTask,
    Decision,
    Outcome,
    OutcomeKind,
    Settings,
    Step,
)
from explorer.sources.base import ChoiceSource

_EXECUTION: trio.lowlevel.RunVar[Execution] = trio.lowlevel.RunVar("race_explorer_execution")


class State(enum.Enum):
    RUNNING = "running"
    ENABLED = "enabled"
    BLOCKED = "blocked"
    FINISHED = "finished"


class TaskRecord:
    """The engine's view of one modelled task."""

    __slots__ = (
        "cancellable",
        "daemon",
        "done",
        "error",
        "joiners",
        "name",
        "on_cancel",
        "parked",
        "released_early",
        "state",
        "tid",
        "trio_task",
        "waits_on",
        "wake_value",
    )

    def __init__(self, tid: int, name: str, daemon: bool) -> None:
        self.tid = tid
        self.name = name
        self.daemon = daemon
        self.state = State.ENABLED
        self.waits_on = ""
        self.trio_task: trio.lowlevel.Task | None = None
        self.parked = False
        self.released_early = False
        self.wake_value: Any = None
        self.cancellable = False
        self.on_cancel: Callable[[], None] | None = None
        self.joiners: list[TaskRecord] = []
        self.done = trio.Event()
        self.error: BaseException | None = None

    def __repr__(self) -> str:
        return f"<task {self.tid} {self.name} {self.state.value}>"


class _CancelledWait:
    """The wake value of a cancellable wait that its cancel ended (not a real wake)."""


_CANCELLED = _CancelledWait()

Invariants = Sequence[tuple[str, Callable[[], str | None]]]


class Execution:
    """The per-run state: tasks, clock, recorded steps and decisions, and the outcome."""

    def __init__(
        self, source: ChoiceSource, settings: Settings, safety: Invariants, quiescence: Invariants
    ) -> None:
        self.source = source
        self.settings = settings
        self.safety = safety
        self.quiescence = quiescence
        self.clock = VirtualClock()
        self.tasks: list[TaskRecord] = []
        self.live: list[TaskRecord] = []
        self.current: TaskRecord | None = None
        self.steps: list[tuple[int, str, str, float]] = []
        self.decisions: dict[int, tuple[int, list[int]]] = {}
        self.outcome: Outcome | None = None
        self.failure: BaseException | None = None
        self.tearing_down = False
        self._driver = TaskRecord(-1, "engine", daemon=True)
        self._nursery: trio.Nursery | None = None

    # ----- entry -------------------------------------------------------------------------

    async def run(self, main: Callable[[], Awaitable[None]]) -> None:
        _EXECUTION.set(self)
        self._driver.trio_task = trio.lowlevel.current_task()
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            nursery.start_soon(self._watchdog)
            first = self.spawn(main, name="main", daemon=False)
            self._release(first)
            await self._park(self._driver)
            self.tearing_down = True
            nursery.cancel_scope.cancel()
            with trio.CancelScope(shield=True):
                await self._teardown()

    # ----- tasks -------------------------------------------------------------------------

    def spawn(
        self, fn: Callable[..., Awaitable[Any]], *args: Any, name: str, daemon: bool
    ) -> TaskRecord:
        if self.tearing_down:
            raise Teardown()
        rec = TaskRecord(len(self.tasks), name, daemon)
        self.tasks.append(rec)
        self.live.append(rec)
        assert self._nursery is not None
        self._nursery.start_soon(self._task_body, rec, fn, args, name=name)
        return rec

    async def _task_body(
        self, rec: TaskRecord, fn: Callable[..., Awaitable[Any]], args: Sequence[Any]
    ) -> None:
        rec.trio_task = trio.lowlevel.current_task()
        try:
            if self.tearing_down:
                return
            await self._park(rec)
            await fn(*args)
        except Teardown:
            return
        except Exception as exc:  # a model crash: an exception escaping a model task
            if not self.tearing_down:
                rec.error = exc
                self._end(self._crash(rec, exc))
            return
        finally:
            rec.done.set()
        self._finish(rec)

    def _finish(self, rec: TaskRecord) -> None:
        rec.state = State.FINISHED
        self.live.remove(rec)
        for joiner in rec.joiners:
            self.wake(joiner)
        rec.joiners.clear()
        if self._record(rec, "finish", ""):
            return
        nxt = self._next(rec)
        if nxt is not None:
            self._release(nxt)

    # ----- the hand-off ------------------------------------------------------------------

    async def point(self, label: str, detail: str) -> None:
        cur = self.current
        assert cur is not None, "point() outside a modelled task"
        if self.tearing_down:
            raise Teardown()
        cur.state = State.ENABLED
        nxt = None if self._record(cur, label, detail) else self._next(cur)
        if nxt is not cur:
            if nxt is not None:
                self._release(nxt)
            await self._park(cur)
        else:
            cur.state = State.RUNNING
        await trio.lowlevel.checkpoint_if_cancelled()

    async def block(
        self, label: str, waits_on: str, cancellable: bool, on_cancel: Callable[[], None] | None
    ) -> Any:
        cur = self.current
        assert cur is not None, "block() outside a modelled task"
        if self.tearing_down:
            raise Teardown()
        if cancellable:
            await trio.lowlevel.checkpoint_if_cancelled()
        cur.state, cur.waits_on = State.BLOCKED, waits_on
        cur.cancellable, cur.on_cancel = cancellable, on_cancel
        nxt = None if self._record(cur, label, waits_on) else self._next(cur)
        if nxt is not cur:
            if nxt is not None:
                self._release(nxt)
            await self._park(cur)
        else:
            cur.state = State.RUNNING
        value, cur.wake_value = cur.wake_value, None
        if value is _CANCELLED:
            # Only a wait ended by its cancel raises here; a real wake keeps its value and the
            # pending cancel is delivered at the task's next point (Trio's rule).
            await trio.lowlevel.checkpoint_if_cancelled()
        return value

    def wake(self, rec: TaskRecord, value: Any = None) -> bool:
        """Make a blocked task enabled again; it runs on only when the engine picks it."""
        if rec.state is not State.BLOCKED:
            return False
        rec.state, rec.waits_on, rec.wake_value = State.ENABLED, "", value
        rec.cancellable, rec.on_cancel = False, None
        return True

    def _release(self, rec: TaskRecord) -> None:
        self.current = rec
        rec.state = State.RUNNING
        if rec.parked:
            rec.parked = False
            assert rec.trio_task is not None
            trio.lowlevel.reschedule(rec.trio_task)
        else:
            rec.released_early = True

    async def _park(self, rec: TaskRecord) -> None:
        if rec.released_early:
            rec.released_early = False
            return
        rec.parked = True
        await trio.lowlevel.wait_task_rescheduled(lambda _: self._abort(rec))

    def _abort(self, rec: TaskRecord) -> trio.lowlevel.Abort:
        """A Trio cancel reached a parked task: a cancellable wait becomes enabled."""
        if rec.state is State.BLOCKED and rec.cancellable:
            self._cancel_wait(rec)
        return trio.lowlevel.Abort.FAILED

    def _cancel_wait(self, rec: TaskRecord) -> None:
        hook = rec.on_cancel
        self.wake(rec, _CANCELLED)
        if hook is not None:
            hook()

    # ----- decisions ---------------------------------------------------------------------

    def _record(self, rec: TaskRecord, label: str, detail: str) -> bool:
        """Record a step and check safety; True when the run has ended."""
        return self._record_step(rec.tid, label, detail)

    def _record_step(self, tid: int, label: str, detail: str) -> bool:
        steps = self.steps
        steps.append((tid, label, detail, self.clock.now))
        if len(steps) > self.settings.max_steps:
            self._end(Outcome(OutcomeKind.STEP_BOUND, self._spinning(), step=len(steps) - 1))
            return True
        return self._check_safety()

    def _check_safety(self) -> bool:
        for name, check in self.safety:
            outcome = self._evaluate(name, check)
            if outcome is not None:
                self._end(outcome)
                return True
        return False

    def _evaluate(self, name: str, check: Callable[[], str | None]) -> Outcome | None:
        """One invariant's verdict; an invariant that raises is a crash of the model."""
        step = len(self.steps) - 1
        try:
            message = check()
        except Exception as exc:
            text = "".join(traceback.format_exception(exc))
            return Outcome(OutcomeKind.CRASH, f"invariant {name} raised {exc!r}", name, step,
                           traceback=text)
        if message is None:
            return None
        return Outcome(OutcomeKind.VIOLATION, message, name, step)

    def _next(self, cur: TaskRecord | None) -> TaskRecord | None:
        """Pick the task that runs next, firing timers when chosen; None when the run ended."""
        try:
            while True:
                options = self._options(cur)
                if not options:
                    self._end_quiescent()
                    return None
                pick = options[0]
                if len(options) > 1:
                    index = self.source.choose(options, len(self.steps) - 1)
                    pick = options[index]
                    self.decisions[len(self.steps) - 1] = (index, options)
                if pick != TIMER:
                    return self.tasks[pick]
                if self._fire_timer(cur):
                    return None
        except BaseException as exc:  # a source or engine failure must never reach model code
            self.failure = exc
            self._end(Outcome(OutcomeKind.PASS))
            return None

    def _options(self, cur: TaskRecord | None) -> list[int]:
        options = [t.tid for t in self.live if t.state is State.ENABLED and t is not cur]
        if cur is not None and cur.state is State.ENABLED:
            options.insert(0, cur.tid)
        if self.clock.has_pending():
            options.append(TIMER)
        return options

    def _fire_timer(self, cur: TaskRecord | None) -> bool:
        try:
            timer = self.clock.fire_earliest()
        except Exception as exc:  # the model's own callback failed: a crash, not an engine bug
            message = f"{type(exc).__name__}: {exc} (in a timer callback)"
            text = "".join(traceback.format_exception(exc))
            self._end(Outcome(OutcomeKind.CRASH, message, None, len(self.steps), traceback=text))
            return True
        if (
            cur is not None
            and cur.state is State.BLOCKED
            and cur.cancellable
            and trio.current_effective_deadline() == -math.inf
        ):
            self._cancel_wait(cur)
        return self._record_step(TIMER, "timer", timer.label)

    def call_later(self, delay: float, label: str, callback: Callable[[], object]) -> Timer:
        return self.clock.call_later(delay, label, callback)

    # ----- the end -----------------------------------------------------------------------

    def _end(self, result: Outcome) -> None:
        if self.outcome is None:
            self.outcome = result
            self._release(self._driver)

    def _end_quiescent(self) -> None:
        stuck = [t for t in self.live if t.state is State.BLOCKED and not t.daemon]
        if stuck:
            blocked = tuple(
                BlockedTask(t.name, t.waits_on) for t in self.live if t.state is State.BLOCKED
            )
            names = ", ".join(t.name for t in stuck)
            self._end(
                Outcome(
                    OutcomeKind.DEADLOCK,
                    f"{names} can never finish",
                    None,
                    len(self.steps) - 1,
                    blocked,
                )
            )
        else:
            self._end(self._check_quiescence())

    def _check_quiescence(self) -> Outcome:
        for name, check in self.quiescence:
            outcome = self._evaluate(name, check)
            if outcome is not None:
                return outcome
        return Outcome(OutcomeKind.PASS, step=len(self.steps) - 1)

    def _spinning(self) -> str:
        tail = self.steps[-200:]
        advanced = tail[-1][3] - tail[0][3]
        if advanced > 0:
            cause = f"virtual time advanced {advanced:g}s over the last {len(tail)} steps"
        else:
            cause = f"no virtual time passed in the last {len(tail)} steps: a busy loop"
        counts: dict[str, int] = {}
        for tid, label, _, _ in tail:
            key = f"{self._name(tid)} at {label}"
            counts[key] = counts.get(key, 0) + 1
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        return f"{cause}; most frequent: " + ", ".join(f"{k} x{n}" for k, n in top)

    def _crash(self, rec: TaskRecord, exc: BaseException) -> Outcome:
        text = "".join(traceback.format_exception(exc))
        message = f"{type(exc).__name__}: {exc} (in task {rec.name})"
        return Outcome(OutcomeKind.CRASH, message, None, len(self.steps), traceback=text)

    def _name(self, tid: int) -> str:
        return "clock" if tid == TIMER else self.tasks[tid].name

    async def _watchdog(self) -> None:
        """Fires only if every Trio task is blocked: a model task waited outside the engine."""
        await trio.testing.wait_all_tasks_blocked()
        culprit = self.current.name if self.current is not None else "?"
        message = f"task {culprit} blocked in a Trio primitive outside the engine"
        self._end(Outcome(OutcomeKind.CRASH, message, step=len(self.steps)))

    async def _teardown(self) -> None:
        for rec in list(self.tasks):
            if rec.state is State.FINISHED:
                continue
            if rec.parked:
                rec.parked = False
                assert rec.trio_task is not None
                trio.lowlevel.reschedule(rec.trio_task, outcome.Error(Teardown()))
            await rec.done.wait()

    # ----- results -----------------------------------------------------------------------

    def build_steps(self) -> tuple[Step, ...]:
        return tuple(
            Step(i, tid, self._name(tid), label, detail, time, self._decision(i))
            for i, (tid, label, detail, time) in enumerate(self.steps)
        )

    def choices(self) -> tuple[int, ...]:
        return tuple(self.decisions[i][0] for i in sorted(self.decisions))

    def _decision(self, step: int) -> Decision | None:
        raw = self.decisions.get(step)
        return None if raw is None else Decision(raw[0], tuple(raw[1]))


def current_execution() -> Execution:
    try:
        return _EXECUTION.get()
    except LookupError:
        raise RuntimeError(
            "this call needs a running explorer model (inside explorer.run)"
        ) from None
