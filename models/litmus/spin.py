"""A livelock: a task polls a flag that no task will ever set, taking a point on every poll.

Invariant kept by the model: ``ready`` is never set, so the poller never stops and the run can
end only at the step bound.
"""

from __future__ import annotations

import attrs

import explorer
from models.litmus._tasks import run_all


@attrs.define
class World:
    ready: bool = False
    polls: int = 0


async def poller(world: World) -> None:
    while not world.ready:
        await explorer.point("poll", "ready?")
        world.polls += 1


async def forgetful_setter(world: World) -> None:
    await explorer.point("work", "returns without setting ready")


def build(variant: str, scenario: object) -> World:
    return World()


async def main(world: World) -> None:
    await run_all([
        ("poller/spin", lambda: poller(world)),
        ("setter/forget", lambda: forgetful_setter(world)),
    ])


MODEL = explorer.Model(
    name="litmus.spin",
    doc="A task spins on a flag nobody sets (livelock: the run hits the step bound).",
    variants=(("forever", "the flag is never set"),),
    build=build,
    main=main,
)
