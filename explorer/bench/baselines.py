"""The same scheduling load under the engine and under the baselines it is compared with.

Invariant: every function here does the same work, ``tasks`` tasks of ``points`` scheduling
points each, and returns how many points it scheduled; only who schedules differs: the engine
(a random choice at every step), an uncontrolled Trio loop awaiting ``checkpoint()``, and a
bare round-robin loop over generators (the floor of any hand-off in Python).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator

import trio

import explorer
from explorer.sources.seeded import SeededRandomSource

#: A baseline: ``(tasks, points)`` to the number of points it scheduled.
Load = Callable[[int, int], int]


def points_model(tasks: int, points: int) -> explorer.Model:
    """``tasks`` tasks of ``points`` plain scheduling points each; nothing can fail."""

    async def worker() -> None:
        for _ in range(points):
            await explorer.point("tick")

    async def main(world: None) -> None:
        handles = [explorer.spawn(worker, name=f"w{i}/tick") for i in range(tasks)]
        for handle in handles:
            await handle.join()

    return explorer.Model(f"bench-{tasks}x{points}", "benchmark load", (("plain", ""),),
                          lambda variant, scenario: None, main)


def engine_load(seed: int) -> Load:
    """The engine, choosing uniformly at random among the runnable tasks at every step."""

    def load(tasks: int, points: int) -> int:
        explorer.run(points_model(tasks, points), "plain", None, SeededRandomSource(seed))
        return tasks * points

    return load


def trio_load(tasks: int, points: int) -> int:
    """Plain Trio: the same tasks awaiting ``trio.lowlevel.checkpoint()``, nobody choosing."""

    async def worker() -> None:
        for _ in range(points):
            await trio.lowlevel.checkpoint()

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            for _ in range(tasks):
                nursery.start_soon(worker)

    trio.run(main)
    return tasks * points


def _ticks(points: int) -> Iterator[None]:
    for _ in range(points):
        yield


def generator_load(tasks: int, points: int) -> int:
    """A bare round-robin scheduler: a deque of generators, each resumed once per turn."""
    ready = deque(_ticks(points) for _ in range(tasks))
    while ready:
        task = ready.popleft()
        try:
            next(task)
        except StopIteration:
            continue
        ready.append(task)
    return tasks * points


def trio_hook_load() -> Load | None:
    """The engine driving real Trio tasks through a scheduling hook, when this version has one
    (it has none yet: the figure is then reported as null)."""
    return None
