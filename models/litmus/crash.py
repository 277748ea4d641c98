"""A model that crashes: a consumer takes from an inbox without waiting for the producer.

Under the default schedule the producer (created first) fills the inbox before the consumer
runs; a switch to the consumer before the put makes ``popleft`` raise ``IndexError``, an
exception escaping a model task, which the engine reports as a crash with its traceback.

Invariant kept by the model: the producer puts exactly one item.
"""

from __future__ import annotations

from collections import deque

import attrs

import explorer
from models.litmus._tasks import run_all


@attrs.define
class World:
    inbox: deque[str] = attrs.Factory(deque)
    received: list[str] = attrs.Factory(list)


async def producer(world: World) -> None:
    await explorer.point("put", "hello")
    world.inbox.append("hello")


async def consumer(world: World) -> None:
    await explorer.point("take", "inbox")
    world.received.append(world.inbox.popleft())


def build(variant: str, scenario: object) -> World:
    return World()


async def main(world: World) -> None:
    await run_all([
        ("producer/put", lambda: producer(world)),
        ("consumer/take", lambda: consumer(world)),
    ])


MODEL = explorer.Model(
    name="litmus.crash",
    doc="A consumer pops an empty inbox if it runs before the producer (model crash).",
    variants=(("unchecked", "the consumer does not wait for an item"),),
    build=build,
    main=main,
)
