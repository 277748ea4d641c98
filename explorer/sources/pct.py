"""Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010).

Each task has a priority; the highest-priority enabled option runs; at each of the d-1 change
points the running task drops below every initial priority. For n tasks, k steps and a bug of
depth d, one run finds the bug with probability at least 1/(n·k^(d-1)).

The clock (firing the earliest timer) ranks like a task until it first fires early; after that
it fires only when no task can run, so a high-priority clock cannot starve the tasks a polling
loop waits for.

Invariant: priorities and change points are inputs (drawn by Hypothesis, so PCT runs shrink);
given them, every decision is determined.
"""

from __future__ import annotations

from collections.abc import Sequence

from explorer.records import TIMER
from explorer.sources.base import ChoiceSource


def pct_bound(tasks: int, steps: int, depth: int) -> float:
    """The paper's lower bound on the probability that one run finds a depth-``depth`` bug."""
    return 1.0 / float(tasks * steps ** (depth - 1))


class PCTSource(ChoiceSource):
    """``priorities[i]`` ranks task id i (higher runs first); ``priorities[-1]`` ranks the clock.

    Tasks beyond the list rank by creation order below the listed ones.
    """

    def __init__(self, priorities: Sequence[int], change_points: Sequence[int]) -> None:
        self.base = list(priorities)
        self.change_points = sorted(set(change_points))
        self._lowered: dict[int, int] = {}
        self._decision = 0

    def _priority(self, option: int) -> float:
        if option in self._lowered:
            return -1_000_000 + self._lowered[option]
        if option == TIMER:
            return self.base[-1] if self.base else -1
        if option < len(self.base) - 1:
            return self.base[option]
        return -1 - option / 1_000_000

    def choose(self, options: Sequence[int], step: int) -> int:
        k = self._decision
        self._decision = k + 1
        best = max(range(len(options)), key=lambda i: (self._priority(options[i]), -i))
        if k in self.change_points:
            rank = self.change_points.index(k)
            self._lowered[options[best]] = -rank
            best = max(range(len(options)), key=lambda i: (self._priority(options[i]), -i))
        if options[best] == TIMER:
            # The clock fires early at most once by priority, then only when nothing else can
            # run: a clock that always outranks tasks would starve whatever a timer waits for.
            self._lowered[TIMER] = -len(self.change_points) - 1
        return best
