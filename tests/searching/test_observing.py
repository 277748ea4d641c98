"""``explorer.note``, ``event`` and ``target`` in a model or an invariant reach Hypothesis
during a search's examples (``--hypothesis-show-statistics`` shows them) and do nothing in a
run outside Hypothesis."""

from __future__ import annotations

import pytest

import explorer
from explorer.sources import PrechosenChoices

OBSERVED = '''
import explorer


class World:
    value = 0


async def bump(world):
    explorer.note("bump ran")
    await explorer.point("bump", touches="value")
    world.value += 1
    explorer.target(world.value, label="bumps")


async def main(world):
    explorer.event("main started")
    for i in range(2):
        explorer.spawn(bump, world, name=f"bump/{i}")


@explorer.invariant(at="quiescence")
def counted(world):
    """Both bumps counted."""
    explorer.event("invariant checked")
    return None


MODEL = explorer.Model("observed", "", (("v", ""),), lambda variant, scenario: World(), main,
                       (counted,))
test_observed = explorer.Search(MODEL, "v", max_examples=10).test()
'''


def test_events_and_targets_of_a_model_and_an_invariant_show_in_the_statistics(
        pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_observed=OBSERVED)
    result = pytester.runpytest("-p", "no:cacheprovider", "--hypothesis-show-statistics")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_observed*", "*generate phase*"])
    result.stdout.fnmatch_lines(["*main started*"])
    result.stdout.fnmatch_lines(["*invariant checked*"])
    result.stdout.fnmatch_lines(["*Highest target score*bumps*"])


def test_outside_hypothesis_they_change_nothing() -> None:
    async def main(world: None) -> None:
        explorer.note("a note")
        explorer.event("an event", 3)
        explorer.target(1.5, label="score")
        await explorer.point("p")

    model = explorer.Model("test.observing", "", (("v", ""),), lambda v, s: None, main, ())
    outcome = explorer.run(model, "v", None, PrechosenChoices(())).outcome
    assert outcome.kind is explorer.OutcomeKind.PASS
