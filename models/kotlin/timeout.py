"""``withTimeout``: a virtual deadline on a block that runs in the calling coroutine.

Invariant: the block's result reaches the caller only if no cancellation reached the block
before it returned, or if the only one was its own timeout and the block never suspended
(kotlinx's undispatched fast path). Otherwise the value is discarded and the first cancellation
that reached the block is raised: the timeout is asynchronous to the body.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from explorer import call_later
from models.kotlin.cancellation import (
    Coroutine,
    TimeoutCancellationException,
    TimeoutFrame,
    current_coroutine,
)

T = TypeVar("T")


async def with_timeout(seconds: float, body: Callable[[], Awaitable[T]]) -> T:
    """Run ``body()`` in the calling coroutine, cancelled with a
    :class:`TimeoutCancellationException` when ``seconds`` of virtual time pass.

    The timeout is delivered at the body's next suspension point; a blocking (non-cancellable)
    call in the body runs to its end. If the enclosing job is cancelled while the body is
    finishing, the body's value is discarded and the job's cancellation is raised.
    """
    co = current_coroutine()
    if co is None:
        raise RuntimeError("with_timeout() called outside a coroutine launched by a CoroutineScope")
    timeout = TimeoutCancellationException(f"timed out waiting for {seconds:g}s")
    if seconds <= 0:
        raise timeout
    frame = TimeoutFrame(timeout, co.cancellation())
    co.frames.append(frame)
    timer = call_later(seconds, f"{co.job.name} withTimeout {seconds:g}s",
                       lambda: co.on_timeout(frame))
    suspensions_before = co.suspensions
    try:
        value = await body()
    finally:
        timer.cancel()
        _pop(co, frame)
    if frame.cause is None:
        return value
    if frame.cause is timeout and co.suspensions == suspensions_before:
        return value
    raise frame.cause.with_traceback(None)


def _pop(co: Coroutine, frame: TimeoutFrame) -> None:
    assert co.frames and co.frames[-1] is frame, "with_timeout blocks must nest"
    co.frames.pop()
