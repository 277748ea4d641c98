"""A Kotlin-style coroutine runtime (kotlinx.coroutines semantics) on the explorer engine.

Each coroutine is one daemon engine task, so coroutines interleave at every scheduling point,
as on Android's thread pool. Invariant: cancellation is cooperative — a cancelled coroutine
raises :class:`CancellationException` only at a suspension point of this runtime (``delay``,
``join``, ``receive``, ``suspend_until``, ``ensure_active``, a flow collection), never inside a
blocking engine call; and a job completes only when its body and all its children have.
"""

from models.kotlin.cancellation import CancellationException, TimeoutCancellationException
from models.kotlin.channel import (
    Channel,
    ChannelResult,
    ClosedReceiveChannelException,
    ClosedSendChannelException,
)
from models.kotlin.job import CompletionHandler, Job
from models.kotlin.scope import CoroutineScope, UnhandledHandler
from models.kotlin.state import MutableStateFlow
from models.kotlin.suspend import Wakeup, current_job, delay, ensure_active, suspend_until
from models.kotlin.timeout import with_timeout

__all__ = [
    "CancellationException", "Channel", "ChannelResult", "ClosedReceiveChannelException",
    "ClosedSendChannelException", "CompletionHandler", "CoroutineScope", "Job",
    "MutableStateFlow", "TimeoutCancellationException", "UnhandledHandler", "Wakeup",
    "current_job", "delay", "ensure_active", "suspend_until", "with_timeout",
]
