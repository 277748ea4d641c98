"""Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010).

Each task has a priority; the highest-priority runnable option runs; at the ``i``-th of the
``d - 1`` change points the running task drops below every initial priority. For ``n`` tasks,
``k`` scheduling decisions and a bug of depth ``d``, one run finds the bug with probability at
least ``1 / (n · k^(d-1))``. Priorities exist for every task however many there are (drawn from
a seed as tasks appear), and change points fall anywhere in the run's real length.

The clock (firing the earliest timer) ranks like a task until it first fires early; after that
it fires only when no task can run, so a high-priority clock cannot starve the tasks a polling
loop waits for.

Invariant: the priorities (or their seed) and the change points are inputs; given them, every
decision is determined.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from explorer.records import TIMER
from explorer.sources.base import ChoiceSource

_MASK = (1 << 64) - 1


def pct_bound(tasks: int, decisions: int, depth: int) -> float:
    """The paper's lower bound on the probability that one run finds a depth-``depth`` bug."""
    return 1.0 / float(max(1, tasks) * max(1, decisions) ** (depth - 1))


def mixed(seed: int, tid: int) -> int:
    """A 64-bit pseudo-random priority for task ``tid`` (splitmix64 of seed and id)."""
    z = (seed * 0x9E3779B97F4A7C15 + (tid + 2) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def seeded_priorities(seed: int) -> Callable[[int], int]:
    """Priorities for every task id (and ``TIMER``), from one seed."""
    return lambda tid: mixed(seed, tid)


def listed_priorities(ranks: Sequence[int]) -> Callable[[int], int]:
    """``ranks[i]`` for task id ``i``, ``ranks[-1]`` for the clock; tasks beyond the list rank
    below the listed ones, by creation order."""
    base = list(ranks)

    def priority(tid: int) -> int:
        if tid == TIMER:
            return base[-1] if base else -1
        if tid < len(base) - 1:
            return base[tid]
        return -1 - tid

    return priority


class PCTSource(ChoiceSource):
    """PCT over the options the engine offers.

    ``priorities`` is a sequence of ranks by task id (the clock last) or a function of the id;
    ``change_points`` are decision numbers (0-based, in the order decisions are made).
    """

    def __init__(self, priorities: Sequence[int] | Callable[[int], int],
                 change_points: Sequence[int]) -> None:
        self.priority = (priorities if callable(priorities)
                         else listed_priorities(priorities))
        self.change_points = sorted(set(change_points))
        self._lowered: dict[int, int] = {}
        self._decision = 0
        #: Each option's rank as ``_rank`` computes it, kept until the option is lowered.
        self._ranks: dict[int, tuple[int, int]] = {}

    def _rank(self, option: int) -> tuple[int, int]:
        lowered = self._lowered.get(option)
        if lowered is not None:
            return (0, lowered)
        return (1, self.priority(option))

    def _best(self, options: Sequence[int]) -> int:
        """The first option of the highest rank."""
        ranks = self._ranks
        best, best_rank = 0, (0, 0)
        for i, option in enumerate(options):
            rank = ranks.get(option)
            if rank is None:
                rank = ranks[option] = self._rank(option)
            if i == 0 or rank > best_rank:
                best, best_rank = i, rank
        return best

    def _lower(self, option: int, rank: int) -> None:
        self._lowered[option] = rank
        self._ranks.pop(option, None)

    def choose(self, options: Sequence[int], step: int) -> int:
        k = self._decision
        self._decision = k + 1
        best = self._best(options)
        if k in self.change_points:
            rank = self.change_points.index(k)
            self._lower(options[best], -rank)
            best = self._best(options)
        if options[best] == TIMER:
            # The clock fires early at most once by priority, then only when nothing else can
            # run: a clock that always outranks tasks would starve whatever a timer waits for.
            self._lower(TIMER, -len(self.change_points) - 1)
        return best
