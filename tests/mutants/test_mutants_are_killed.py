"""Every deliberately broken copy of ``proposed`` is found by the flagship's own searches.

A mutant counts as killed when the search of its group (the flagship's scenarios and
schedules for that group, timers ``idle``, under which ``proposed`` itself is clean) reports
at least one finding. A mutant that survives means the searches would miss that mistake in a
fix: the test fails, and the remedy is a better search or invariant, never a weaker mutant.
"""

from __future__ import annotations

import pytest
from mutants import MUTANTS

from explorer import Settings
from explorer.exploration import SearchSettings, explore
from models.ipc import searches
from models.ipc.fixes import fix_model

MODEL = fix_model("ipc-mutants", {name: (doc, cls) for name, (doc, cls, _) in MUTANTS.items()})
BUDGET = 300
SEED = 0


def test_there_are_at_least_twelve_mutants_each_a_distinct_mistake() -> None:
    assert len(MUTANTS) >= 12
    classes = [cls for _, cls, _ in MUTANTS.values()]
    assert len(set(classes)) == len(classes)
    assert all(group in searches.GROUPS for _, _, group in MUTANTS.values())


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_the_search_of_its_group_kills_the_mutant(name: str) -> None:
    doc, _, group = MUTANTS[name]
    declared = searches.search("proposed", group)
    result = explore(MODEL, name, name=f"mutant-{name}", scenarios=declared.scenarios,
                     schedules=declared.schedules,
                     settings=SearchSettings(max_examples=min(declared.max_examples, BUDGET),
                                             seed=SEED, shrink_runs=5,
                                             run=Settings(max_steps=20_000, timers="idle")))
    assert result.examples > 0
    keys = [f.trace.outcome.key for f in result.findings]
    assert keys, f"mutant {name} ({doc}) survived {result.examples} examples of {group}"
