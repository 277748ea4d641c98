"""The one seam between the engine and a scheduling strategy.

Invariant: ``choose`` returns an index into ``options``; index 0 means "no context switch"
(the task that just ran if it can go on, else the next runnable task after it in round-robin
order of task ids).
"""

from __future__ import annotations

from collections.abc import Sequence

from explorer.records import TIMER


class ChoiceSource:
    """Base class: ``options`` holds the runnable task ids in round-robin order from the task
    that just ran, and ``TIMER`` (-1) last when a timer may fire (see ``explorer._options``);
    ``step`` is the index of the step just taken. ``options.continuing`` says whether option 0
    is the task that just ran (so any other choice preempts it)."""

    def choose(self, options: Sequence[int], step: int) -> int:
        raise NotImplementedError


__all__ = ["TIMER", "ChoiceSource"]
