"""One controlled ``trio.run`` of unmodified Trio code: every task step is a choice.

Invariant: between two batches exactly one user task steps. Each batch Trio hands over is
sorted by task creation order; the controller keeps the one task its choice source picked
(option 0: the task that just ran when it can go on, else the next one in round-robin order
of creation) and puts the others back at the front of the run queue. System tasks run
whenever they are runnable and are never choices. Time is a ``MockClock`` that jumps to the
earliest deadline when nothing can run; with the ``early`` timer policy, firing that deadline
now is also an option. A task passed over ``fairness`` decisions in a row runs (forced, not a
decision), so a spin-wait cannot livelock a search.
"""

from __future__ import annotations

import math
import traceback
from bisect import bisect_left
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import trio

from explorer._options import Options
from explorer.native import _seam
from explorer.native._deadlock import stuck_outcome
from explorer.native._where import where
from explorer.records import TIMER, Decision, Outcome, OutcomeKind, Settings, Step, Touches
from explorer.sources.base import ChoiceSource
from explorer.sources.prechosen import PrechosenChoices

#: A task passed over this many decisions in a row runs next (recorded as forced).
FAIRNESS = 50
#: The settings of a native run unless given: deadlines fire only when no task can run.
NATIVE_SETTINGS = Settings(timers="idle", max_steps=20_000)


class _View:
    """What ``Options`` reads about a task: its name and footprint (always "anything")."""

    __slots__ = ("name", "touches")

    def __init__(self, name: str) -> None:
        self.name = name
        self.touches: Touches = None


class Controller:
    """The per-run state of one controlled ``trio.run``."""

    def __init__(self, source: ChoiceSource, settings: Settings, fairness: int) -> None:
        self.source = source
        self.settings = settings
        self.fairness = fairness
        self.early = settings.timers == "early"
        self.runner: Any = None
        self.clock = trio.testing.MockClock(autojump_threshold=0)
        self.root: trio.CancelScope | None = None
        self.tids: dict[Any, int] = {}
        self.system: set[Any] = set()
        self.tasks: list[Any] = []
        self.views: list[_View] = []
        self.passed: list[int] = []
        self.steps: list[Step] = []
        self.decisions: list[Decision] = []
        self.outcome: Outcome | None = None
        self.failure: BaseException | None = None
        self.current = -2
        self.last_time = 0.0
        self._pending: Decision | None = None

    # ----- the seam ----------------------------------------------------------------------

    def shuffle(self, batch: list[Any]) -> None:
        if self.outcome is not None:
            return  # the run is ending: let every task unwind, in creation order
        try:
            self._decide(batch)
        except BaseException as exc:  # a source's failure must never reach Trio's loop
            self.failure = exc
            self._stop(Outcome(OutcomeKind.PASS, step=len(self.steps)))

    def _decide(self, batch: list[Any]) -> None:
        if self.runner is None:
            self.runner = trio._core._run.GLOBAL_RUN_CONTEXT.runner
        self._note_idle_jump()
        users = [t for t in batch if self._is_user(t)]
        if len(users) < len(batch):  # system tasks run on their own, users wait their turn
            if users:
                batch[:] = [t for t in batch if t in self.system]
                self.runner.runq.extendleft(reversed(users))
            return
        if not batch:
            self._idle()
            return
        self._left_control_check(batch)
        if self.outcome is None:
            self._pick(batch)

    def _is_user(self, task: Any) -> bool:
        if task in self.tids:
            return True
        if task in self.system:
            return False
        parent = task._parent_nursery
        if task is self.runner.main_task or (
                parent is not None and parent._parent_task in self.tids):
            self._adopt(task)
            return True
        self.system.add(task)
        return False

    def _adopt(self, task: Any) -> None:
        tid = len(self.tasks)
        base = "main" if tid == 0 else task.name.rsplit(".", 1)[-1]
        taken = sum(1 for v in self.views if v.name == base or v.name.startswith(base + "#"))
        self.tids[task] = tid
        self.tasks.append(task)
        self.views.append(_View(base if not taken else f"{base}#{taken}"))
        self.passed.append(0)

    # ----- a decision ----------------------------------------------------------------------

    def _pick(self, batch: list[Any]) -> None:
        runnable = [self.tids[t] for t in batch]
        deadline = self.runner.deadlines.next_deadline()
        timer = self.early and not math.isinf(deadline)
        forced = self._starved(runnable)
        if forced is not None:
            chosen = forced
        elif len(runnable) + timer == 1:
            chosen = runnable[0]
        else:
            chosen = self._choose(runnable, timer)
        if chosen == TIMER:
            self.clock.jump(max(0.0, deadline - self.clock.current_time()))
            self.last_time = self.clock.current_time()
            self._record(TIMER, "timer", "the earliest deadline fires early")
            batch.clear()
            self.runner.runq.extendleft(reversed([self.tasks[t] for t in runnable]))
            return
        for tid in runnable:
            self.passed[tid] = 0 if tid == chosen else self.passed[tid] + 1
        task = self.tasks[chosen]
        self._record_resume(chosen, task, forced is not None)
        others = [t for t in batch if t is not task]
        batch[:] = [task]
        self.runner.runq.extendleft(reversed(others))
        self.current = chosen

    def _starved(self, runnable: list[int]) -> int | None:
        passed = self.passed
        worst = max(runnable, key=lambda tid: (passed[tid], -tid))
        return worst if passed[worst] >= self.fairness else None

    def _choose(self, runnable: list[int], timer: bool) -> int:
        tasks = len(runnable)
        ctid = self.current
        start = bisect_left(runnable, ctid)
        continuing = start < tasks and runnable[start] == ctid
        if start == tasks:
            start = 0
        options = Options(runnable, start, tasks, timer, continuing, self.views, ctid)  # type: ignore[arg-type]
        index = self.source.choose(options, len(self.steps) - 1)
        count = tasks + timer
        if not 0 <= index < count:
            raise IndexError(f"choice source {self.source!r} chose option {index} of {count}")
        chosen = options[index]
        self.decisions.append(Decision(index, chosen, count, runnable[start], continuing, ctid))
        self._pending = self.decisions[-1]
        return chosen

    # ----- records ---------------------------------------------------------------------------

    def _record_resume(self, tid: int, task: Any, forced: bool) -> None:
        place = where(task.coro)
        if task._schedule_points == 0 and not place.awaiting:
            label = "starts"
        else:
            label = f"await {place.awaiting}" if place.awaiting else "resumes"
        detail = place.location + (f" (forced: passed over {self.fairness} decisions)"
                                   if forced else "")
        self._record(tid, label, detail)

    def _record(self, tid: int, label: str, detail: str) -> None:
        decision = self._pending
        self._pending = None
        name = "clock" if tid == TIMER else self.views[tid].name
        self.steps.append(Step(len(self.steps), tid, name, label, detail,
                               self.clock.current_time(), decision))
        if len(self.steps) > self.settings.max_steps:
            self._stop(Outcome(OutcomeKind.STEP_BOUND,
                               f"livelock suspected: more than {self.settings.max_steps} task "
                               "steps", step=len(self.steps) - 1))

    def _note_idle_jump(self) -> None:
        now = self.clock.current_time()
        if now > self.last_time:
            self.last_time = now
            self._record(TIMER, "timer", "no task can run: the earliest deadline fires")

    # ----- the end ---------------------------------------------------------------------------

    def _idle(self) -> None:
        if self.runner.waiting_for_idle or not math.isinf(self.runner.deadlines.next_deadline()):
            return
        live = [t for t in self.tasks if t in self.runner.tasks]
        if live:
            self._stop(stuck_outcome(live, self.views, self.tids, len(self.steps) - 1))

    def _left_control_check(self, batch: list[Any]) -> None:
        if self.current < 0:
            return
        task = self.tasks[self.current]
        if task in batch or task not in self.runner.tasks:
            return
        place = where(task.coro)
        if place.left_control:
            self._stop(stuck_outcome([task], self.views, self.tids, len(self.steps) - 1))

    def _stop(self, outcome: Outcome) -> None:
        if self.outcome is None:
            self.outcome = outcome
            if self.root is not None:
                self.root.cancel()

    def choices(self) -> tuple[int, ...]:
        return tuple(d.index for d in self.decisions)


