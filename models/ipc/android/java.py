"""The few JVM facts the Android client leans on: its exceptions, monitors and thread sleeps.

Invariant: nothing here is a coroutine suspension point. A JVM monitor, ``Thread.sleep`` and a
busy loop ignore coroutine cancellation, so every block here is non-cancellable.
"""

from __future__ import annotations

from typing import Protocol

import explorer


class Tracer(Protocol):
    """Where a client instance's scheduling points go (see ``instance.InstanceTracer``)."""

    def mark(self, label: str) -> None: ...

    async def point(self, label: str, detail: str = "") -> None: ...


class IOException(Exception):
    """``java.io.IOException``. Not an ``OSError``: kernel errors reach Kotlin wrapped in it."""


class EOFException(IOException):
    """``java.io.EOFException``: ``readFully`` met the end of the stream."""


class IndexOutOfBoundsException(Exception):
    """A ``RuntimeException``: not caught by ``catch (e: IOException)``."""


class OutOfMemoryError(Exception):
    """A ``java.lang.Error``: nothing in the client catches it, so its coroutine fails."""


class IllegalStateException(Exception):
    """A ``RuntimeException``: a call the object's state does not allow."""


class UninitializedPropertyAccessException(Exception):
    """Kotlin's error for reading a ``lateinit var`` before its first assignment."""


class Monitor:
    """``synchronized (obj)``: one holder at a time; waiting for it is not interruptible."""

    def __init__(self, name: str, tracer: Tracer) -> None:
        self.name = name
        self._tracer = tracer
        self._holder: str | None = None
        self._queue = explorer.WaitQueue(f"monitor {name}")

    async def __aenter__(self) -> None:
        await self._tracer.point("lock", self.name)
        while self._holder is not None:
            self._queue.name = f"monitor {self.name} held by {self._holder}"
            await self._queue.wait("lock", cancellable=False)
        self._holder = explorer.current_task().name

    async def __aexit__(self, *exc: object) -> None:
        self._holder = None
        self._queue.wake_one()


async def thread_sleep(seconds: float, tracer: Tracer) -> None:
    """``Thread.sleep``: virtual time passes; a coroutine cancel does not cut it short."""
    tracer.mark("Thread.sleep")
    w = explorer.waker()
    explorer.call_later(seconds, f"{w.task_name} Thread.sleep({seconds * 1000:g} ms)", w.wake)
    await explorer.block("Thread.sleep", f"timer {seconds:g}s", cancellable=False)


async def busy_loop_turn(tracer: Tracer, why: str) -> None:
    """One more turn of a loop that retries at once, without suspending.

    On the phone the thread spins while other threads run beside it. A model that kept the
    spinning task running would never let them run on the default schedule, so each turn
    waits on a zero-delay timer instead: other tasks go first by default, and firing the timer
    at once (a choice at every step) is the thread spinning ahead of them, so every
    interleaving of the real loop stays reachable. Virtual time does not move.
    """
    tracer.mark("busy loop")
    w = explorer.waker()
    explorer.call_later(0.0, f"{w.task_name} spins: {why}", w.wake)
    await explorer.block("busy loop", why, cancellable=False)
