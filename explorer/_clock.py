"""Virtual time: the only clock a model sees.

Invariant: time moves only when the engine fires the earliest pending timer, and timers with
equal deadlines fire in the order they were created. No wall clock is ever read.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable


class Timer:
    """A pending callback at a virtual deadline; ``cancel()`` withdraws it."""

    __slots__ = ("callback", "cancelled", "deadline", "label", "seq")

    def __init__(
        self, deadline: float, seq: int, label: str, callback: Callable[[], object]
    ) -> None:
        self.deadline = deadline
        self.seq = seq
        self.label = label
        self.callback = callback
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def __lt__(self, other: Timer) -> bool:
        return (self.deadline, self.seq) < (other.deadline, other.seq)


class VirtualClock:
    """Pending timers in deadline order and the current virtual time in seconds."""

    def __init__(self) -> None:
        self.now = 0.0
        self._heap: list[Timer] = []
        self._seq = 0

    def call_later(self, delay: float, label: str, callback: Callable[[], object]) -> Timer:
        if delay < 0:
            raise ValueError(f"timer delay must be >= 0, got {delay}")
        self._seq += 1
        timer = Timer(self.now + delay, self._seq, label, callback)
        heapq.heappush(self._heap, timer)
        return timer

    def has_pending(self) -> bool:
        heap = self._heap
        while heap and heap[0].cancelled:
            heapq.heappop(heap)
        return bool(heap)

    def fire_earliest(self) -> Timer:
        """Advance time to the earliest pending timer and run its callback."""
        if not self.has_pending():
            raise RuntimeError("no pending timer to fire")
        timer = heapq.heappop(self._heap)
        self.now = max(self.now, timer.deadline)
        timer.callback()
        return timer

    def pending_labels(self) -> list[str]:
        return [t.label for t in sorted(self._heap) if not t.cancelled]
