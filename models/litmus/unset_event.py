"""An event nobody sets: a waiter blocks forever, which is a deadlock unless it is a daemon.

Invariant kept by the model: nothing ever sets ``ready``; only the waiter's daemon flag differs
between variants, so the outcome shows how the engine tells a hang from a server at rest.
"""

from __future__ import annotations

import attrs

import explorer


@attrs.define
class World:
    daemon: bool
    ready: explorer.Event = attrs.Factory(lambda: explorer.Event("ready"))
    woke: bool = False


async def waiter(world: World) -> None:
    await world.ready.wait()
    world.woke = True


async def bystander(world: World) -> None:
    await explorer.point("work", "does not set ready")


def build(variant: str, scenario: object) -> World:
    return World(daemon=variant == "daemon")


async def main(world: World) -> None:
    explorer.spawn(waiter, world, name="waiter/wait-ready", daemon=world.daemon)
    await explorer.spawn(bystander, world, name="bystander/work").join()


MODEL = explorer.Model(
    name="litmus.unset-event",
    doc="A task waits on an event that no task ever sets.",
    variants=(
        ("forever", "the waiter must finish, so the run ends in a deadlock"),
        ("daemon", "the waiter is a daemon (a server waiting for input), so the run passes"),
    ),
    build=build,
    main=main,
)
