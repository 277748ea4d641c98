"""Cancellation delivered at a point: a claim leaks only if the cancel lands inside its window.

The victim claims a slot, takes one scheduling point, and releases the slot; another task
cancels the victim's cancel scope. Trio delivers a cancel only at the victim's next point, so the
slot leaks only when the cancel arrives while the victim is parked between claim and release.

Invariant kept by the model: ``claimed`` is true exactly while the victim holds the slot.
"""

from __future__ import annotations

import attrs

import explorer
from models.litmus._tasks import run_all

CANCELLER_POINTS = 3


@attrs.define
class World:
    release_in_finally: bool
    scope: explorer.CancelScope = attrs.Factory(explorer.CancelScope)
    claimed: bool = False
    cancelled: bool = False


async def use_slot(world: World) -> None:
    await explorer.point("claim", "slot")
    world.claimed = True
    if world.release_in_finally:
        try:
            await explorer.point("commit", "slot")
        finally:
            world.claimed = False
    else:
        await explorer.point("commit", "slot")
        world.claimed = False


async def victim(world: World) -> None:
    with world.scope:
        await explorer.point("prepare")
        await use_slot(world)
        await explorer.point("done")
    world.cancelled = world.scope.cancelled_caught


async def canceller(world: World) -> None:
    for i in range(CANCELLER_POINTS):
        await explorer.point("work", f"{i + 1}/{CANCELLER_POINTS}")
    await explorer.point("cancel", "victim's scope")
    world.scope.cancel()


def build(variant: str, scenario: object) -> World:
    return World(release_in_finally=variant == "finally")


async def main(world: World) -> None:
    await run_all([
        ("victim/use-slot", lambda: victim(world)),
        ("canceller/cancel", lambda: canceller(world)),
    ])


@explorer.invariant(at="quiescence")
def slot_released(world: World) -> str | None:
    """The victim was cancelled while holding the slot and never gave it back (a leak)."""
    return "the slot is still claimed after the victim ended" if world.claimed else None


MODEL = explorer.Model(
    name="litmus.cancel-window",
    doc="A cancel scope cancelled by another task; the slot leaks if the cancel lands mid-claim.",
    variants=(
        ("plain", "release after the point (leaks if cancelled there)"),
        ("finally", "release in a finally block (passes)"),
    ),
    build=build,
    main=main,
    invariants=(slot_released,),
)
