"""A timeout that fires only if the clock is advanced early.

The setter needs no virtual time at all, so the waiter's one-second timeout can expire only when
the engine chooses to fire the pending timer while tasks are still enabled (a slow thread).

Invariant kept by the model: ``timed_out`` is true only when the waiter's cancel scope caught
the cancel of its own timeout.
"""

from __future__ import annotations

import attrs

import explorer
from models.litmus._tasks import run_all

SETTER_POINTS = 4


@attrs.define
class World:
    patient: bool
    done: explorer.Event = attrs.Factory(lambda: explorer.Event("done"))
    timed_out: bool = False


async def waiter(world: World) -> None:
    if world.patient:
        await world.done.wait()
        return
    with explorer.move_on_after(1.0, "waiter timeout 1s") as scope:
        await world.done.wait()
    world.timed_out = scope.cancelled_caught


async def setter(world: World) -> None:
    for i in range(SETTER_POINTS):
        await explorer.point("work", f"{i + 1}/{SETTER_POINTS}")
    await world.done.set()


def build(variant: str, scenario: object) -> World:
    return World(patient=variant == "no-timeout")


async def main(world: World) -> None:
    await run_all([("waiter/wait", lambda: waiter(world)), ("setter/work", lambda: setter(world))])


@explorer.invariant(at="quiescence")
def waiter_did_not_time_out(world: World) -> str | None:
    """The waiter gave up although the setter needed no time: the timeout raced a slow thread."""
    if world.timed_out:
        return "the waiter timed out although the setter took no virtual time"
    return None


MODEL = explorer.Model(
    name="litmus.early-timeout",
    doc="A waiter with a one-second timeout and a setter that takes no virtual time.",
    variants=(
        ("timeout", "the waiter gives up after 1 s (times out if the timer fires early)"),
        ("no-timeout", "the waiter waits without a timeout (passes)"),
    ),
    build=build,
    main=main,
    invariants=(waiter_did_not_time_out,),
)
