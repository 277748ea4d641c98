"""Lost update: tasks increment a shared counter with a read, a point, then a write.

Invariant kept by the model: ``increments`` counts completed increments exactly, so at rest
``value == increments`` unless an interleaving lost a write.
"""

from __future__ import annotations

import attrs

import explorer
from models.litmus._tasks import run_all


@attrs.define
class Counter:
    tasks: int
    locked: bool
    value: int = 0
    increments: int = 0
    lock: explorer.Lock = attrs.Factory(lambda: explorer.Lock("counter"))


async def read_modify_write(world: Counter) -> None:
    await explorer.point("read", f"value ({world.value})")
    seen = world.value
    await explorer.point("write", f"value = {seen + 1}")
    world.value = seen + 1
    world.increments += 1


async def increment(world: Counter) -> None:
    if world.locked:
        async with world.lock:
            await read_modify_write(world)
    else:
        await read_modify_write(world)


def build(variant: str, scenario: object) -> Counter:
    tasks = {"two": 2, "three": 3, "locked": 3}[variant]
    return Counter(tasks=tasks, locked=variant == "locked")


async def main(world: Counter) -> None:
    await run_all([(f"t{i + 1}/increment", lambda: increment(world)) for i in range(world.tasks)])


@explorer.invariant(at="quiescence")
def no_lost_update(world: Counter) -> str | None:
    """Every increment is visible in the counter; fewer means one task overwrote another's write."""
    if world.value != world.increments:
        return f"counter is {world.value} after {world.increments} increments"
    return None


MODEL = explorer.Model(
    name="litmus.lost-update",
    doc="Tasks increment a shared counter with a scheduling point between read and write.",
    variants=(
        ("two", "two tasks increment without a lock (racy)"),
        ("three", "three tasks increment without a lock (racy)"),
        ("locked", "three tasks increment under an explorer.Lock (correct)"),
    ),
    build=build,
    main=main,
    invariants=(no_lost_update,),
)
