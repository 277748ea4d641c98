"""Witness schedules written as named switches, and the choice list that replays one.

A witness says where a schedule leaves the default: "after ``task`` reaches the point
``label`` (its ``occurrence``-th time), run ``to``". Every other decision takes option 0, the
default, so the witness's preemptions are exactly the listed switches made while the running
task could have gone on.

Invariant: ``choices_for`` returns choices that, replayed from scratch with
``PrechosenChoices``, take exactly the listed switches in order and option 0 everywhere else;
a switch that names a step the run never takes, or a task it does not offer there, is an
error, never silently skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

import explorer
from explorer.records import Step, Trace
from explorer.sources import ChoiceSource, PrechosenChoices


@attrs.frozen
class Switch:
    """After ``task`` reaches the point ``label`` for the ``occurrence``-th time, run ``to``.

    ``label`` matches a step's label, or its label and detail joined by a space (``acquire m``);
    a task that blocked reached the point it blocks in, one that finished reached ``finish``.
    """

    task: str
    label: str
    to: str
    occurrence: int = 1


class WitnessError(Exception):
    """A witness does not fit the run it is meant to steer."""


class _PickTask(ChoiceSource):
    """Replays ``prefix``, takes the default until decision ``at``, then runs task ``tid``."""

    def __init__(self, prefix: Sequence[int], at: int, tid: int) -> None:
        self.prefix = list(prefix)
        self.at = at
        self.tid = tid
        self.picked: int | None = None
        self._next = 0

    def choose(self, options: Sequence[int], step: int) -> int:
        k = self._next
        self._next = k + 1
        if k < len(self.prefix):
            return self.prefix[k]
        if k == self.at and self.tid in options:
            self.picked = list(options).index(self.tid)
            return self.picked
        return 0


def _matches(step: Step, switch: Switch) -> bool:
    return step.task == switch.task and switch.label in (step.label,
                                                         f"{step.label} {step.detail}")


def _decision_of(trace: Trace, switch: Switch, first: int) -> int:
    """The number of the decision taken right after ``switch``'s step, at or after ``first``."""
    seen = 0
    decision = -1
    for step in trace.steps:
        if step.decision is not None:
            decision += 1
        if not _matches(step, switch):
            continue
        seen += 1
        if seen < switch.occurrence:
            continue
        if step.decision is None or decision < first:
            raise WitnessError(f"{switch}: no decision to take after that step (step "
                               f"{step.index}, decision {decision}, already steered to {first})")
        return decision
    raise WitnessError(f"{switch}: the run reaches that point only {seen} times")


def choices_for(model: explorer.Model, variant: str, switches: Sequence[Switch],
                scenario: Any = None) -> tuple[int, ...]:
    """The choice list that takes ``switches`` in order and the default everywhere else."""
    choices: list[int] = []
    for switch in switches:
        result = explorer.run(model, variant, scenario, PrechosenChoices(choices))
        at = _decision_of(result.trace(), switch, len(choices))
        if switch.to not in result.task_names:
            raise WitnessError(f"{switch}: no task named {switch.to!r}")
        source = _PickTask(choices, at, result.task_names.index(switch.to))
        explorer.run(model, variant, scenario, source)
        if source.picked is None:
            raise WitnessError(f"{switch}: {switch.to} cannot run at that decision")
        choices.extend([0] * (at - len(choices)))
        choices.append(source.picked)
    return tuple(choices)
