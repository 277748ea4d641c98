"""Grand Central Dispatch serial queues and work items, as engine tasks.

Invariant: a serial queue runs its work items one at a time, in the order they were submitted,
each to completion, on the queue's own task; ``wait()`` on a work item returns only once that
item has finished. A released queue runs what it still holds, then its task ends.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Awaitable, Callable

import explorer

Body = Callable[[], Awaitable[None]]


async def _nothing() -> None:
    return None


class WorkItem:
    """A ``DispatchWorkItem``: a body to run once, which other threads may ``wait()`` for."""

    def __init__(self, name: str, body: Body) -> None:
        self.name = name
        self._body = body
        self.finished = False
        self._waiters = explorer.WaitQueue(f"work item {name} to finish")

    async def run(self) -> None:
        try:
            await self._body()
        finally:
            self.finished = True
            self._waiters.wake_all()

    async def wait(self, label: str = "workitem.wait") -> None:
        """Block the calling thread until the item has run (GCD's ``wait()`` is not cancellable)."""
        await explorer.point(label, self.name)
        if not self.finished:
            await self._waiters.wait(label, cancellable=False)


class SerialQueue:
    """A serial ``DispatchQueue``: one daemon task draining submitted work items in order.

    The task is a daemon because an idle queue waiting for work is the normal resting state.
    """

    def __init__(self, label: str, task_name: str) -> None:
        self.label = label
        self._items: deque[WorkItem] = deque()
        self._idle = explorer.WaitQueue(f"queue {label} to get work")
        self._submitted = 0
        self.released = False
        self.task = explorer.spawn(self._drain, name=task_name, daemon=True)

    def submit(self, item: WorkItem) -> None:
        """``queue.async(execute: item)``: enqueueing is atomic inside GCD, so no point here."""
        assert not self.released, f"work submitted to released queue {self.label}"
        self._items.append(item)
        self._idle.wake_one()

    def run_async(self, what: str, body: Body) -> WorkItem:
        """``queue.async { body }``: a fresh work item for ``body``."""
        self._submitted += 1
        item = WorkItem(f"{self.label}#{self._submitted} {what}", body)
        self.submit(item)
        return item

    async def sync_empty(self) -> None:
        """``queue.sync {}``: returns once every item submitted before it has run."""
        await self.run_async("sync {}", _nothing).wait("queue.sync")

    def release(self) -> None:
        """The queue's owner is gone: once the queue is empty its task ends."""
        self.released = True
        self._idle.wake_all()

    def is_current(self) -> bool:
        """``DispatchQueue.getSpecific(key:)`` for this queue: are we running on it?"""
        return explorer.current_task().name == self.task.name

    async def _drain(self) -> None:
        while True:
            while not self._items:
                if self.released:
                    return
                await self._idle.wait("queue.idle", cancellable=False)
            item = self._items.popleft()
            await explorer.point("queue.run", item.name)
            await item.run()
