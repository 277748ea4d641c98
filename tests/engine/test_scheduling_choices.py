"""Choices: index 0 is "no context switch" (else the next task round-robin), every step that
offered options records its decision, and the chosen option is what runs next."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

import pytest

import explorer
from explorer._options import Options
from explorer.records import TIMER, Trace
from explorer.sources import PrechosenChoices, SeededRandomSource
from models.litmus import early_timeout, lost_update, order_violation

POINTS = 3


async def three_workers(world: Any) -> None:
    async def worker() -> None:
        for i in range(POINTS):
            await explorer.point("work", str(i))

    handles = [explorer.spawn(worker, name=f"w{i}/work") for i in range(1, 4)]
    for handle in handles:
        await handle.join()


MODEL = explorer.Model("workers", "", (("v", ""),), lambda v, s: None, three_workers)


def runs_of_tasks(trace: Trace) -> list[str]:
    """The task names in the order they ran, each stretch of one task collapsed to one entry."""
    return [task for task, _ in groupby(s.task for s in trace.steps)]


def test_all_zero_choices_never_switch_away_from_a_task_that_can_go_on() -> None:
    trace = explorer.run(MODEL, "v", None, PrechosenChoices(())).trace()
    # Each worker runs to its end; then the next one round-robin (w1 → w2 → w3 → main).
    assert runs_of_tasks(trace) == ["main", "w1/work", "w2/work", "w3/work", "main"]
    assert trace.preemptions == 0
    assert set(trace.choices) == {0}


class Recorder(SeededRandomSource):
    """A seeded random source that keeps a copy of every set of options it was shown."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.seen: list[tuple[list[int], bool]] = []

    def choose(self, options: Sequence[int], step: int) -> int:
        assert isinstance(options, Options)
        self.seen.append((list(options), options.continuing))
        return super().choose(options, step)


def test_option_zero_is_the_task_that_ran_when_it_can_go_on_else_the_next_round_robin() -> None:
    source = Recorder(5)
    trace = explorer.run(MODEL, "v", None, source).trace()
    decided = [s for s in trace.steps if s.decision is not None]
    assert len(decided) == len(source.seen)
    for step, (options, continuing) in zip(decided, source.seen, strict=True):
        assert step.decision is not None
        assert step.decision.count == len(options)
        assert step.decision.default == options[0]
        assert step.decision.chosen == options[step.decision.index]
        if step.label == "work":  # the task stays enabled at a plain point
            assert continuing and options[0] == step.tid
        else:  # it blocked (join) or finished: the others follow round-robin after it
            assert not continuing and step.tid not in options
        after = sorted(options, key=lambda tid: (tid <= step.tid, tid))
        assert options == (after if not continuing else [step.tid, *after[:-1]])


def test_one_nonzero_choice_is_exactly_one_context_switch() -> None:
    # Decision 0: main joins w1 (options w1, w2, w3); decision 1: w1's first point, where
    # choice 1 switches to w2, the next task round-robin.
    trace = explorer.run(MODEL, "v", None, PrechosenChoices([0, 1])).trace()
    assert trace.preemptions == 1
    assert runs_of_tasks(trace) == ["main", "w1/work", "w2/work", "w3/work", "w1/work", "main"]


def test_a_switch_after_a_task_blocked_is_not_a_preemption() -> None:
    # Decision 0 is main's join (main blocks): choosing w2 instead of w1 is free.
    trace = explorer.run(MODEL, "v", None, PrechosenChoices([1])).trace()
    assert trace.switches == 1
    assert trace.preemptions == 0


def test_choices_past_the_end_of_the_list_are_zero() -> None:
    short = explorer.run(MODEL, "v", None, PrechosenChoices([0, 1])).trace()
    padded = explorer.run(MODEL, "v", None, PrechosenChoices([0, 1, 0, 0, 0, 0])).trace()
    assert short.steps == padded.steps


def test_a_choice_beyond_the_options_wraps_around() -> None:
    # Three options at decision 0, so 4 picks the same task as 1.
    four = explorer.run(MODEL, "v", None, PrechosenChoices([4])).trace()
    one = explorer.run(MODEL, "v", None, PrechosenChoices([1])).trace()
    assert four.steps == one.steps


@pytest.mark.parametrize(
    ("model", "variant"),
    [
        (MODEL, "v"),
        (lost_update.MODEL, "three"),
        (early_timeout.MODEL, "timeout"),
        (order_violation.MODEL, "racy"),
    ],
    ids=["workers", "lost-update", "early-timeout", "order-violation"],
)
@pytest.mark.parametrize("seed", range(10))
def test_trace_steps_carry_their_decisions_and_the_chosen_option_runs_next(
    model: explorer.Model, variant: str, seed: int
) -> None:
    trace = explorer.run(model, variant, None, SeededRandomSource(seed)).trace()
    assert trace.choices == tuple(d.index for d in trace.decisions)
    for step, following in zip(trace.steps, trace.steps[1:], strict=False):
        decision = step.decision
        if decision is None:
            continue
        assert decision.count >= 2, "a decision is recorded only when there is a choice"
        assert following.tid == decision.chosen
        if decision.chosen == TIMER:
            assert following.label == "timer"
