"""Coroutine scopes: where coroutines are launched, and where their failures end up.

Invariant: every coroutine runs as one daemon engine task named ``"<scope>/<job>"``; its body
runs only if its job was not cancelled before the task first ran, and its job completes in
that task (or in the task of its last child) after one scheduling point past the body's end.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from explorer import point, spawn
from models.kotlin.cancellation import CancellationException, bind
from models.kotlin.job import Job

UnhandledHandler = Callable[[Job, Exception], None]


class CoroutineScope:
    """A root of coroutines (``CoroutineScope(SupervisorJob())`` by default).

    ``supervisor``: a failing child does not cancel its siblings or the scope. Otherwise the
    first failure cancels the scope and every child. Either way, a failure reaching the scope
    is recorded in ``unhandled`` and handed to ``on_unhandled``; without a handler it is
    raised in the task that completed the failed job (the app would crash).
    """

    def __init__(self, name: str, *, supervisor: bool = True,
                 on_unhandled: UnhandledHandler | None = None) -> None:
        self.name = name
        self.supervisor = supervisor
        self.on_unhandled = on_unhandled
        self.children: list[Job] = []
        self.unhandled: list[tuple[Job, Exception]] = []
        self._cancelled = False

    def __repr__(self) -> str:
        return f"<CoroutineScope {self.name} {'active' if self.is_active else 'cancelled'}>"

    @property
    def is_active(self) -> bool:
        return not self._cancelled

    def cancel(self) -> None:
        """Cancel every child; the scope stays cancelled, so later launches never start."""
        if self._cancelled:
            return
        self._cancelled = True
        for child in self.children:
            child.cancel(CancellationException(f"scope {self.name} was cancelled"))

    def launch(self, body: Callable[[], Awaitable[None]], *, name: str,
               parent: Job | None = None, atomic: bool = False) -> Job:
        """Start a coroutine running ``body`` as a child of ``parent`` (or of the scope).

        Like kotlinx's default start: the coroutine runs later, when the engine picks its task.
        Launched into a cancelled scope or under a cancelled or completed parent, its job is
        cancelled at once; its body never runs but its completion handlers still do.
        ``atomic`` is ``CoroutineStart.ATOMIC``: the body runs even if the job was cancelled
        before it started, and its first suspension raises the cancellation.
        """
        job = Job(name, parent if parent is not None else self)
        if parent is not None:
            parent.children.append(job)
        else:
            self.children.append(job)
        refusal = self._refusal(parent)
        if refusal is not None:
            job.cancel(CancellationException(refusal))
        job.task = spawn(self._run, job, body, atomic, name=f"{self.name}/{name}", daemon=True)
        return job

    def _refusal(self, parent: Job | None) -> str | None:
        if self._cancelled:
            return f"scope {self.name} is cancelled"
        if parent is not None and (parent.is_cancelled or parent.is_completed):
            return f"parent job {parent.name} is {parent.state}"
        return None

    async def _run(self, job: Job, body: Callable[[], Awaitable[None]], atomic: bool) -> None:
        job.attach(bind(job))
        error: Exception | None = None
        if atomic or not job.is_cancelled:
            try:
                await body()
            except Exception as exc:  # the job's outcome; BaseExceptions (teardown) pass
                error = exc
        await point("job.complete", job.name)
        job.body_ended(error)

    # ----- a job owner ------------------------------------------------------------------

    def child_failing(self, child: Job, failure: Exception) -> None:
        if not self.supervisor:
            self.cancel()

    def child_completed(self, child: Job, cause: BaseException | None) -> None:
        if not isinstance(cause, Exception) or isinstance(cause, CancellationException):
            return
        self.unhandled.append((child, cause))
        if self.on_unhandled is None:
            raise cause
        self.on_unhandled(child, cause)
