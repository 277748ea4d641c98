"""SCTBench ``CS/deadlock01``: two threads take two mutexes in opposite orders.

Port of ``deadlock01_bad.c``: thread1 locks ``a`` then ``b``, thread2 locks ``b`` then ``a``,
each around one update of ``counter``. Preempting thread1 between its two locks lets thread2
take ``b`` and wait for ``a``: a deadlock after one preemption. The ``ok`` variant has both
threads take ``a`` first.

Invariant kept by the model: ``counter`` changes only while both mutexes are held.
"""

from __future__ import annotations

import attrs

import explorer
from models.sctbench._pthread import access, run_threads


@attrs.define
class Locks:
    ordered: bool
    counter: int = 1
    a: explorer.Lock = attrs.Factory(lambda: explorer.Lock("a"))
    b: explorer.Lock = attrs.Factory(lambda: explorer.Lock("b"))


async def update(world: Locks, first: explorer.Lock, second: explorer.Lock, delta: int) -> None:
    async with first, second:
        await access(f"counter += {delta}", "counter")
        world.counter += delta


async def main(world: Locks) -> None:
    first, second = (world.a, world.b) if world.ordered else (world.b, world.a)
    await run_threads([
        ("thread1", lambda: update(world, world.a, world.b, 1)),
        ("thread2", lambda: update(world, first, second, -1)),
    ])


MODEL = explorer.Model(
    name="sctbench.deadlock01",
    doc="SCTBench CS/deadlock01: two mutexes taken in opposite orders.",
    variants=(
        ("bad", "deadlock01_bad.c: thread1 locks a then b, thread2 b then a"),
        ("ok", "both threads lock a then b"),
    ),
    build=lambda variant, scenario: Locks(ordered=variant == "ok"),
    main=main,
    footprints=True,
)