async def _root(controller: Controller, fn: Callable[[], Awaitable[object]]) -> None:
    with trio.CancelScope() as scope:
        controller.root = scope
        await fn()


def crash_outcome(exc: BaseException, step: int) -> Outcome:
    """An exception that escaped the code under test: a failed assertion is a violation
    (the test's own check), anything else a crash."""
    leaves = _leaves(exc)
    first = leaves[0]
    text = "".join(traceback.format_exception(exc))
    message = f"{type(first).__name__}: {first}" if str(first) else type(first).__name__
    if all(isinstance(e, AssertionError) for e in leaves):
        return Outcome(OutcomeKind.VIOLATION, message, "assertion", step, traceback=text)
    return Outcome(OutcomeKind.CRASH, message, None, step, traceback=text)


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for sub in exc.exceptions for leaf in _leaves(sub)]
    return [exc]


def run_controlled(fn: Callable[[], Awaitable[object]], source: ChoiceSource,
                   settings: Settings, fairness: int = FAIRNESS, *,
                   checked: bool = False) -> Controller:
    """Run ``fn`` once under ``source``; the controller holds its steps and outcome."""
    if not checked:
        from explorer.native.selftest import ensure_compatible

        ensure_compatible()
    controller = Controller(source, settings, fairness)
    try:
        with _seam.installed(controller):
            trio.run(_root, controller, fn, clock=controller.clock)
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        if controller.outcome is None:
            controller.outcome = crash_outcome(exc, len(controller.steps) - 1)
    if controller.outcome is None:
        controller.outcome = Outcome(OutcomeKind.PASS, step=len(controller.steps) - 1)
    return controller


def as_source(choices: Sequence[int] | ChoiceSource) -> ChoiceSource:
    return choices if isinstance(choices, ChoiceSource) else PrechosenChoices(choices)
