"""Below each bug's minimal preemption bound there is nothing to find: every schedule with
fewer preemptions, enumerated one by one, passes. Checked where those schedules are few (the
larger thread counts of the same programs rest on the catalogue's argument)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import pytest

import explorer
from explorer.sources import ChoiceSource
from models.sctbench import MODELS
from models.sctbench.catalogue import Bug, Program, bugs

BY_NAME = {m.name: m for m in MODELS}
#: Bugs too wide to enumerate below their bound here (thousands of serial orders and more).
WIDE = {("sctbench.reorder", "bad_10"), ("sctbench.reorder", "bad_20"),
        ("sctbench.twostage", "bad_10"), ("sctbench.twostage", "bad_20"),
        ("sctbench.twostage", "bad_100"), ("sctbench.wronglock", "bad")}
BUDGET = 5000
CHECKED = [(p, b) for p, b in bugs() if b.bound > 0 and (p.model, b.variant) not in WIDE]


class Recording(ChoiceSource):
    """Follows ``prefix`` then takes option 0, noting each decision's size and whether the
    task that ran could have gone on."""

    def __init__(self, prefix: Sequence[int]) -> None:
        self.prefix = prefix
        self.decisions: list[tuple[int, bool]] = []

    def choose(self, options: Sequence[int], step: int) -> int:
        k = len(self.decisions)
        self.decisions.append((len(options), bool(getattr(options, "continuing", True))))
        return self.prefix[k] if k < len(self.prefix) else 0


def outcomes_within(model: explorer.Model, variant: str, preemptions: int) -> Counter[str]:
    """The outcome of every schedule with at most ``preemptions`` preemptions, each run once."""
    outcomes: Counter[str] = Counter()
    pending: list[tuple[tuple[int, ...], int]] = [((), 0)]
    while pending:
        prefix, used = pending.pop()
        source = Recording(prefix)
        outcomes[explorer.run(model, variant, None, source).outcome.key] += 1
        assert outcomes.total() <= BUDGET, "too many schedules to enumerate in a test"
        for k in range(len(prefix), len(source.decisions)):
            count, continuing = source.decisions[k]
            cost = used + continuing
            if cost <= preemptions:
                base = prefix + (0,) * (k - len(prefix))
                pending.extend(((*base, alt), cost) for alt in range(1, count))
    return outcomes


@pytest.mark.parametrize(("program", "bug"), CHECKED,
                         ids=[f"{p.model}-{b.variant}" for p, b in CHECKED])
def test_no_schedule_below_the_bound_finds_the_bug(program: Program, bug: Bug) -> None:
    outcomes = outcomes_within(BY_NAME[program.model], bug.variant, bug.bound - 1)
    assert outcomes == Counter({"pass": outcomes.total()})
    assert outcomes.total() >= 1


def test_the_enumeration_finds_a_bug_at_its_bound() -> None:
    """The enumerator itself can find: deadlock01 deadlocks among its one-preemption
    schedules, and only there."""
    model = BY_NAME["sctbench.deadlock01"]
    assert outcomes_within(model, "bad", 0) == Counter({"pass": 3})
    within_one = outcomes_within(model, "bad", 1)
    assert within_one["deadlock"] >= 1
    assert set(within_one) == {"pass", "deadlock"}
