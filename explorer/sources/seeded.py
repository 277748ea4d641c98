"""Uniform random choices from a seeded generator of its own (never the global ``random``).

Invariant: the same seed gives the same choices for the same options.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from explorer.sources.base import ChoiceSource


class SeededRandomSource(ChoiceSource):
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._rng = random.Random(seed)

    def choose(self, options: Sequence[int], step: int) -> int:
        return self._rng.randrange(len(options))
