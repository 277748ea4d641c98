"""SCTBench ``CS/phase01``: a thread that locks ``x`` a second time and never unlocks it.

Port of ``phase01_bad.c``: two threads run the same body: lock and unlock ``x``, lock ``x``
again (its unlock is commented out), then lock and unlock ``y`` twice. Whichever thread locks
``x`` the second time first keeps it; the other waits for it forever. Every schedule deadlocks,
the default one included. The ``ok`` variant is ``phase01_ok.c``: the second lock of ``x`` is
released.

Invariant kept by the model: the threads touch nothing but the two mutexes.
"""

from __future__ import annotations

import attrs

import explorer
from models.sctbench._pthread import run_threads


@attrs.define
class Mutexes:
    bad: bool
    x: explorer.Lock = attrs.Factory(lambda: explorer.Lock("x"))
    y: explorer.Lock = attrs.Factory(lambda: explorer.Lock("y"))


async def thread1(world: Mutexes) -> None:
    await world.x.acquire()
    await world.x.release()
    await world.x.acquire()
    if not world.bad:
        await world.x.release()
    await world.y.acquire()
    await world.y.release()
    await world.y.acquire()
    await world.y.release()


async def main(world: Mutexes) -> None:
    await run_threads([("t1", lambda: thread1(world)), ("t2", lambda: thread1(world))])


MODEL = explorer.Model(
    name="sctbench.phase01",
    doc="SCTBench CS/phase01: a mutex locked twice and released once.",
    variants=(
        ("bad", "phase01_bad.c: the second lock of x is never released"),
        ("ok", "phase01_ok.c: every lock is released"),
    ),
    build=lambda variant, scenario: Mutexes(bad=variant == "bad"),
    main=main,
    footprints=True,
)
