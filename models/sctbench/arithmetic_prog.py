"""SCTBench ``CS/arithmetic_prog``: a producer and a consumer over a condition-variable
hand-off, and main's assertion on the consumer's running total.

Port of ``arithmetic_prog_bad.c`` (N = 3): thread1 produces N times (waiting on ``empty``
while ``num > 0``), thread2 consumes N times (waiting on ``full`` while ``num == 0``) adding
its loop index to ``total``, then adds N and sets ``flag``. Every schedule ends with
``total == 0 + 1 + 2 + 3 == N(N+1)/2``, and main, after joining both, asserts the opposite:
it fails in every schedule, the default one included.

The ``ok`` variant asserts ``total == N(N+1)/2``, as ``arithmetic_prog_ok.c`` does (that file
also raises N to 4, which changes only how long the threads loop).

Invariant kept by the model: ``num`` stays 0 or 1 and changes only under ``m``.
"""

from __future__ import annotations

import attrs

import explorer
from models.sctbench._pthread import Cond, access, run_threads

N = 3


@attrs.define
class Counter:
    bad: bool
    num: int = 0
    total: int = 0
    flag: bool = False
    m: explorer.Lock = attrs.Factory(lambda: explorer.Lock("m"))
    empty: Cond = attrs.Factory(lambda: Cond("empty"))
    full: Cond = attrs.Factory(lambda: Cond("full"))


async def read_num(c: Counter) -> int:
    await access("read num", "num")
    return c.num


async def thread1(c: Counter) -> None:
    for _ in range(N):
        async with c.m:
            while await read_num(c) > 0:
                await c.empty.wait(c.m)
            await access("num++", "num")
            c.num += 1
        await c.full.signal()


async def thread2(c: Counter) -> None:
    j = 0
    while j < N:
        async with c.m:
            while await read_num(c) == 0:
                await c.full.wait(c.m)
            await access("total = total + j", "total", detail=j)
            c.total += j
            await access("num--", "num")
            c.num -= 1
        await c.empty.signal()
        j += 1
    await access("total = total + j", "total", detail=j)
    c.total += j
    await access("flag = 1", "flag")
    c.flag = True


async def main(c: Counter) -> None:
    await run_threads([("thread1", lambda: thread1(c)), ("thread2", lambda: thread2(c))])


@explorer.invariant(at="quiescence")
def total_assertion(c: Counter) -> str | None:
    """main's assertion after joining both threads: total != N(N+1)/2 (bad), == (ok)."""
    if not c.flag:
        return None
    expected = N * (N + 1) // 2
    if c.bad and c.total == expected:
        return f"assert(total != N(N+1)/2) failed: total is {c.total}"
    if not c.bad and c.total != expected:
        return f"assert(total == N(N+1)/2) failed: total is {c.total}, expected {expected}"
    return None


MODEL = explorer.Model(
    name="sctbench.arithmetic_prog",
    doc="SCTBench CS/arithmetic_prog: main asserts the wrong thing about a correct total.",
    variants=(
        ("bad", "arithmetic_prog_bad.c: main asserts total != N(N+1)/2"),
        ("ok", "main asserts total == N(N+1)/2"),
    ),
    build=lambda variant, scenario: Counter(bad=variant == "bad"),
    main=main,
    invariants=(total_assertion,),
)
