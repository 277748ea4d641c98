"""Choices from a list drawn up front (by Hypothesis, or by a test).

Invariant: decision k takes ``values[k] % len(options)``, and 0 once the list runs out, so
shrinking values toward 0 removes context switches first.
"""

from __future__ import annotations

from collections.abc import Sequence

from explorer.sources.base import ChoiceSource


class PrechosenChoices(ChoiceSource):
    __slots__ = ("_next", "values")

    def __init__(self, values: Sequence[int]) -> None:
        self.values = list(values)
        self._next = 0

    def choose(self, options: Sequence[int], step: int) -> int:
        k = self._next
        self._next = k + 1
        if k < len(self.values):
            return self.values[k] % len(options)
        return 0

    @property
    def consumed(self) -> int:
        return self._next
