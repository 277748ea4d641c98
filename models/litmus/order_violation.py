"""An order violation of depth three: three workers of ten points each, and a bug that needs
three orderings at once.

Each worker records when it starts (its first point), reaches its middle (point 5) and finishes
(point 10). The bug needs A in its middle before B starts, B in its middle before C starts, and
C in its middle while A and B are both still running. A schedule that prefers one task until it
is preempted (PCT: priorities A > B > C and a change point in each of A's and B's second halves)
finds it; uniform per-step choices almost never keep one task running that long.

Invariant kept by the model: ``progress[name]`` is the number of points the worker has passed.
"""

from __future__ import annotations

import attrs

import explorer
from models.litmus._tasks import TaskBody, run_all

POINTS = 10
MIDDLE = 5
WORKERS = ("A", "B", "C")


@attrs.define
class World:
    progress: dict[str, int] = attrs.Factory(lambda: dict.fromkeys(WORKERS, 0))
    a_ahead_of_b: bool = False
    b_ahead_of_c: bool = False
    c_overlaps_a_and_b: bool = False


def on_start(world: World, name: str) -> None:
    if name == "B":
        world.a_ahead_of_b = world.progress["A"] >= MIDDLE
    elif name == "C":
        world.b_ahead_of_c = world.progress["B"] >= MIDDLE


def on_middle(world: World, name: str) -> None:
    if name == "C":
        running = world.progress["A"] < POINTS and world.progress["B"] < POINTS
        world.c_overlaps_a_and_b = running


async def worker(world: World, name: str) -> None:
    for i in range(1, POINTS + 1):
        await explorer.point("work", f"{i}/{POINTS}")
        world.progress[name] = i
        if i == 1:
            on_start(world, name)
        elif i == MIDDLE:
            on_middle(world, name)


def build(variant: str, scenario: object) -> World:
    return World()


def worker_body(world: World, name: str) -> TaskBody:
    return lambda: worker(world, name)


async def main(world: World) -> None:
    await run_all([(f"{name}/worker", worker_body(world, name)) for name in WORKERS])


@explorer.invariant(at="step")
def stages_not_staggered(world: World) -> str | None:
    """A, B and C reached their middles in a staggered chain that the workers cannot survive."""
    if world.a_ahead_of_b and world.b_ahead_of_c and world.c_overlaps_a_and_b:
        return "A was past its middle before B started, B before C, and C overlapped both"
    return None


MODEL = explorer.Model(
    name="litmus.order-violation",
    doc="Three ten-point workers; a bug needing three cross-task orderings (found by PCT).",
    variants=(("racy", "the workers do not coordinate"),),
    build=build,
    main=main,
    invariants=(stages_not_staggered,),
)
