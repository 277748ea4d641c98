"""The depth-three order violation: PCT schedules drawn by Hypothesis find it from every seed,
where uniform per-step choices almost never do."""

from __future__ import annotations

import pytest

import explorer
from explorer.records import OutcomeKind
from explorer.search import explore
from explorer.sources import PrechosenChoices, SeededRandomSource
from explorer.sources.hypothesis import pct_schedules
from models.litmus import order_violation

#: PCT draws change points among the run's decisions (k in the paper): the model makes about
#: 31, and main plus three workers are the tasks to rank.
PCT = pct_schedules(depth=3, max_tasks=4, max_decision=32)
BUDGET = 2000


@pytest.mark.parametrize("seed", range(10))
def test_pct_finds_the_order_violation_within_the_budget(seed: int) -> None:
    exploration = explore(
        order_violation.MODEL, "racy", schedule_strategy=PCT, max_examples=BUDGET,
        database=False, seed=seed,
    )
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
