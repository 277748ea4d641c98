"""A run is a pure function of (model, variant, scenario, choices): the determinism check and
the corpus-wide repeat test that backs the rule."""

from __future__ import annotations

import functools
import itertools
import random
from typing import Any

import attrs
import pytest

import explorer
from explorer.determinism import check_determinism, first_difference, replay
from explorer.records import OutcomeKind, Settings
from explorer.sources import PCTSource, PrechosenChoices, SeededRandomSource
from models.litmus import MODELS, nondeterministic

REPEATS = 1000
SETTINGS = Settings(max_steps=100)  # keeps the spinning model short

#: Each deterministic litmus model in its first (racy) variant.
DETERMINISTIC = [
    (model, model.variant_names()[0]) for model in MODELS if model is not nondeterministic.MODEL
]


@pytest.mark.parametrize(
    ("model", "variant"), DETERMINISTIC, ids=[f"{m.name}-{v}" for m, v in DETERMINISTIC]
)
def test_same_choices_give_identical_traces_over_a_thousand_repeats(
    model: explorer.Model, variant: str
) -> None:
    choices = finding_choices(model, variant)
    first = explorer.run(model, variant, None, PrechosenChoices(choices), SETTINGS).trace()
    assert first.outcome.is_finding
    for _ in range(REPEATS - 1):
        again = explorer.run(model, variant, None, PrechosenChoices(choices), SETTINGS)
        assert again.trace().steps == first.steps
        assert again.outcome == first.outcome


@functools.cache
def finding_choices(model: explorer.Model, variant: str) -> tuple[int, ...]:
    """The shared choice list for a model: the choices of its first seeded run with a finding,
    so the repeats go through the invariant, timer, cancel and deadlock paths, not only a pass."""
    for seed in range(2000):
        source = SeededRandomSource(seed) if seed % 2 else PCTSource(*_pct(seed // 2))
        result = explorer.run(model, variant, None, source, SETTINGS)
        if result.outcome.is_finding:
            return result.choices
    raise AssertionError(f"no seeded run of {model.name}/{variant} made a finding")


def _pct(seed: int) -> tuple[list[int], list[int]]:
    """Seeded PCT priorities for up to eight tasks and the clock, and two change points."""
    rng = random.Random(seed)
    ranks = list(range(9))
    rng.shuffle(ranks)
    return ranks, sorted(rng.sample(range(40), 2))


def test_the_shared_choice_lists_reach_every_kind_of_finding() -> None:
    # Guards the repeat test against choice lists that exercise nothing interesting.
    kinds = {
        explorer.run(m, v, None, PrechosenChoices(finding_choices(m, v)), SETTINGS).outcome.kind
        for m, v in DETERMINISTIC
    }
    assert kinds == {
        OutcomeKind.VIOLATION, OutcomeKind.DEADLOCK, OutcomeKind.STEP_BOUND, OutcomeKind.CRASH
    }


def test_check_determinism_returns_the_trace_of_a_deterministic_model() -> None:
    model = next(m for m in MODELS if m.name == "litmus.lost-update")
    trace = check_determinism(model, "two", None, SeededRandomSource(3), repeats=20)
    direct = explorer.run(model, "two", None, SeededRandomSource(3)).trace()
    assert trace.steps == direct.steps
    assert trace.choices == direct.choices


def test_nondeterministic_model_is_reported_with_its_first_differing_step() -> None:
    with pytest.raises(explorer.NondeterministicModelError) as caught:
        check_determinism(nondeterministic.MODEL, "counter", None, PrechosenChoices(()))
    # Steps 0 (main joins) and 1 (t1's first poll, whose detail shows the total) are where
    # runs with 2 and 3 polls first disagree.
    assert caught.value.step == 1
    message = str(caught.value)
    assert "step 1" in message
    assert "t1/poll: poll (1/2)" in message or "t1/poll: poll (1/3)" in message


def _spawns_more_on_odd_runs() -> explorer.Model:
    """A model whose set of tasks depends on hidden state: replay meets a task it never saw."""
    runs = itertools.count(1)

    def build(variant: str, scenario: Any) -> list[int]:
        return [next(runs) % 2]

    async def main(world: list[int]) -> None:
        async def work() -> None:
            await explorer.point("work")

        handles = [explorer.spawn(work, name=f"t{i}/work") for i in range(2 + world[0])]
        for handle in handles:
            await handle.join()

    return explorer.Model("odd-runs", "", (("v", ""),), build, main)


def test_a_divergence_during_replay_counts_as_nondeterminism() -> None:
    model = _spawns_more_on_odd_runs()
    # The first run has three workers and its first decision picks the third (task id 3);
    # the replay has two, so task 3 is not there to pick: replay diverges at that decision.
    with pytest.raises(explorer.NondeterministicModelError) as caught:
        check_determinism(model, "v", None, PrechosenChoices([2]))
    assert caught.value.step == 0
    assert "took option 2 of 3" in str(caught.value)
    assert "took option 0 of 2" in str(caught.value)


def test_first_difference_sees_an_outcome_that_differs_after_identical_steps() -> None:
    model = next(m for m in MODELS if m.name == "litmus.lost-update")
    passing = explorer.run(model, "two", None, PrechosenChoices(())).trace()
    changed = attrs.evolve(passing, outcome=explorer.Outcome(OutcomeKind.DEADLOCK, "invented"))
    difference = first_difference(passing, changed)
    assert difference is not None
    assert difference.step == len(passing.steps)
    assert "pass after" in difference.first
    assert "deadlock" in difference.second
    assert first_difference(passing, passing) is None


def test_replay_of_a_finding_reproduces_it_exactly() -> None:
    model = next(m for m in MODELS if m.name == "litmus.lock-order")
    result = explorer.run(model, "opposite", None, PrechosenChoices([0, 0, 1]))
    assert result.outcome.kind is OutcomeKind.DEADLOCK
    again = replay(model, result.trace(), result.task_names)
    assert first_difference(result.trace(), again) is None


def test_check_determinism_rejects_zero_repeats() -> None:
    model = next(m for m in MODELS if m.name == "litmus.lost-update")
    with pytest.raises(ValueError, match="repeats"):
        check_determinism(model, "two", None, PrechosenChoices(()), repeats=0)
