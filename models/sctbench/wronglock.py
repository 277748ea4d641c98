"""SCTBench ``CS/wronglock``: one thread increments under ``dataLock``, the others under
another lock.

Port of ``wronglock_bad.c`` (1 funcA thread, 7 funcB threads) and ``wronglock_3_bad.c`` (1 and
3). funcA reads ``x = dataValue``, increments ``dataValue`` and asserts it is now ``x + 1``,
all under ``dataLock``; funcB increments ``dataValue`` under ``thisLock``, which excludes
nobody. funcA preempted after its first read lets a funcB increment slip in: one preemption.
Each ``dataValue++`` is a read then a write.

The ``ok`` variant fixes it the obvious way: funcB locks ``dataLock``.

Invariant kept by the model: ``dataValue`` only grows, by one per increment.
"""

from __future__ import annotations

import attrs

import explorer
from models.sctbench._pthread import ASSERTION, Assertions, access, assertion_invariant, run_threads

#: funcB threads of each variant (there is always one funcA thread).
FUNC_B = {"bad": 7, "bad_3": 3, "ok": 7}


@attrs.define
class Data:
    func_b: int
    right_lock: bool
    value: int = 0
    data_lock: explorer.Lock = attrs.Factory(lambda: explorer.Lock("dataLock"))
    this_lock: explorer.Lock = attrs.Factory(lambda: explorer.Lock("thisLock"))
    assertions: Assertions = attrs.Factory(Assertions)


async def increment(d: Data) -> None:
    await access("dataValue++ (read)", "dataValue")
    seen = d.value
    await access("dataValue++ (write)", "dataValue")
    d.value = seen + 1


async def func_a(d: Data) -> None:
    async with d.data_lock:
        await access("x = dataValue", "dataValue")
        x = d.value
        await increment(d)
        await access("assert dataValue == x + 1", "dataValue", ASSERTION)
        d.assertions.check(d.value == x + 1,
                           f"Bug Found!: x was {x}, dataValue is {d.value} after one increment")


async def func_b(d: Data) -> None:
    async with d.data_lock if d.right_lock else d.this_lock:
        await increment(d)


async def main(d: Data) -> None:
    threads = [("funcA", lambda: func_a(d))]
    threads += [(f"funcB/{i + 1}", lambda: func_b(d)) for i in range(d.func_b)]
    await run_threads(threads)


one_increment_at_a_time = assertion_invariant(
    "one_increment_at_a_time", "funcA saw dataValue grow by exactly its own increment.")

MODEL = explorer.Model(
    name="sctbench.wronglock",
    doc="SCTBench CS/wronglock: increments protected by two different locks.",
    variants=(
        ("bad", "wronglock_bad.c: 1 funcA, 7 funcB under thisLock"),
        ("bad_3", "wronglock_3_bad.c: 1 funcA, 3 funcB under thisLock"),
        ("ok", "1 funcA, 7 funcB, all under dataLock"),
    ),
    build=lambda variant, scenario: Data(FUNC_B[variant], right_lock=variant == "ok"),
    main=main,
    invariants=(one_increment_at_a_time,),
    footprints=True,
)
