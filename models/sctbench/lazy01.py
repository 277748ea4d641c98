"""SCTBench ``CS/lazy01``: three critical sections, the last asserting the data is below 3.

Port of ``lazy01_bad.c``: thread1 adds 1 and thread2 adds 2 to ``data`` under one mutex, and
thread3 asserts under it that ``data < 3``. The assertion fails whenever thread3 runs last,
which is the default order (threads start in creation order): no preemption needed.

``lazy01_ok.c`` only comments the assertion out; the ``ok`` variant here keeps an assertion
that can fail: thread3 asserts that when ``data`` has reached 3 both adders have finished their
critical sections (each sets its done flag inside it).

Invariant kept by the model: ``data`` and the done flags change only under the mutex.
"""

from __future__ import annotations

import attrs

import explorer
from models.sctbench._pthread import ASSERTION, Assertions, access, assertion_invariant, run_threads


@attrs.define
class Data:
    bad: bool
    data: int = 0
    done: dict[int, bool] = attrs.Factory(lambda: {1: False, 2: False})
    mutex: explorer.Lock = attrs.Factory(lambda: explorer.Lock("mutex"))
    assertions: Assertions = attrs.Factory(Assertions)


async def add(world: Data, amount: int) -> None:
    async with world.mutex:
        await access(f"data += {amount}", "data")
        world.data += amount
        if not world.bad:
            await access(f"done{amount} = 1", f"done{amount}")
            world.done[amount] = True


async def check(world: Data) -> None:
    async with world.mutex:
        if world.bad:
            await access("assert data < 3", "data", ASSERTION)
            world.assertions.check(world.data < 3,
                                   f"assert(0) reached: data is {world.data} (>= 3)")
            return
        await access("assert data >= 3 => done", "data", "done1", "done2", ASSERTION)
        world.assertions.check(world.data < 3 or (world.done[1] and world.done[2]),
                               f"data is {world.data} before both adders finished")


async def main(world: Data) -> None:
    await run_threads([
        ("thread1", lambda: add(world, 1)),
        ("thread2", lambda: add(world, 2)),
        ("thread3", lambda: check(world)),
    ])


data_assertion = assertion_invariant(
    "data_assertion", "thread3's assertion on data held.")

MODEL = explorer.Model(
    name="sctbench.lazy01",
    doc="SCTBench CS/lazy01: the check fails when it runs after both additions.",
    variants=(
        ("bad", "lazy01_bad.c: thread3 asserts data < 3"),
        ("ok", "thread3 asserts that data reaches 3 only once both adders are done"),
    ),
    build=lambda variant, scenario: Data(bad=variant == "bad"),
    main=main,
    invariants=(data_assertion,),
    footprints=True,
)
