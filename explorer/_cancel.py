"""Cancel scopes owned by the engine, with Trio's semantics, for modelled tasks.

Invariant: a cancel reaches a task only at a cancellable scheduling point or wait of that task,
never in between, and a ``Cancelled`` is caught by the outermost cancelled scope the task can
see (shields stop outer cancels), as in Trio. Scopes belong to the task that entered them.
"""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from explorer._execution import Execution, TaskRecord


class Cancelled(BaseException):
    """Raised in a task at its next cancellable point or wait after a scope around it was
    cancelled. A ``BaseException``, so that model code catching ``Exception`` lets it pass."""


def effectively_cancelled(scopes: list[CancelScope]) -> bool:
    """A task with these scopes (outermost first) is cancelled: some scope it can see is."""
    for scope in reversed(scopes):
        if scope.cancel_called:
            return True
        if scope.shield:
            return False
    return False


class CancelScope:
    """``with explorer.CancelScope() as scope:``; ``scope.cancel()`` from any task.

    ``shield=True`` hides the cancels of enclosing scopes from the code inside.
    ``cancelled_caught`` is true once the scope swallowed the ``Cancelled`` it caused.
    """

    __slots__ = ("_execution", "_task", "cancel_called", "cancelled_caught", "shield")

    def __init__(self, *, shield: bool = False) -> None:
        self.shield = shield
        self.cancel_called = False
        self.cancelled_caught = False
        self._task: TaskRecord | None = None
        self._execution: Execution | None = None

    def __repr__(self) -> str:
        state = "cancelled" if self.cancel_called else "active"
        return f"<explorer.CancelScope {state}{' shielded' if self.shield else ''}>"

    def __enter__(self) -> CancelScope:
        from explorer._execution import current_execution

        execution = current_execution()
        task = execution.current
        if task is None:
            raise RuntimeError("a CancelScope is entered only inside a modelled task")
        if self._task is not None:
            raise RuntimeError("a CancelScope can be entered only once")
        self._task, self._execution = task, execution
        task.scopes.append(self)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool:
        task = self._task
        assert task is not None, "exit of a CancelScope that was never entered"
        scopes = task.scopes
        if not scopes or scopes[-1] is not self:
            raise RuntimeError("cancel scopes must be exited in the reverse order of entry")
        scopes.pop()
        self._task = None
        if isinstance(exc, Cancelled) and self.cancel_called and (
                self.shield or not effectively_cancelled(scopes)):
            self.cancelled_caught = True
            return True
        return False

    def cancel(self) -> None:
        """Cancel the code inside: it raises ``Cancelled`` at its next cancellable point or
        wait (a wait it is blocked in now ends, and the task becomes enabled)."""
        if self.cancel_called:
            return
        self.cancel_called = True
        task, execution = self._task, self._execution
        if task is not None and execution is not None:
            execution.cancel_reached(task)
