"""Jobs: the lifecycle of one coroutine and its place in the tree of structured concurrency.

Invariant: a job completes exactly once, and only when its body has ended and every child has
completed; its completion cause is its first failure, else its cancellation, else None.
Completion handlers run once, with that cause, in the task that completed the job.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from explorer import TaskHandle, WaitQueue, point
from models.kotlin.cancellation import (
    CancellationException,
    Coroutine,
    raise_if_cancelled,
    suspend_on,
)

CompletionHandler = Callable[[BaseException | None], None]


class JobOwner(Protocol):
    """Whatever a job reports to: its parent job, or the scope it was launched in."""

    def child_failing(self, child: Job, failure: Exception) -> None: ...

    def child_completed(self, child: Job, cause: BaseException | None) -> None: ...


class Job:
    """One coroutine's lifecycle: active → (completing | cancelling) → completed.

    ``children`` lists every job ever launched with this one as parent, in launch order.
    """

    def __init__(self, name: str, owner: JobOwner) -> None:
        self.name = name
        self.children: list[Job] = []
        self.task: TaskHandle | None = None
        self._owner = owner
        self._coroutine: Coroutine | None = None
        self._cancel_cause: CancellationException | None = None
        self._failure: Exception | None = None
        self._body_done = False
        self._completed = False
        self._handlers: list[CompletionHandler] = []
        self._completion = WaitQueue(f"job {name} to complete")

    def __repr__(self) -> str:
        return f"<Job {self.name} {self.state}>"

    # ----- what other coroutines observe ------------------------------------------------

    @property
    def is_active(self) -> bool:
        """True until the job is cancelled (or fails) or completes; a job waiting for its
        children after its body ended is still active."""
        return self._cancel_cause is None and not self._completed

    @property
    def is_cancelled(self) -> bool:
        return self._cancel_cause is not None

    @property
    def is_completed(self) -> bool:
        return self._completed

    @property
    def state(self) -> str:
        """Kotlin's state name: Active, Completing, Cancelling, Cancelled or Completed."""
        if self._completed:
            return "Cancelled" if self.is_cancelled else "Completed"
        if self.is_cancelled:
            return "Cancelling"
        return "Completing" if self._body_done else "Active"

    @property
    def cancellation_cause(self) -> CancellationException | None:
        """The exception the job's coroutine raises at its next suspension point."""
        return self._cancel_cause

    @property
    def completion_cause(self) -> BaseException | None:
        """What completion handlers receive: the failure, else the cancellation, else None."""
        return self._failure if self._failure is not None else self._cancel_cause

    # ----- the public API ---------------------------------------------------------------

    def cancel(self, cause: CancellationException | None = None) -> None:
        """Cancel the job and its children; synchronous, and a no-op once cancelled or done."""
        if self._completed or self._cancel_cause is not None:
            return
        if cause is None:
            cause = CancellationException(f"job {self.name} was cancelled")
        self._cancel_cause = cause
        if self._coroutine is not None:
            self._coroutine.on_job_cancelled(cause)
        for child in self.children:
            child.cancel(_chained(f"parent job {self.name} is cancelling", cause))

    async def join(self) -> None:
        """Suspend until this job and all its children completed (cancellable)."""
        await point("join", self.name)
        while True:
            # kotlinx checks the caller's cancellation even when the job already completed.
            raise_if_cancelled()
            if self._completed:
                return
            await suspend_on(lambda: self._completion.wait("join"))

    async def cancel_and_join(self) -> None:
        self.cancel()
        await self.join()

    def invoke_on_completion(self, handler: CompletionHandler) -> None:
        """Run ``handler(cause)`` once when the job completes (at once if it already has)."""
        if self._completed:
            handler(self.completion_cause)
        else:
            self._handlers.append(handler)

    # ----- driven by the coroutine's runner and by children ----------------------------

    def attach(self, coroutine: Coroutine) -> None:
        self._coroutine = coroutine

    def body_ended(self, error: Exception | None) -> None:
        """The coroutine's body returned (``error`` None) or raised ``error``."""
        self._body_done = True
        if isinstance(error, CancellationException):
            self.cancel(error)
        elif error is not None:
            self.fail(error)
        self._try_complete()

    def fail(self, failure: Exception) -> None:
        """A non-cancellation exception: cancel this job, and tell the owner if this is what
        started the cancelling (kotlinx notifies the parent once, on that transition)."""
        if self._failure is None:
            self._failure = failure
        was_cancelling = self.is_cancelled
        self.cancel(_chained(f"job {self.name} failed", failure))
        if not was_cancelling:
            self._owner.child_failing(self, failure)

    def child_failing(self, child: Job, failure: Exception) -> None:
        # A regular job handles its children's failures: it fails with the same exception.
        self.fail(failure)

    def child_completed(self, child: Job, cause: BaseException | None) -> None:
        self._try_complete()

    def _try_complete(self) -> None:
        if self._completed or not self._body_done:
            return
        if any(not child.is_completed for child in self.children):
            return
        self._completed = True
        cause = self.completion_cause
        handlers, self._handlers = self._handlers, []
        for handler in handlers:
            handler(cause)
        self._completion.wake_all()
        if self._failure is not None:
            # The final exception goes up again: a failure that came while the job was
            # already cancelling reaches the owner only now.
            self._owner.child_failing(self, self._failure)
        self._owner.child_completed(self, cause)


def _chained(message: str, cause: BaseException) -> CancellationException:
    exc = CancellationException(message)
    exc.__cause__ = cause
    return exc
