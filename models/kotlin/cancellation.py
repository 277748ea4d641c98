"""Cooperative cancellation: what a coroutine raises, and where it may raise it.

Invariant: a coroutine sees its cancellation only at a suspension point of this runtime (a call
of :func:`suspend_on`, or a check made by a suspension function before it suspends), never at a
plain scheduling point and never inside a blocking (non-cancellable) engine block. A cancel that
arrives while the coroutine is suspended interrupts the suspension at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import TYPE_CHECKING, TypeVar

import explorer

if TYPE_CHECKING:
    from models.kotlin.job import Job

T = TypeVar("T")


class CancellationException(Exception):
    """The coroutine was cancelled.

    Kotlin's is an ``IllegalStateException``, so code catching ``Exception`` catches it too: a
    model that catches broadly must keep doing so, like the code it models.
    """


class TimeoutCancellationException(CancellationException):
    """A :func:`with_timeout` block ran past its virtual deadline."""


class TimeoutFrame:
    """One active ``with_timeout`` block of a coroutine: its own exception and its first cause.

    ``cause`` is the first cancellation that reached the block: its own timeout, or the
    cancellation of the job (or of an enclosing block) that was already there or came later.
    """

    __slots__ = ("cause", "timeout")

    def __init__(self, timeout: TimeoutCancellationException,
                 cause: CancellationException | None) -> None:
        self.timeout = timeout
        self.cause = cause


class Coroutine:
    """The runtime's view of one running coroutine: its job, timeout blocks and suspension."""

    __slots__ = ("frames", "job", "suspension", "suspensions", "task")

    def __init__(self, job: Job) -> None:
        self.job = job
        self.task = explorer.current_task()
        self.frames: list[TimeoutFrame] = []
        self.suspension: explorer.CancelScope | None = None
        # Counts suspensions that really blocked: a timeout ignores its own expiry when the
        # body never suspended (kotlinx's undispatched fast path).
        self.suspensions = 0

    def cancellation(self) -> CancellationException | None:
        """What a suspension point raises now, or None when the coroutine may go on."""
        if self.frames:
            return self.frames[-1].cause
        return self.job.cancellation_cause

    def on_job_cancelled(self, cause: CancellationException) -> None:
        for frame in self.frames:
            if frame.cause is None:
                frame.cause = cause
        self.interrupt()

    def on_timeout(self, frame: TimeoutFrame) -> None:
        """A timer fired: the block and every block nested in it are cancelled."""
        if frame not in self.frames:
            return
        for inner in self.frames[self.frames.index(frame):]:
            if inner.cause is None:
                inner.cause = frame.timeout
        self.interrupt()

    def interrupt(self) -> None:
        if self.suspension is not None:
            self.suspension.cancel()


_CURRENT: ContextVar[Coroutine | None] = ContextVar("kotlin_current_coroutine", default=None)


def bind(job: Job) -> Coroutine:
    """Make the calling engine task the coroutine of ``job``."""
    co = Coroutine(job)
    _CURRENT.set(co)
    return co


def current_coroutine() -> Coroutine | None:
    """The coroutine the calling task runs, or None for a plain engine task."""
    co = _CURRENT.get()
    # A plain task spawned from a coroutine inherits its context: it is not that coroutine.
    if co is None or co.task is not explorer.current_task():
        return None
    return co


def raise_if_cancelled() -> None:
    """The check every suspension function makes before it suspends."""
    co = current_coroutine()
    if co is None:
        return
    cause = co.cancellation()
    if cause is not None:
        raise cause.with_traceback(None)


async def suspend_on(wait: Callable[[], Awaitable[T]]) -> T:
    """Suspend the calling coroutine in ``wait`` (a cancellable engine block).

    A cancel of the job (or an expired timeout) while suspended, or after a wake but before the
    coroutine runs on, raises the cancellation instead of the result (kotlinx's prompt
    cancellation guarantee). Outside a coroutine this is a plain block.
    """
    co = current_coroutine()
    if co is None:
        return await wait()
    raise_if_cancelled()
    co.suspensions += 1
    with explorer.CancelScope() as scope:
        co.suspension = scope
        try:
            result = await wait()
        finally:
            co.suspension = None
        # Woken, but cancelled before running on: the wake is overtaken (prompt cancellation).
        raise_if_cancelled()
        return result
    # Only a cancel of our own scope gets here, and every such cancel records its cause first.
    raise_if_cancelled()
    raise AssertionError("suspension interrupted without a cancellation cause")
