"""SCTBench ``CS/sync01`` and ``CS/sync02``: a producer and a consumer on condition variables
whose initial count leaves one of them waiting for a signal that never comes.

``sync01_bad.c``: ``num`` starts at 1; thread1 waits on ``empty`` while ``num > 0`` and then
increments it; thread2 waits on ``full`` while ``num == 0``, never decrements, and signals
``empty``. ``num`` never drops to 0, so thread1 waits forever: a deadlock in every schedule.
The ``ok`` variant is ``sync01_ok.c``: ``num`` starts at 0 and thread2 decrements it.

``sync02_bad.c``: ``num`` starts at 2 and each side loops N = 2 times; the consumer empties
the two initial items and finishes, the producer fills one and then waits on ``empty``
forever: a deadlock in every schedule. The ``ok`` variant is ``sync02_ok.c``: ``num`` starts
at 0 and both sides loop 20 times.

Invariant kept by the models: ``num`` changes only under ``m``; a signal wakes at most one
waiter and is lost when nobody waits, as with pthreads.
"""

from __future__ import annotations

import attrs

import explorer
from models.sctbench._pthread import Cond, access, run_threads


@attrs.define
class Counter:
    num: int
    loops: int
    consume: bool
    m: explorer.Lock = attrs.Factory(lambda: explorer.Lock("m"))
    empty: Cond = attrs.Factory(lambda: Cond("empty"))
    full: Cond = attrs.Factory(lambda: Cond("full"))


async def read_num(c: Counter) -> int:
    await access("read num", "num")
    return c.num


async def producer(c: Counter) -> None:
    for _ in range(c.loops):
        async with c.m:
            while await read_num(c) > 0:
                await c.empty.wait(c.m)
            await access("num++", "num")
            c.num += 1
        await c.full.signal()


async def consumer(c: Counter) -> None:
    for _ in range(c.loops):
        async with c.m:
            while await read_num(c) == 0:
                await c.full.wait(c.m)
            if c.consume:
                await access("num--", "num")
                c.num -= 1
        await c.empty.signal()


async def main(c: Counter) -> None:
    await run_threads([("thread1", lambda: producer(c)), ("thread2", lambda: consumer(c))])


SYNC01 = explorer.Model(
    name="sctbench.sync01",
    doc="SCTBench CS/sync01: the producer waits for a count that never drops.",
    variants=(
        ("bad", "sync01_bad.c: num starts at 1 and the consumer never decrements it"),
        ("ok", "sync01_ok.c: num starts at 0 and the consumer decrements it"),
    ),
    build=lambda variant, scenario: Counter(num=1 if variant == "bad" else 0, loops=1,
                                            consume=variant == "ok"),
    main=main,
)

SYNC02 = explorer.Model(
    name="sctbench.sync02",
    doc="SCTBench CS/sync02: two initial items let the consumer finish before the producer.",
    variants=(
        ("bad", "sync02_bad.c: num starts at 2, N = 2"),
        ("ok", "sync02_ok.c: num starts at 0, N = 20"),
    ),
    build=lambda variant, scenario: Counter(num=2 if variant == "bad" else 0,
                                            loops=2 if variant == "bad" else 20, consume=True),
    main=main,
)
