"""The one seam between the engine and a scheduling strategy.

Invariant: ``choose`` returns an index into ``options``; index 0 means "no context switch"
(the current task if it is enabled, else the earliest-created enabled task).
"""

from __future__ import annotations

from collections.abc import Sequence

from explorer.records import TIMER


class ChoiceSource:
    """Base class: ``options`` holds task ids in creation order after the default, and
    ``TIMER`` (-1) last when a timer is pending; ``step`` is the index of the step just taken."""

    def choose(self, options: Sequence[int], step: int) -> int:
        raise NotImplementedError


__all__ = ["TIMER", "ChoiceSource"]
