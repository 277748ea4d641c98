"""Every deliberately broken copy of ``proposed`` is found by the flagship's own searches.

A mutant counts as killed when the search of its group (the flagship's scenarios and
schedules for that group, timers ``idle``, under which ``proposed`` itself is clean) reports
at least one finding. A mutant that survives means the searches would miss that mistake in a
fix: the test fails, and the remedy is a better search or invariant, never a weaker mutant.
The mutants that survive today are listed in ``SURVIVORS`` with what was measured, as strict
expected failures: the day a search kills one, its test fails until it leaves the list.

A kill counts only because ``proposed`` itself is clean in the same search (the first test
here): a finding of the fix's own would "kill" every mutant of its group.
"""

from __future__ import annotations

import pytest
from mutants import MUTANTS

from explorer import Settings
from explorer.exploration import Exploration, SearchSettings, explore
from models.ipc import searches
from models.ipc.android.proposed import ProposedIPC
from models.ipc.fixes import fix_model

#: the fix itself, beside its mutants in one model, so both are searched the same way
UNMUTATED = "unmutated"
MODEL = fix_model("ipc-mutants", {UNMUTATED: ("the fix itself", ProposedIPC),
                                  **{name: (doc, cls) for name, (doc, cls, _) in MUTANTS.items()}})
BUDGET = 300
SEED = 0

_UNKILLED = ("survived every flagship group (300 examples each, seed 0, timers idle, "
             "measured with the final fix)")
_FIX_ITSELF = _UNKILLED + "; its earlier kills were findings of the fix itself"
#: name -> what was measured (and, where the code says why, the reason read from it):
#: mutants no flagship search kills yet
SURVIVORS: dict[str, str] = {
    "read_outside_lock": _FIX_ITSELF,
    "registered_late": _FIX_ITSELF + "; read from the fix: under idle, close() never cancels "
                       "a connect in flight",
    "silent_after_close": _FIX_ITSELF + "; read from the code: the environment plays events one "
                          "at a time and the module drops its clients once close() returns, so "
                          "no call reaches a closed instance",
    "sender_not_joined": _FIX_ITSELF,
    "fin_before_queue": _UNKILLED + "; dropped_send killed it at example 7 of 300 before the "
                        "fix's lost-connection repair changed the search's path",
}


def _search(variant: str, group: str) -> Exploration:
    declared = searches.search("proposed", group)
    return explore(MODEL, variant, name=f"mutant-{variant}", scenarios=declared.scenarios,
                   schedules=declared.schedules,
                   settings=SearchSettings(max_examples=min(declared.max_examples, BUDGET),
                                           seed=SEED, shrink_runs=5,
                                           run=Settings(max_steps=20_000, timers="idle")))


@pytest.mark.parametrize("group", sorted({group for _, _, group in MUTANTS.values()}))
def test_the_fix_itself_is_clean_in_each_group_that_kills_a_mutant(group: str) -> None:
    result = _search(UNMUTATED, group)
    assert result.examples > 0
    assert not result.findings, result.summary()


def test_there_are_at_least_twelve_mutants_each_a_distinct_mistake() -> None:
    assert len(MUTANTS) >= 12
    classes = [cls for _, cls, _ in MUTANTS.values()]
    assert len(set(classes)) == len(classes)
    assert all(group in searches.GROUPS for _, _, group in MUTANTS.values())


class Survived(AssertionError):
    """The search of the mutant's group found nothing."""


def _marked(name: str) -> object:
    if name not in SURVIVORS:
        return name
    return pytest.param(name, marks=pytest.mark.xfail(strict=True, raises=Survived,
                                                      reason=SURVIVORS[name]))


@pytest.mark.parametrize("name", [_marked(name) for name in sorted(MUTANTS)])
def test_the_search_of_its_group_kills_the_mutant(name: str) -> None:
    doc, _, group = MUTANTS[name]
    result = _search(name, group)
    assert result.examples > 0
    keys = [f.trace.outcome.key for f in result.findings]
    if not keys:
        raise Survived(f"mutant {name} ({doc}) survived {result.examples} examples of {group}")
