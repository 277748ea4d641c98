"""Frozen records at the engine's boundaries: steps, decisions, outcomes, traces, settings.

A record never changes after it is built; a changed copy is made with ``attrs.evolve``.
"""

from __future__ import annotations

import enum
from typing import Any

import attrs

TRACE_SCHEMA = 1

#: Option id standing for "fire the earliest pending timer" in a decision.
TIMER = -1


class OutcomeKind(enum.Enum):
    """How one run ended."""

    PASS = "pass"
    VIOLATION = "violation"
    DEADLOCK = "deadlock"
    STEP_BOUND = "step-bound"
    CRASH = "crash"

    @property
    def is_finding(self) -> bool:
        return self is not OutcomeKind.PASS


@attrs.frozen
class Decision:
    """One scheduling decision: the options offered (task ids, ``TIMER``) and the index taken.

    ``options[0]`` is always "no context switch" (the current task if enabled, else the
    earliest-created enabled task).
    """

    index: int
    options: tuple[int, ...]

    @property
    def chosen(self) -> int:
        return self.options[self.index]


@attrs.frozen
class Step:
    """One step of a run: the task reached a point (or blocked, finished, or a timer fired)."""

    index: int
    tid: int
    task: str
    label: str
    detail: str
    time: float
    decision: Decision | None = None


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

    def headline(self) -> str:
        """One line saying what happened."""
        if self.kind is OutcomeKind.VIOLATION:
            return f"invariant {self.invariant} violated at step {self.step}: {self.message}"
        if self.kind is OutcomeKind.DEADLOCK:
            who = "; ".join(f"{b.task} waits on {b.waits_on}" for b in self.blocked)
            return f"deadlock at step {self.step}: {who}"
        if self.kind is OutcomeKind.STEP_BOUND:
            return f"step bound exceeded at step {self.step} (livelock suspected: {self.message})"
        if self.kind is OutcomeKind.CRASH:
            return f"model crashed at step {self.step}: {self.message}"
        return f"pass after {self.step} steps"


@attrs.frozen
class Settings:
    """Every limit of a run, in one place; hitting one is a named outcome, never a silent pass."""

    max_steps: int = 20_000


@attrs.frozen
class Trace:
    """A run's whole record. ``model``, ``variant``, ``scenario`` and ``choices`` replay it."""

    model: str
    variant: str
    scenario: Any
    choices: tuple[int, ...]
    steps: tuple[Step, ...]
    outcome: Outcome
    schema: int = TRACE_SCHEMA

    @property
    def decisions(self) -> tuple[Decision, ...]:
        return tuple(s.decision for s in self.steps if s.decision is not None)

    @property
    def preemptions(self) -> int:
        """Decisions that switched away from the default option."""
        return sum(1 for c in self.choices if c != 0)


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
