"""Suspension functions of the runtime: delay, ensureActive, and "suspend until a condition".

Invariant: each is a scheduling point, checks the caller's cancellation before it suspends,
and suspends only through :func:`suspend_on`, so a cancel interrupts it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from explorer import block, call_later, point, waker
from models.kotlin.cancellation import current_coroutine, raise_if_cancelled, suspend_on
from models.kotlin.job import Job


class Wakeup(Protocol):
    """Anything tasks can wait on until woken, like :class:`explorer.WaitQueue`."""

    async def wait(self, label: str) -> object: ...


def current_job() -> Job:
    """The job of the calling coroutine (Kotlin's ``coroutineContext[Job]``)."""
    co = current_coroutine()
    if co is None:
        raise RuntimeError("current_job() called outside a coroutine launched by a CoroutineScope")
    return co.job


async def ensure_active() -> None:
    """A scheduling point that raises the caller's cancellation if there is one."""
    await point("ensure_active")
    raise_if_cancelled()


async def delay(seconds: float) -> None:
    """Suspend for ``seconds`` of virtual time; a cancel ends it early with the cancellation.

    As in kotlinx, a delay of zero or less returns at once and checks nothing.
    """
    if seconds <= 0:
        await point("delay", "0s")
        return
    await point("delay", f"{seconds:g}s")
    w = waker()
    timer = call_later(seconds, f"{w.task_name} delay {seconds:g}s", w.wake)
    try:
        await suspend_on(lambda: block("delay", f"timer {seconds:g}s", on_cancel=timer.cancel))
    finally:
        timer.cancel()


async def suspend_until(condition: Callable[[], bool], wakeup: Wakeup, label: str) -> None:
    """Suspend until ``condition()`` holds, re-checked each time ``wakeup`` wakes us.

    Like collecting a state flow until a value matches: the cancellation is checked before
    every look at the condition, so a cancelled caller raises even if the condition holds.
    """
    await point(label, "check")
    while True:
        raise_if_cancelled()
        if condition():
            return
        await suspend_on(lambda: wakeup.wait(label))
