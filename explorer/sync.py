"""Engine-aware synchronisation: events, locks, queues, wait queues, sleeps and timeouts.

Invariant: a task that cannot go on is blocked through the engine with a reason, and is made
enabled only by an explicit wake; every operation is a scheduling point whose footprint names
the primitive, so operations on different primitives commute.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

from explorer._cancel import CancelScope
from explorer.runtime import (
    Footprint,
    Waker,
    block,
    call_later,
    current_task,
    point,
    primitive_footprint,
    waker,
)

T = TypeVar("T")


class WaitQueue:
    """Tasks blocked until woken: the hook for a model's own "blocked until X" conditions.

    ``name`` is what a blocked task waits on in reports: a string, or a function giving the
    text when the report is made (a lock names its holder as it is then).
    """

    def __init__(self, name: str | Callable[[], str]) -> None:
        self.name = name
        self._waiters: deque[Waker] = deque()

    def __len__(self) -> int:
        return len(self._waiters)

    async def wait(self, label: str, *, cancellable: bool = True,
                   touches: Footprint = None) -> object:
        """Block until a wake; ``touches`` is what the task does when it runs on."""
        w = waker()
        self._waiters.append(w)
        return await block(label, self.name, cancellable=cancellable,
                           on_cancel=lambda: self._withdraw(w), touches=touches)

    def _withdraw(self, w: Waker) -> None:
        if w in self._waiters:
            self._waiters.remove(w)

    def wake_one(self, value: object = None) -> bool:
        while self._waiters:
            if self._waiters.popleft().wake(value):
                return True
        return False

    def wake_all(self, value: object = None) -> int:
        woken = 0
        while self._waiters:
            woken += self._waiters.popleft().wake(value)
        return woken


class Event:
    """A one-shot flag; ``wait`` blocks until ``set``."""

    def __init__(self, name: str = "event") -> None:
        self.name = name
        self._flag = False
        self._touches = primitive_footprint(f"event {name}")
        self._queue = WaitQueue(f"event {name}")

    def is_set(self) -> bool:
        return self._flag

    async def set(self) -> None:
        await point("set", self.name, touches=self._touches)
        self._flag = True
        self._queue.wake_all()

    async def wait(self) -> None:
        await point("wait", self.name, touches=self._touches)
        if not self._flag:
            await self._queue.wait("wait", touches=self._touches)


class Lock:
    """A mutual-exclusion lock that names its holder in deadlock reports.

    ``release`` takes its scheduling point *before* it unlocks, so a preemption can land
    between a critical section's last access and the release.
    """

    def __init__(self, name: str = "lock") -> None:
        self.name = name
        self._holder: str | None = None
        self._touches = primitive_footprint(f"lock {name}")
        self._queue = WaitQueue(self._waits_on)

    def _waits_on(self) -> str:
        """What a waiter waits on, as a deadlock report shows it when the run ends."""
        holder = f" held by {self._holder}" if self._holder is not None else ""
        return f"lock {self.name}{holder}"

    @property
    def holder(self) -> str | None:
        """The name of the task holding the lock, or None."""
        return self._holder

    async def acquire(self) -> None:
        await point("acquire", self.name, touches=self._touches)
        me = current_task().name
        while self._holder is not None:
            await self._queue.wait("acquire", touches=self._touches)
        self._holder = me

    async def release(self) -> None:
        if self._holder is None:
            raise RuntimeError(f"release of unlocked lock {self.name}")
        # Not a cancellation point (Trio's release is synchronous): a cancelled holder still
        # gives the lock back.
        await point("release", self.name, touches=self._touches, cancellable=False)
        self._holder = None
        self._queue.wake_one()

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc: object) -> None:
        await self.release()


class QueueClosed(Exception):
    """Sent to a closed queue, or received from a closed and drained one."""


class Queue(Generic[T]):
    """A FIFO channel with a capacity (``math.inf`` for unbounded) that can be closed."""

    def __init__(self, name: str = "queue", capacity: float = math.inf) -> None:
        self.name = name
        self.capacity = capacity
        self.items: deque[T] = deque()
        self.closed = False
        self._touches = primitive_footprint(f"queue {name}")
        self._readers = WaitQueue(f"queue {name} to have an item")
        self._writers = WaitQueue(f"queue {name} to have room")

    async def put(self, item: T) -> None:
        await point("put", self.name, touches=self._touches)
        while not self.closed and len(self.items) >= self.capacity:
            await self._writers.wait("put", touches=self._touches)
        if self.closed:
            raise QueueClosed(self.name)
        self.items.append(item)
        self._readers.wake_one()

    async def get(self) -> T:
        await point("get", self.name, touches=self._touches)
        while not self.items and not self.closed:
            await self._readers.wait("get", touches=self._touches)
        if not self.items:
            raise QueueClosed(self.name)
        self._writers.wake_one()
        return self.items.popleft()

    def close(self) -> None:
        self.closed = True
        self._readers.wake_all()
        self._writers.wake_all()


async def sleep(seconds: float) -> None:
    """Block for ``seconds`` of virtual time (cancellable)."""
    w = waker()
    timer = call_later(seconds, f"{w.task_name} sleep {seconds:g}s", w.wake)
    try:
        await block("sleep", f"timer {seconds:g}s", on_cancel=timer.cancel,
                    touches=primitive_footprint())
    finally:
        timer.cancel()


@contextmanager
def move_on_after(seconds: float, label: str = "timeout") -> Iterator[CancelScope]:
    """A cancel scope that a virtual timer cancels after ``seconds``."""
    with CancelScope() as scope:
        timer = call_later(seconds, label, scope.cancel)
        try:
            yield scope
        finally:
            timer.cancel()


class TooSlowError(Exception):
    """A :func:`fail_after` block ran past its virtual deadline."""


@contextmanager
def fail_after(seconds: float, label: str = "timeout") -> Iterator[CancelScope]:
    """Like :func:`move_on_after`, but raises :class:`TooSlowError` when the timer fired."""
    with move_on_after(seconds, label) as scope:
        yield scope
    if scope.cancelled_caught:
        raise TooSlowError(label)
