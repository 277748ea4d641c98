"""Schedules drawn by Hypothesis: a kind of schedule and a seed, expanded at run time.

Invariant: a schedule is a frozen value of a few integers drawn up front (``explorer.draws``:
what a seed draws does not depend on which modules are imported); ``source(horizon)`` makes a
fresh, deterministic choice source from it for every run, where ``horizon`` is the search's
estimate of a run's length in decisions, so positions fall anywhere in the real run. No
schedule has a ceiling on the option it picks: values are folded into however many options a
decision offers. Schedules are cheap to draw on purpose (Hypothesis's cost per draw dominates a
short model's run); what shrinks a finding is the decision-level shrinker
(``explorer.shrinking``), which works on the decisions a run actually made.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Protocol

import attrs
from hypothesis import strategies as st

from explorer import draws
from explorer.sources.base import ChoiceSource
from explorer.sources.pct import PCTSource, seeded_priorities
from explorer.sources.seeded import SeededRandomSource

#: Bits of a drawn seed.
SEED_BITS = 32
#: Most switches a sparse schedule makes.
MAX_SPARSE = 8


class Schedule(Protocol):
    """A frozen, printable value drawn by Hypothesis that makes a fresh source per run."""

    def source(self, horizon: int) -> ChoiceSource: ...


def _positions(rng: random.Random, count: int, horizon: int) -> list[int]:
    return [int(rng.random() * max(1, horizon)) for _ in range(count)]


class SparseSource(ChoiceSource):
    """Switches at the given decisions only; each switch takes some option other than 0."""

    __slots__ = ("_next", "_switches")

    def __init__(self, switches: dict[int, int]) -> None:
        self._switches = switches
        self._next = 0

    def choose(self, options: Sequence[int], step: int) -> int:
        k = self._next
        self._next = k + 1
        value = self._switches.get(k)
        if value is None:
            return 0
        return 1 + value % (len(options) - 1)


class SwitchingSource(ChoiceSource):
    """At each decision, with probability ``rate``, a uniform choice among the other options."""

    __slots__ = ("_rate", "_rng")

    def __init__(self, seed: int, rate: float) -> None:
        self._rng = random.Random(seed)
        self._rate = rate

    def choose(self, options: Sequence[int], step: int) -> int:
        if self._rng.random() >= self._rate:
            return 0
        return 1 + self._rng.randrange(len(options) - 1)


@attrs.frozen
class PCTSchedule:
    """PCT (see ``sources.pct``) of depth ``depth``: priorities for every task and ``depth - 1``
    change points anywhere in the run, all from ``seed``."""

    seed: int
    depth: int = 3

    def source(self, horizon: int) -> ChoiceSource:
        rng = random.Random(self.seed)
        return PCTSource(seeded_priorities(self.seed),
                         _positions(rng, self.depth - 1, horizon))


@attrs.frozen
class SparseSwitches:
    """``count`` switches at positions anywhere in the run, each to an option other than the
    default, all from ``seed``. Reaches deep into long runs; each is one switch."""

    seed: int
    count: int

    def source(self, horizon: int) -> ChoiceSource:
        rng = random.Random(self.seed)
        positions = _positions(rng, self.count, horizon)
        return SparseSource({p: rng.getrandbits(30) for p in positions})


@attrs.frozen
class DenseSwitches:
    """A switch at any decision with probability ``rate_sixteenths / 16`` (a busy schedule)."""

    seed: int
    rate_sixteenths: int

    def source(self, horizon: int) -> ChoiceSource:
        return SwitchingSource(self.seed, self.rate_sixteenths / 16)


@attrs.frozen
class SeededSchedule:
    """Uniform random choices at every decision (breadth, no bias toward the default)."""

    seed: int

    def source(self, horizon: int) -> ChoiceSource:
        return SeededRandomSource(self.seed)


def _seed() -> st.SearchStrategy[int]:
    return draws.bits(SEED_BITS)


def pct_schedules(depth: int = 3) -> st.SearchStrategy[PCTSchedule]:
    """PCT of depth ``depth``: priorities for every task, ``depth - 1`` change points."""
    if depth < 1:
        raise ValueError(f"PCT depth must be at least 1, got {depth}")
    return _seed().map(lambda seed: PCTSchedule(seed, depth))


def sparse_switches(max_switches: int = MAX_SPARSE) -> st.SearchStrategy[SparseSwitches]:
    return st.builds(SparseSwitches, _seed(), draws.integers(1, max_switches))


def dense_switches() -> st.SearchStrategy[DenseSwitches]:
    return st.builds(DenseSwitches, _seed(), draws.integers(1, 8))


#: Kept for the ``list`` source name: dense switching is what a drawn list of choices did.
choice_lists = dense_switches


def seeded_schedules() -> st.SearchStrategy[SeededSchedule]:
    return _seed().map(SeededSchedule)


def _mixed(value: int, depth: int) -> Schedule:
    """One drawn integer: its low bits pick the kind (PCT twice as often as each other kind),
    the next three a parameter, the rest the seed."""
    kind, parameter, seed = value & 3, (value >> 2) & 7, value >> 5
    if kind < 2:
        return PCTSchedule(seed, depth)
    if kind == 2:
        return SparseSwitches(seed, 1 + parameter % MAX_SPARSE)
    return DenseSwitches(seed, 1 + parameter)


def schedules(depth: int = 3) -> st.SearchStrategy[Schedule]:
    """The default mix: PCT sized to the run (half the examples), sparse switches anywhere in
    it, dense switching; all from one integer draw (Hypothesis's cost is per draw)."""
    return draws.bits(SEED_BITS).map(lambda value: _mixed(value, depth))


#: The ``--explorer-source`` names and what each draws.
SOURCES = ("hypothesis", "pct", "random", "sparse", "list")


def schedules_named(source: str, depth: int = 3) -> st.SearchStrategy[Schedule] | None:
    """The strategy behind a ``--explorer-source`` name; None for the default mix."""
    table: dict[str, st.SearchStrategy[Schedule]] = {
        "pct": pct_schedules(depth=depth),
        "random": seeded_schedules(),
        "sparse": sparse_switches(),
        "list": dense_switches(),
    }
    return table.get(source)
