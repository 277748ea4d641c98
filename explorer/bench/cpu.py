"""CPU time for the bench: the calling thread's CPU seconds, and the cyclic GC's part of them.

Invariant: the bench reads a clock here only, and it is a CPU clock (``time.thread_time``):
no figure of the bench is wall-clock time, so a loaded machine slows every measurement of one
repetition alike and their ratios hold.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any

#: The CPU clock of the calling thread, in seconds.
CLOCK: Callable[[], float] = time.thread_time


def cpu_seconds(fn: Callable[[], object]) -> float:
    """The CPU seconds one call of ``fn`` takes."""
    start = CLOCK()
    fn()
    return CLOCK() - start


def per_call_us(fn: Callable[[], object], calls: int) -> float:
    """Mean CPU microseconds of one call of ``fn``, over ``calls`` calls."""

    def loop() -> None:
        for _ in range(calls):
            fn()

    return cpu_seconds(loop) / calls * 1e6


class GcMeter:
    """While entered, sums the CPU time the cyclic garbage collector spends (``gc.callbacks``)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.collections = 0
        self._started = 0.0

    def _callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = CLOCK()
        else:
            self.seconds += CLOCK() - self._started
            self.collections += 1

    def __enter__(self) -> GcMeter:
        gc.callbacks.append(self._callback)
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        gc.callbacks.remove(self._callback)
