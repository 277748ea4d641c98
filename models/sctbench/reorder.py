"""SCTBench ``CS/reorder_*``: setter threads write ``a`` then ``b``; checker threads read them
and assert they never see one write without the other.

Port of ``reorder_{3,4,5,10,20}_bad.c``, one variant per file: ``bad_N`` starts (iSet, iCheck)
threads as that file does: (2, 1), (3, 1), (4, 1), (9, 1), (10, 10), all setters first. A
setter does ``a = 1; b = -1`` with no lock; a checker evaluates
``(a == 0 && b == 0) || (a == 1 && b == -1)`` left to right, each operand one read, and
asserts it. A setter preempted between its two writes lets a checker read ``a == 1`` with
``b == 0``: one preemption, however many threads there are, but the preempted setter and the
checker that runs next are two particular threads among up to 20.

The ``ok_3`` and ``ok_20`` variants fix it the obvious way: one mutex around each setter's two
writes and around each checker's reads.

Invariant kept by the model: ``a`` and ``b`` only ever hold 0 or the setters' values.
"""

from __future__ import annotations

import attrs

import explorer
from models.sctbench._pthread import ASSERTION, Assertions, access, assertion_invariant, run_threads

#: (setters, checkers) of each SCTBench file, by the file's number.
POOLS = {3: (2, 1), 4: (3, 1), 5: (4, 1), 10: (9, 1), 20: (10, 10)}


@attrs.define
class Shared:
    sets: int
    checks: int
    locked: bool
    a: int = 0
    b: int = 0
    m: explorer.Lock = attrs.Factory(lambda: explorer.Lock("m"))
    assertions: Assertions = attrs.Factory(Assertions)


async def set_both(s: Shared) -> None:
    await access("a = 1", "a")
    s.a = 1
    await access("b = -1", "b")
    s.b = -1


async def read(s: Shared, name: str) -> int:
    await access(f"read {name}", name)
    return s.a if name == "a" else s.b


async def consistent(s: Shared) -> bool:
    """``(a == 0 && b == 0) || (a == 1 && b == -1)``, read operand by operand."""
    if await read(s, "a") == 0 and await read(s, "b") == 0:
        return True
    return await read(s, "a") == 1 and await read(s, "b") == -1


async def set_thread(s: Shared) -> None:
    if s.locked:
        async with s.m:
            await set_both(s)
    else:
        await set_both(s)


async def check_thread(s: Shared) -> None:
    if s.locked:
        async with s.m:
            holds = await consistent(s)
    else:
        holds = await consistent(s)
    await access("assert a, b consistent", ASSERTION)
    s.assertions.check(holds, "Bug found!: a checker saw a = 1 without b = -1, or the reverse")


async def main(s: Shared) -> None:
    threads = [(f"setThread/{i + 1}", lambda: set_thread(s)) for i in range(s.sets)]
    threads += [(f"checkThread/{i + 1}", lambda: check_thread(s)) for i in range(s.checks)]
    await run_threads(threads)


def build(variant: str, scenario: object) -> Shared:
    kind, number = variant.split("_")
    sets, checks = POOLS[int(number)]
    return Shared(sets, checks, locked=kind == "ok")


writes_seen_together = assertion_invariant(
    "writes_seen_together",
    "Every checker saw both of a setter's writes or neither (a == 0 && b == 0, or a == 1 && "
    "b == -1).")

MODEL = explorer.Model(
    name="sctbench.reorder",
    doc="SCTBench CS/reorder_N: a checker sees a setter's first write without its second.",
    variants=(
        *((f"bad_{n}", f"reorder_{n}_bad.c: {s} setters, {c} checker{'s' * (c > 1)}, no lock")
          for n, (s, c) in POOLS.items()),
        ("ok_3", "2 setters, 1 checker, each under one mutex"),
        ("ok_20", "10 setters, 10 checkers, each under one mutex"),
    ),
    build=build,
    main=main,
    invariants=(writes_seen_together,),
    footprints=True,
)
