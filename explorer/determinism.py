"""The determinism check: a run, replayed from its own recorded choices, must repeat step by step.

Invariant: a model passes only if every replay of a run gives the same steps (task, point label,
detail, virtual time, decision) and the same outcome as the run itself; the first difference is
raised as ``NondeterministicModelError`` naming that step. The check wraps runs; it never changes
what a choice source picks.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from explorer.errors import NondeterministicModelError
from explorer.model import Model
from explorer.records import Outcome, Settings, Step, Trace
from explorer.runner import RunResult, run
from explorer.sources.base import ChoiceSource
from explorer.sources.replay import ReplaySource


@attrs.frozen
class Difference:
    """Where two traces of the same input first part: the step index and each side there."""

    step: int
    first: str
    second: str


def describe_step(step: Step) -> str:
    """One line for a step, with everything the comparison looks at."""
    text = f"{step.task}: {step.label}"
    if step.detail:
        text += f" ({step.detail})"
    text += f" at t={step.time:g}"
    if step.decision is not None:
        text += (f", took option {step.decision.index} of {step.decision.count}"
                 f" (task {step.decision.chosen})")
    return text


def _describe_end(outcome: Outcome) -> str:
    return f"end of run ({outcome.headline()})"


def _comparable(outcome: Outcome) -> Outcome:
    # A traceback's text is presentation (it can hold memory addresses); the kind, message,
    # invariant, step and blocked tasks are what a replay must reproduce.
    return attrs.evolve(outcome, traceback=None)


def first_difference(first: Trace, second: Trace) -> Difference | None:
    """The first step at which two traces differ (steps, then outcome), or None if identical."""
    for index, (a, b) in enumerate(zip(first.steps, second.steps, strict=False)):
        if a != b:
            return Difference(index, describe_step(a), describe_step(b))
    shorter = min(len(first.steps), len(second.steps))
    if len(first.steps) != len(second.steps):
        return Difference(shorter, _side(first, shorter), _side(second, shorter))
    if _comparable(first.outcome) != _comparable(second.outcome):
        return Difference(shorter, _describe_end(first.outcome), _describe_end(second.outcome))
    return None


def _side(trace: Trace, index: int) -> str:
    if index < len(trace.steps):
        return describe_step(trace.steps[index])
    return _describe_end(trace.outcome)


def assert_same_trace(first: Trace, second: Trace) -> None:
    """Raise ``NondeterministicModelError`` at the first step where the traces differ."""
    difference = first_difference(first, second)
    if difference is not None:
        raise NondeterministicModelError(difference.step, difference.first, difference.second)


def replay(model: Model, trace: Trace, task_names: Sequence[str],
           settings: Settings | None = None) -> Trace:
    """Run ``trace``'s model input again from its recorded decisions.

    Replay is lenient: a decision whose task is not enabled any more falls back to the default
    option, so the comparison can show the first differing step rather than stop at the
    decision after it.
    """
    source = ReplaySource(trace.decisions, task_names, strict=False)
    return run(model, trace.variant, trace.scenario, source, settings).trace()


def check_determinism(model: Model, variant: str, scenario: Any, source: ChoiceSource,
                      repeats: int = 1, settings: Settings | None = None) -> Trace:
    """Run once under ``source``, then replay the run ``repeats`` times and compare each replay.

    Returns the first run's trace; raises ``NondeterministicModelError`` with the first
    differing step if any replay differs.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    result = run(model, variant, scenario, source, settings)
    refuse_global_random(result)
    trace = result.trace()
    for _ in range(repeats):
        assert_same_trace(trace, replay(model, trace, result.task_names, settings))
    return trace


def refuse_global_random(result: RunResult) -> None:
    """Raise ``NondeterministicModelError`` if ``result``'s model used the global ``random``."""
    if result.used_global_random:
        raise NondeterministicModelError.global_random()
