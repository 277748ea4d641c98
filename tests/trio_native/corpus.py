"""Real Trio races in plain Trio (no explorer calls), each with its fixed version.

Each ``async def`` takes ``fixed`` and fails (an assertion, or a deadlock) only under some
schedules when ``fixed`` is False.
"""

from __future__ import annotations

import trio


async def lost_update(fixed: bool = False) -> None:
    """Two increments read, sleep(0), write: one is lost (fixed: under a trio.Lock)."""
    box = {"value": 0}
    lock = trio.Lock()

    async def increment() -> None:
        if fixed:
            async with lock:
                seen = box["value"]
                await trio.sleep(0)
                box["value"] = seen + 1
        else:
            seen = box["value"]
            await trio.sleep(0)
            box["value"] = seen + 1

    async with trio.open_nursery() as nursery:
        nursery.start_soon(increment)
        nursery.start_soon(increment)
    assert box["value"] == 2, f"value is {box['value']} after 2 increments"


async def lock_order(fixed: bool = False) -> None:
    """Two tasks take two locks in opposite orders (fixed: the same order)."""
    first, second = trio.Lock(), trio.Lock()

    async def transfer(a: trio.Lock, b: trio.Lock) -> None:
        async with a:
            await trio.sleep(0)
            async with b:
                await trio.sleep(0)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(transfer, first, second)
        nursery.start_soon(transfer, *((first, second) if fixed else (second, first)))


async def producer_ahead(fixed: bool = False) -> None:
    """The consumer assumes that after one checkpoint of its own the producer cannot have
    published all three items: true in Trio's lockstep batches, false when the producer runs
    three checkpoints ahead (fixed: the consumer waits for the producer's event)."""
    items: list[int] = []
    done = trio.Event()

    async def producer() -> None:
        for n in range(3):
            if n:
                await trio.sleep(0)
            items.append(n)
        done.set()

    async def consumer() -> None:
        if fixed:
            await done.wait()
            assert items == [0, 1, 2]
            return
        await trio.sleep(0)
        assert len(items) < 3, "the producer ran three checkpoints ahead"

    async with trio.open_nursery() as nursery:
        nursery.start_soon(consumer)
        nursery.start_soon(producer)


async def timeout_loses_item(fixed: bool = False) -> None:
    """A consumer under move_on_after receives an item, then checkpoints before recording
    it: a deadline firing there loses the item (fixed: record before any checkpoint)."""
    send, receive = trio.open_memory_channel[int](0)
    recorded: list[int] = []
    sent: list[int] = []

    async def producer() -> None:
        async with send:
            for n in range(2):
                try:
                    await send.send(n)
                except trio.BrokenResourceError:
                    return  # the consumer timed out and closed its end
                sent.append(n)

    async def consumer() -> None:
        async with receive:
            with trio.move_on_after(1):
                async for item in receive:
                    if fixed:
                        recorded.append(item)
                        await trio.sleep(0)
                    else:
                        await trio.sleep(0)
                        recorded.append(item)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(producer)
        nursery.start_soon(consumer)
    assert recorded == sent, f"sent {sent}, recorded {recorded}"


async def close_clone_while_sending(fixed: bool = False) -> None:
    """A sender blocks in send() on its clone; another task closes that clone: the send
    raises ClosedResourceError (fixed: close only the task's own clone, after it is done)."""
    send, receive = trio.open_memory_channel[str](0)
    clone = send.clone()
    delivered: list[str] = []

    async def sender() -> None:
        if fixed:
            async with clone:
                await clone.send("hello")
        else:
            await clone.send("hello")

    async def closer() -> None:
        await trio.sleep(0)
        if not fixed:
            await clone.aclose()
        await send.aclose()

    async def receiver() -> None:
        async for item in receive:
            delivered.append(item)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(sender)
        nursery.start_soon(closer)
        nursery.start_soon(receiver)
    assert delivered == ["hello"]
