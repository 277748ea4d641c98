"""Frozen records at the engine's boundaries: steps, decisions, outcomes, traces, settings.

A record never changes after it is built; a changed copy is made with ``attrs.evolve``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import Any, Literal

import attrs

TRACE_SCHEMA = 2

#: Option id standing for "fire the earliest pending timer" in a decision.
TIMER = -1

#: How timers may fire: ``early`` also while tasks can run (a stalled thread), ``idle`` only
#: when no task can run.
TimerPolicy = Literal["early", "idle"]
TIMER_POLICIES: tuple[TimerPolicy, ...] = ("early", "idle")


class OutcomeKind(enum.Enum):
    """How one run ended."""

    PASS = "pass"
    VIOLATION = "violation"
    DEADLOCK = "deadlock"
    STEP_BOUND = "step-bound"
    CRASH = "crash"
    #: A task left the engine's control: it awaited a foreign primitive (a raw Trio
    #: checkpoint, real I/O, a thread) or did not yield for too long in wall time.
    UNCONTROLLED = "uncontrolled"

    @property
    def is_finding(self) -> bool:
        return self is not OutcomeKind.PASS


@attrs.frozen
class Decision:
    """One scheduling decision: ``count`` options were offered and option ``index`` was taken.

    Options are the enabled tasks in round-robin order from the task that just ran, then
    ``TIMER`` when a timer may fire: ``index == 0`` is "no context switch" (the task that ran
    goes on when it can, else the next one after it). ``chosen`` is the task id that ran next
    (``TIMER`` for the clock); ``default`` is option 0's id, so ``continuing`` tells whether
    the task that just ran could have gone on.
    """

    index: int
    chosen: int
    count: int
    default: int
    continuing: bool = False
    #: The task that just ran (-2 before any task ran; after a timer, the task before it).
    current: int = -2

    @property
    def is_switch(self) -> bool:
        """Any choice other than the default."""
        return self.index != 0

    @property
    def is_preemption(self) -> bool:
        """A switch away from a task that could have continued (a switch after a task
        blocked or finished is free)."""
        return self.index != 0 and self.continuing

    @property
    def is_early_timer(self) -> bool:
        """A timer fired while at least one task could still run."""
        return self.chosen == TIMER and self.count > 1


#: What a step touches: names of objects (a field, a lock, a socket), or None for everything.
Touches = tuple[str, ...] | None


@attrs.frozen
class Step:
    """One step of a run: the task ran from its previous point to the point ``label``.

    ``label``/``detail`` name the point the task *reached* (or ``block``/``finish``, or a
    timer's firing); what it *did* in this step is what its previous point announced (see
    ``explorer.render.action``). ``touches`` is the footprint the reached point declared for
    the task's next step (None: everything).
    """

    index: int
    tid: int
    task: str
    label: str
    detail: str
    time: float
    decision: Decision | None = None
    touches: Touches = None


@attrs.frozen
class BlockedTask:
    """A task that could not go on when the run ended, and what it waits on."""

    task: str
    waits_on: str


@attrs.frozen
class Outcome:
    """How one run ended, with what a person needs to understand it."""

    kind: OutcomeKind
    message: str = ""
    invariant: str | None = None
    step: int = 0
    blocked: tuple[BlockedTask, ...] = ()
    traceback: str | None = None

    @property
    def is_finding(self) -> bool:
        return self.kind.is_finding

    @property
    def key(self) -> str:
        """``violation:<invariant>``, ``deadlock``, ``crash``, ``step-bound`` or ``pass``."""
        return finding_key(self.kind, self.invariant)

    def headline(self) -> str:
        """One line saying what happened."""
        if self.kind is OutcomeKind.VIOLATION:
            return f"invariant {self.invariant} violated at step {self.step}: {self.message}"
        if self.kind is OutcomeKind.DEADLOCK:
            who = "; ".join(f"{b.task} waits on {b.waits_on}" for b in self.blocked)
            return f"deadlock at step {self.step}: {who}"
        if self.kind is OutcomeKind.STEP_BOUND:
            return f"step bound exceeded at step {self.step} ({self.message})"
        if self.kind is OutcomeKind.CRASH:
            return f"model crashed at step {self.step}: {self.message}"
        if self.kind is OutcomeKind.UNCONTROLLED:
            return f"a task left the explorer's control at step {self.step}: {self.message}"
        return f"pass after {self.step} steps"


def finding_key(kind: OutcomeKind, invariant: str | None) -> str:
    """``violation:<invariant>``, ``deadlock``, ``crash``, ``step-bound`` or ``uncontrolled``."""
    return f"{kind.value}:{invariant}" if invariant else kind.value


def _names_or_none(value: Iterable[str] | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value)


@attrs.frozen
class Settings:
    """Every limit and policy of a run, in one place; hitting a limit is a named outcome.

    ``timers``: ``early`` lets the earliest timer fire at any step (a stalled thread), ``idle``
    only when no task can run. ``watchdog_seconds``: wall time a task may run without reaching
    a scheduling point before it is stopped (an ``uncontrolled`` outcome); it guards against
    runaway models and never enters a trace's steps.
    """

    max_steps: int = 20_000
    timers: TimerPolicy = "early"
    watchdog_seconds: float = 10.0
    #: Which invariants end the run when violated: None, any (the first violation is the
    #: outcome); a tuple, only those, the others' first violations are recorded and the run
    #: goes on (a search collects every invariant a run breaks this way).
    stop_on: tuple[str, ...] | None = attrs.field(default=None, converter=_names_or_none)

    def __attrs_post_init__(self) -> None:
        if self.max_steps < 1:
            raise ValueError(f"max_steps must be at least 1, got {self.max_steps}")
        if self.timers not in TIMER_POLICIES:
            raise ValueError(f"timers must be one of {', '.join(TIMER_POLICIES)}, "
                             f"got {self.timers!r}")
        if self.stop_on is not None and not all(isinstance(n, str) for n in self.stop_on):
            raise ValueError(f"stop_on must name invariants, got {self.stop_on!r}")
        if not self.watchdog_seconds > 0:
            raise ValueError(f"watchdog_seconds must be positive, got {self.watchdog_seconds}")


@attrs.frozen
class Trace:
    """A run's whole record. ``model``, ``variant``, ``scenario`` and ``choices`` replay it;
    ``settings`` and ``invariants`` say what the run checked, so a replay checks the same."""

    model: str
    variant: str
    scenario: Any
    choices: tuple[int, ...]
    steps: tuple[Step, ...]
    outcome: Outcome
    settings: Settings = attrs.field(factory=Settings)
    invariants: tuple[str, ...] = ()
    schema: int = TRACE_SCHEMA

    @property
    def decisions(self) -> tuple[Decision, ...]:
        return tuple(s.decision for s in self.steps if s.decision is not None)

    @property
    def switches(self) -> int:
        """Decisions that took any option other than the default."""
        return sum(1 for c in self.choices if c != 0)

    @property
    def preemptions(self) -> int:
        """Switches away from a task that could have continued."""
        return sum(1 for d in self.decisions if d.is_preemption)

    @property
    def early_timers(self) -> tuple[Step, ...]:
        """The timer steps that fired while some task could still run."""
        steps = self.steps
        return tuple(steps[s.index + 1] for s in steps
                     if s.decision is not None and s.decision.is_early_timer
                     and s.index + 1 < len(steps))


@attrs.frozen
class SearchStats:
    """How a search reached a finding: effort to the first failure; shrink before → after."""

    search: str
    examples: int
    examples_to_first_failure: int | None
    first_steps: int
    first_preemptions: int
    final_steps: int
    final_preemptions: int
    shrink_runs: int
