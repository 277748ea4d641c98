"""Starting a litmus model's tasks and waiting for them: the shape every litmus ``main`` shares.

Invariant: tasks are spawned in the order given, so task ids (and the default schedule, which
prefers the earliest-created task) follow that order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

import explorer

TaskBody = Callable[[], Awaitable[None]]


async def run_all(tasks: Sequence[tuple[str, TaskBody]]) -> None:
    """Spawn every ``(name, body)`` in order, then join them in the same order."""
    handles = [explorer.spawn(body, name=name) for name, body in tasks]
    for handle in handles:
        await handle.join()
