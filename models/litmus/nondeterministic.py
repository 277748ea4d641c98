"""A deliberately nondeterministic model, for the determinism check to catch.

It reads a module-level counter that every run advances, so two runs with the same choices take
a different number of points: exactly the hidden state the project's determinism rule forbids.
Never copy this pattern into a real model.

Invariant kept by the model: none across runs; that is the point of it.
"""

from __future__ import annotations

import itertools

import attrs

import explorer
from models.litmus._tasks import run_all

_RUNS = itertools.count()


@attrs.define
class World:
    polls: int


async def poll(world: World) -> None:
    for i in range(world.polls):
        await explorer.point("poll", f"{i + 1}/{world.polls}")


def build(variant: str, scenario: object) -> World:
    # Hidden state carried from run to run: odd and even runs differ.
    return World(polls=2 + next(_RUNS) % 2)


async def main(world: World) -> None:
    await run_all([("t1/poll", lambda: poll(world)), ("t2/poll", lambda: poll(world))])


MODEL = explorer.Model(
    name="litmus.nondeterministic",
    doc="Reads a module-level counter that changes every run (the determinism check fails).",
    variants=(("counter", "the number of points depends on how many runs came before"),),
    build=build,
    main=main,
)
