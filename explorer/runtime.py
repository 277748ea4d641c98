"""What model code calls: scheduling points, spawning, virtual time, and blocking hooks.

Invariant: every call here that can interleave hands control to the engine, so between two
calls exactly one modelled task runs. Model code never awaits Trio primitives directly.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from explorer._clock import Timer
from explorer._execution import State, TaskRecord, current_execution


async def point(label: str, detail: str = "") -> None:
    """A scheduling point: the engine may run another task (or fire a timer) here."""
    await current_execution().point(label, detail)


class TaskHandle:
    """A modelled task started with :func:`spawn`."""

    __slots__ = ("_rec",)

    def __init__(self, rec: TaskRecord) -> None:
        self._rec = rec

    @property
    def name(self) -> str:
        return self._rec.name

    @property
    def finished(self) -> bool:
        return self._rec.state is State.FINISHED

    @property
    def waits_on(self) -> str:
        """What the task is blocked on, or "" when it is not blocked."""
        return self._rec.waits_on if self._rec.state is State.BLOCKED else ""

    async def join(self) -> None:
        """Block until the task has finished (a scheduling point either way)."""
        execution = current_execution()
        if self._rec.state is State.FINISHED:
            await execution.point("join", self.name)
            return
        me = execution.current
        assert me is not None
        joiners = self._rec.joiners
        joiners.append(me)

        def withdraw() -> None:
            if me in joiners:
                joiners.remove(me)

        await execution.block("join", f"task {self.name} to finish", True, withdraw)


def spawn(
    fn: Callable[..., Awaitable[Any]], *args: Any, name: str, daemon: bool = False
) -> TaskHandle:
    """Start a modelled task; it first runs when the engine picks it.

    A ``daemon`` task may stay blocked when the run ends (a server waiting for input); any other
    task still blocked then makes the run a deadlock.
    """
    return TaskHandle(current_execution().spawn(fn, *args, name=name, daemon=daemon))


def current_task() -> TaskHandle:
    rec = current_execution().current
    assert rec is not None
    return TaskHandle(rec)


def now() -> float:
    """Virtual time in seconds since the run began."""
    return current_execution().clock.now


def call_later(delay: float, label: str, callback: Callable[[], object]) -> Timer:
    """Run ``callback`` (plain, synchronous) when the engine fires this timer.

    The engine may fire the earliest pending timer at any step, and must when no task is enabled.
    """
    return current_execution().call_later(delay, label, callback)


class Waker:
    """A token for a task that blocked with :func:`block`; ``wake()`` makes it enabled again."""

    __slots__ = ("_rec",)

    def __init__(self, rec: TaskRecord) -> None:
        self._rec = rec

    @property
    def task_name(self) -> str:
        return self._rec.name

    def wake(self, value: Any = None) -> bool:
        """Enable the task; ``block`` returns ``value`` when it runs on. False if not blocked."""
        return current_execution().wake(self._rec, value)


def waker() -> Waker:
    """A waker for the calling task, to hand to whoever will wake it, before :func:`block`."""
    rec = current_execution().current
    assert rec is not None
    return Waker(rec)


async def block(
    label: str,
    waits_on: str,
    *,
    cancellable: bool = True,
    on_cancel: Callable[[], None] | None = None,
) -> Any:
    """Block the calling task until someone calls ``wake()`` on its :func:`waker`.

    ``waits_on`` is what a deadlock report shows. A ``cancellable`` block ends early when a Trio
    cancel scope around it is cancelled (``on_cancel`` runs first, to withdraw the waiter);
    a non-cancellable one (a blocking syscall) returns only when woken.
    """
    return await current_execution().block(label, waits_on, cancellable, on_cancel)
