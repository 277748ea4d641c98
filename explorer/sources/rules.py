"""Switches as rules that do not depend on where the other switches are.

Invariant: a rule ``(task, n, target)`` means "at the ``n``-th decision made right after
``task`` ran (counted from 0), run ``target`` if it is an option"; every other decision takes
option 0. Removing one rule therefore leaves the others where they were in the run, which a
list of option indices cannot do (undoing one switch there moves every later one onto other
tasks). The shrinker works on rules; a run's own decisions give its rules back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from explorer.records import Decision
from explorer.sources.base import ChoiceSource

Rule = tuple[int, int, int]


def rules_of(decisions: Iterable[Decision]) -> tuple[Rule, ...]:
    """The rules that make a run take ``decisions`` (its switches, by task and ordinal)."""
    counts: dict[int, int] = {}
    rules = []
    for decision in decisions:
        n = counts.get(decision.current, 0)
        counts[decision.current] = n + 1
        if decision.index != 0:
            rules.append((decision.current, n, decision.chosen))
    return tuple(rules)


class RuleSource(ChoiceSource):
    """Follows ``rules``; option 0 wherever no rule applies or its target cannot run."""

    __slots__ = ("_counts", "_rules")

    def __init__(self, rules: Iterable[Rule]) -> None:
        self._rules = {(task, n): target for task, n, target in rules}
        self._counts: dict[int, int] = {}

    def choose(self, options: Sequence[int], step: int) -> int:
        current = getattr(options, "current", -2)
        n = self._counts.get(current, 0)
        self._counts[current] = n + 1
        target = self._rules.get((current, n))
        if target is None or target not in options:
            return 0
        return options.index(target)
