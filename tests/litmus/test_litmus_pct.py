"""The depth-three order violation: PCT schedules drawn by Hypothesis find it from every seed,
where uniform per-step choices almost never do."""

from __future__ import annotations

import pytest

import explorer
from explorer.exploration import SearchSettings, explore
from explorer.records import OutcomeKind
from explorer.sources import PrechosenChoices, SeededRandomSource
from explorer.sources.hypothesis import pct_schedules
from models.litmus import order_violation

#: PCT sized to the run: priorities for every task, change points over the decisions the model
#: really makes (about 31 here), measured by the search.
PCT = pct_schedules(depth=3)
#: The paper's bound for 4 tasks and ~31 decisions at depth 3 is 1/(4 x 31^2), about 1/3844;
#: the budget is what the textbook algorithm needs, not hundreds of times more.
BUDGET = 1000


@pytest.mark.parametrize("seed", range(10))
def test_pct_finds_the_order_violation_within_the_budget(seed: int) -> None:
    exploration = explore(order_violation.MODEL, "racy", schedules=PCT,
                          settings=SearchSettings(max_examples=BUDGET, seed=seed))
    assert exploration.finding is not None, exploration.summary()
    stats = exploration.finding.stats
    assert stats.examples_to_first_failure is not None
    assert stats.examples_to_first_failure <= BUDGET
    assert exploration.finding.trace.outcome.invariant == "stages_not_staggered"


def test_the_default_schedule_does_not_show_the_order_violation() -> None:
    result = explorer.run(order_violation.MODEL, "racy", None, PrechosenChoices(()))
    assert result.outcome.kind is OutcomeKind.PASS


def test_uniform_choices_rarely_show_the_order_violation() -> None:
    found = sum(
        explorer.run(order_violation.MODEL, "racy", None, SeededRandomSource(seed)).outcome
        .is_finding
        for seed in range(1000)
    )
    assert found <= 2
