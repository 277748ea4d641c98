"""Schedules drawn by Hypothesis, so the schedule shrinks together with the scenario.

Invariant: a schedule is a frozen value drawn up front; ``source()`` makes a fresh choice source
from it for every run, and Hypothesis shrinking toward zero removes context switches first.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import attrs
from hypothesis import strategies as st

from explorer.sources.base import ChoiceSource
from explorer.sources.pct import PCTSource
from explorer.sources.prechosen import PrechosenChoices


class Schedule(Protocol):
    """A frozen, printable value drawn by Hypothesis that makes a fresh source per run."""

    def source(self) -> ChoiceSource: ...


@attrs.frozen
class ChoiceList:
    """Decision k takes ``values[k]`` (modulo the options); 0, no switch, once the list ends."""

    values: tuple[int, ...]

    def source(self) -> ChoiceSource:
        return PrechosenChoices(self.values)


class SparseSource(ChoiceSource):
    __slots__ = ("_next", "_switches")

    def __init__(self, switches: dict[int, int]) -> None:
        self._switches = switches
        self._next = 0

    def choose(self, options: Sequence[int], step: int) -> int:
        k = self._next
        self._next = k + 1
        return self._switches.get(k, 0) % len(options)


@attrs.frozen
class SparseSwitches:
    """Only the listed decisions switch: ``(k, v)`` takes option ``v`` at decision ``k``.

    Reaches deep into long runs with a handful of draws; each pair is one preemption.
    """

    switches: tuple[tuple[int, int], ...]

    def source(self) -> ChoiceSource:
        return SparseSource(dict(self.switches))


@attrs.frozen
class PCTSchedule:
    """PCT's random priorities and change points, drawn by Hypothesis (see ``sources.pct``)."""

    priorities: tuple[int, ...]
    change_points: tuple[int, ...]

    def source(self) -> ChoiceSource:
        return PCTSource(self.priorities, self.change_points)




def choice_lists(max_size: int = 200, max_value: int = 15) -> st.SearchStrategy[ChoiceList]:
    values = st.lists(st.integers(0, max_value), max_size=max_size)
    return values.map(lambda v: ChoiceList(tuple(v)))


def sparse_switches(
    max_decision: int = 400, max_switches: int = 8, max_value: int = 15
) -> st.SearchStrategy[SparseSwitches]:
    pair = st.tuples(st.integers(0, max_decision), st.integers(1, max_value))
    pairs = st.lists(pair, max_size=max_switches, unique_by=lambda p: p[0])
    return pairs.map(lambda ps: SparseSwitches(tuple(sorted(ps))))


def pct_schedules(
    depth: int = 3, max_tasks: int = 12, max_decision: int = 200
) -> st.SearchStrategy[PCTSchedule]:
    """Priorities for ``max_tasks`` tasks plus the clock, and ``depth - 1`` change points."""
    priorities = st.permutations(list(range(max_tasks + 1)))
    changes = st.lists(st.integers(0, max_decision), max_size=depth - 1, unique=True)
    return st.builds(lambda p, c: PCTSchedule(tuple(p), tuple(sorted(c))), priorities, changes)


def schedules(max_decision: int = 400, depth: int = 3) -> st.SearchStrategy[Schedule]:
    """The default mix: sparse switches (shallow or deep), dense choice lists, and PCT."""
    return st.one_of(
        sparse_switches(max_decision=max_decision),
        choice_lists(),
        pct_schedules(depth=depth, max_decision=max_decision),
    )


@attrs.frozen
class SeededSchedule:
    """Uniform random choices from a seed that Hypothesis draws (shrinks poorly; for breadth)."""

    seed: int

    def source(self) -> ChoiceSource:
        from explorer.sources.seeded import SeededRandomSource

        return SeededRandomSource(self.seed)


def seeded_schedules() -> st.SearchStrategy[SeededSchedule]:
    return st.integers(0, 2**32 - 1).map(SeededSchedule)


def schedules_named(source: str) -> st.SearchStrategy[Schedule] | None:
    """The strategy behind a ``--explorer-source`` name; None for the default mix."""
    table: dict[str, st.SearchStrategy[Schedule]] = {
        "pct": pct_schedules(),
        "random": seeded_schedules(),
        "sparse": sparse_switches(),
        "list": choice_lists(),
    }
    return table.get(source)
