"""The enumeration itself: without the reduction it runs exactly the schedules of cost at most
k (a brute-force recursion over prefixes finds the same set), each once, at the bound equal
to its cost; with it, only real schedules, each at its own bound."""

from __future__ import annotations

import pytest
from verify_support import brute_force, choice_cost, enumerate_bounded, generate

import explorer
from explorer.records import TIMER, Settings
from explorer.sources import PrechosenChoices
from explorer.sources.exhaustive import PreemptionBounding
from models.litmus import MODELS

BY_NAME = {m.name: m for m in MODELS}
CASES = [
    (BY_NAME["litmus.lost-update"], "three", 2, None),
    (BY_NAME["litmus.early-timeout"], "timeout", 2, None),  # timers fired early cost one
    (BY_NAME["litmus.cancel-window"], "plain", 2, None),
    (BY_NAME["litmus.lock-order"], "opposite", 3, None),
    (generate(45).model, "only", 2, None),
    (generate(19).model, "only", 2, Settings(timers="idle")),
]


def replayed(model: explorer.Model, variant: str, choices: tuple[int, ...],
             settings: Settings | None = None) -> explorer.Trace:
    result = explorer.run(model, variant, None, PrechosenChoices(choices), settings)
    assert result.choices == choices
    return result.trace()


def cost_of(trace: explorer.Trace) -> int:
    """A run's cost from its trace: preemptions plus timers fired among other options."""
    return sum(choice_cost(d.index, d.count, d.continuing, d.chosen == TIMER)
               for d in trace.decisions)


@pytest.mark.parametrize(("model", "variant", "bound", "settings"), CASES,
                         ids=[f"{m.name}-{v}-{b}" for m, v, b, _ in CASES])
def test_without_reduction_every_schedule_within_the_bound_runs_once(
        model: explorer.Model, variant: str, bound: int, settings: Settings | None) -> None:
    runs = enumerate_bounded(model, variant, bound, reduction=False, settings=settings)
    expected = brute_force(model, variant, bound, settings)
    ran = [(c, b) for b, chosen in runs.choices.items() for c in chosen]
    assert len(ran) == len({c for c, _ in ran}), "a schedule ran twice"
    assert dict(ran) == expected  # the same schedules, each at the bound equal to its cost


@pytest.mark.parametrize(("model", "variant", "bound", "settings"), CASES[-2:],
                         ids=["seed-45", "seed-19-idle"])
def test_with_reduction_every_run_is_a_schedule_of_its_own_bound(
        model: explorer.Model, variant: str, bound: int, settings: Settings | None) -> None:
    runs = enumerate_bounded(model, variant, bound, reduction=True, settings=settings)
    expected = brute_force(model, variant, bound, settings)
    for b, chosen in runs.choices.items():
        assert len(set(chosen)) == len(chosen)
        assert all(expected[c] == b for c in chosen)


def test_a_trace_cost_is_its_preemptions_plus_its_early_timers() -> None:
    model = BY_NAME["litmus.early-timeout"]
    runs = enumerate_bounded(model, "timeout", 1, reduction=False)
    traces = [replayed(model, "timeout", c) for c in runs.choices[1]]
    assert {cost_of(t) for t in traces} == {1}
    # In the records' terms: a decision costs one when it preempts or fires a timer early
    # (a timer fired instead of a task that could go on is both, and costs one).
    assert {sum(d.is_preemption or d.is_early_timer for d in t.decisions) for t in traces} == {1}
    assert any(t.preemptions == 0 and t.early_timers for t in traces)  # a timer alone costs one


def test_a_search_with_nothing_to_preempt_is_exhausted_at_bound_zero() -> None:
    async def alone(world: object) -> None:
        for i in range(3):
            await explorer.point("tick", str(i))

    model = explorer.Model("alone", "one task", (("only", ""),), lambda v, s: None, alone)
    search = PreemptionBounding(limit=5)
    source = search.next_run()
    assert source is not None
    explorer.run(model, "only", None, source)
    assert search.next_run() is None
    assert not search.has_next_bound and not search.next_bound()
