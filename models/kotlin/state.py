"""``MutableStateFlow``: a conflated latest-value cell and its collectors.

Invariant: a collector sees samples, not transitions. Each time it runs on it reads the value
current *then*, and emits it only if it differs from the last value it emitted; values set
and replaced while it was not running are never seen by it.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from explorer import WaitQueue, point
from models.kotlin.cancellation import raise_if_cancelled, suspend_on
from models.kotlin.suspend import suspend_until

T = TypeVar("T")

Collector = Callable[[T], "Awaitable[None] | None"]


class _Slot:
    """One collector's "a new value was set since I last looked" flag."""

    __slots__ = ("pending", "queue")

    def __init__(self, name: str) -> None:
        self.pending = False
        self.queue = WaitQueue(f"flow {name} to change")


class MutableStateFlow(Generic[T]):
    """A state cell. ``value`` reads and writes are plain (the model puts points around them).

    Setting a value equal to the current one changes nothing, as in kotlinx. ``history`` holds
    the initial value and every change, in order. ``changed`` is woken on every change: pass it
    to :func:`suspend_until` to wait for a state.
    """

    def __init__(self, initial: T, name: str = "state") -> None:
        self.name = name
        self._value = initial
        self.history: list[T] = [initial]
        self.changed = WaitQueue(f"flow {name} to change")
        self._slots: list[_Slot] = []

    def __repr__(self) -> str:
        return f"<MutableStateFlow {self.name}={self._value!r}>"

    @property
    def value(self) -> T:
        return self._value

    @value.setter
    def value(self, new: T) -> None:
        if new == self._value:
            return
        self._value = new
        self.history.append(new)
        for slot in self._slots:
            slot.pending = True
            slot.queue.wake_all()
        self.changed.wake_all()

    def compare_and_set(self, expect: T, update: T) -> bool:
        """Set ``update`` if the value equals ``expect``; True then (even if nothing changed)."""
        if self._value != expect:
            return False
        self.value = update
        return True

    async def first(self, predicate: Callable[[T], bool], label: str = "flow.first") -> T:
        """Suspend until the value satisfies ``predicate`` (cancellable); return that value."""
        seen: list[T] = []

        def matches() -> bool:
            seen.append(self._value)
            return predicate(seen[-1])

        await suspend_until(matches, self.changed, label)
        return seen[-1]

    async def collect(self, fn: Collector[T]) -> None:
        """Call ``fn`` with each sampled value that differs from the last one emitted.

        Never returns: it ends only with the collecting coroutine's cancellation.
        """
        slot = _Slot(self.name)
        self._slots.append(slot)
        try:
            await self._collect_loop(slot, fn)
        finally:
            self._slots.remove(slot)

    async def _collect_loop(self, slot: _Slot, fn: Collector[T]) -> None:
        emitted: list[T] = []
        while True:
            await point("flow.read", self.name)
            sample = self._value
            raise_if_cancelled()
            if not emitted or sample != emitted[-1]:
                emitted[:] = [sample]
                result = fn(sample)
                if inspect.isawaitable(result):
                    await result
            if slot.pending:
                slot.pending = False
                continue
            await suspend_on(lambda: slot.queue.wait("flow.collect"))
            slot.pending = False
