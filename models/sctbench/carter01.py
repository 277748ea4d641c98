"""SCTBench ``CS/carter01``: class locking where the first thread of a class takes ``l``
while it holds ``m``.

Port of ``carter01_bad.c``: t1 (class A) and t2 (class B) count themselves in under ``m`` and
the first of a class locks ``l``; t1 unlocks ``m``, then locks it again to count itself out
and release ``l``. Preempting t1 between its two critical sections lets t2 lock ``m`` and wait
for ``l`` while holding it, so t1 waits for ``m``: a deadlock after one preemption. Main
starts two more threads (a second of each class) whose bodies are empty, as in the benchmark.

The ``ok`` variant takes the locks in one order: a class thread locks ``l`` before ``m`` and
keeps it for its whole operation.

Invariant kept by the model: ``A`` and ``B`` change only under ``m``.
"""

from __future__ import annotations

import attrs

import explorer
from models.sctbench._pthread import access, run_threads


@attrs.define
class Classes:
    ordered: bool
    counts: dict[str, int] = attrs.Factory(lambda: {"A": 0, "B": 0})
    m: explorer.Lock = attrs.Factory(lambda: explorer.Lock("m"))
    l: explorer.Lock = attrs.Factory(lambda: explorer.Lock("l"))  # noqa: E741 (the C name)


async def count(world: Classes, cls: str, delta: int) -> int:
    """``A++`` / ``A--`` then the test of ``A``: two statements, both under ``m``."""
    await access(f"{cls} += {delta}", cls)
    world.counts[cls] += delta
    await access(f"read {cls}", cls)
    return world.counts[cls]


async def bad_operation(world: Classes, cls: str) -> None:
    async with world.m:
        if await count(world, cls, 1) == 1:
            await world.l.acquire()
    # perform the class operation (nothing, as in the benchmark)
    async with world.m:
        if await count(world, cls, -1) == 0:
            await world.l.release()


async def ordered_operation(world: Classes, cls: str) -> None:
    async with world.l:
        async with world.m:
            await count(world, cls, 1)
        async with world.m:
            await count(world, cls, -1)


async def empty() -> None:
    return None


async def main(world: Classes) -> None:
    operation = ordered_operation if world.ordered else bad_operation
    await run_threads([
        ("t1", lambda: operation(world, "A")),
        ("t2", lambda: operation(world, "B")),
        ("t3", empty),
        ("t4", empty),
    ])


MODEL = explorer.Model(
    name="sctbench.carter01",
    doc="SCTBench CS/carter01: a lock taken while holding another, released in another order.",
    variants=(
        ("bad", "carter01_bad.c: the first of a class locks l while holding m"),
        ("ok", "each class thread locks l before m and holds it for its operation"),
    ),
    build=lambda variant, scenario: Classes(ordered=variant == "ok"),
    main=main,
    footprints=True,
)
