"""Lock-order deadlock: one task takes locks A then B, the other B then A.

Invariant kept by the model: a task holds a lock only between its ``acquire`` and ``release``;
in the ``ordered`` variant both tasks take A before B, so no cycle of waits can form.
"""

from __future__ import annotations

import attrs

import explorer
from models.litmus._tasks import run_all


@attrs.define
class Locks:
    ordered: bool
    a: explorer.Lock = attrs.Factory(lambda: explorer.Lock("A"))
    b: explorer.Lock = attrs.Factory(lambda: explorer.Lock("B"))
    transfers: int = 0


async def transfer(world: Locks, first: explorer.Lock, second: explorer.Lock) -> None:
    async with first:
        await explorer.point("work", f"holding {first.name}")
        async with second:
            world.transfers += 1


def build(variant: str, scenario: object) -> Locks:
    return Locks(ordered=variant == "ordered")


async def main(world: Locks) -> None:
    first, second = (world.a, world.b) if world.ordered else (world.b, world.a)
    await run_all([
        ("t1/lock-ab", lambda: transfer(world, world.a, world.b)),
        (f"t2/lock-{first.name}{second.name}".lower(), lambda: transfer(world, first, second)),
    ])


MODEL = explorer.Model(
    name="litmus.lock-order",
    doc="Two tasks take two locks in opposite orders; a deadlock outcome names both waits.",
    variants=(
        ("opposite", "t1 takes A then B, t2 takes B then A (can deadlock)"),
        ("ordered", "both tasks take A then B (cannot deadlock)"),
    ),
    build=build,
    main=main,
)
