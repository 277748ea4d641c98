"""Why a controlled run cannot go on: a deadlock (who waits where, who holds each lock, the
wait-for cycle) or a task that left the explorer's control (a thread, real I/O).

Invariant: a task waiting on a thread or on real I/O is never part of a deadlock verdict:
when any stuck task waits outside the explorer, the outcome is ``uncontrolled``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from explorer.native._where import lock_name, waited_lock, where
from explorer.records import BlockedTask, Outcome, OutcomeKind


class _Named(Protocol):
    name: str


def stuck_outcome(live: Sequence[Any], views: Sequence[_Named], tids: dict[Any, int],
                  step: int) -> Outcome:
    """The outcome for ``live`` tasks that are all blocked with nothing left to wake them."""
    places = [where(t.coro) for t in live]
    away = [(t, p) for t, p in zip(live, places, strict=True) if p.left_control]
    if away:
        task, place = away[0]
        message = (f"task {views[tids[task]].name} waits on {place.left_control} "
                   f"({place.awaiting} at {place.location}): it left the explorer's control, "
                   "so this run is not explored as if it were deterministic")
        return Outcome(OutcomeKind.UNCONTROLLED, message, step=step)
    holders: dict[int, int] = {}
    blocked = []
    for task, place in zip(live, places, strict=True):
        tid = tids[task]
        waits = f"{place.awaiting} at {place.location}"
        lock = waited_lock(task.coro)
        if lock is not None:
            owner = lock._owner
            held_by = views[tids[owner]].name if owner in tids else "nobody"
            waits += f" (lock {lock_name(task.coro, lock)}, held by {held_by})"
            if owner in tids:
                holders[tid] = tids[owner]
        blocked.append(BlockedTask(views[tid].name, waits))
    cycle = wait_for_cycle(holders)
    names = ", ".join(views[tids[t]].name for t in live)
    message = f"{names} can never finish"
    if cycle:
        message += "; wait-for cycle: " + " -> ".join(views[t].name for t in cycle)
    return Outcome(OutcomeKind.DEADLOCK, message, None, step, tuple(blocked))


def wait_for_cycle(waits_for: dict[int, int]) -> list[int]:
    """The first cycle of the wait-for graph (task -> the task holding what it waits on),
    from the lowest task id on it, closed (its first task repeated at the end); [] if none."""
    for start in sorted(waits_for):
        path, seen = [start], {start}
        node = waits_for.get(start)
        while node is not None and node not in seen:
            path.append(node)
            seen.add(node)
            node = waits_for.get(node)
        if node is not None and node in seen:
            loop = path[path.index(node):]
            first = loop.index(min(loop))
            loop = loop[first:] + loop[:first]
            return [*loop, loop[0]]
    return []
