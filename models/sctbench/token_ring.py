"""SCTBench ``CS/token_ring``: three threads pass a value round a ring, a fourth checks it.

Port of ``token_ring_bad.c``: in one atomic section each, t1 sets ``x1 = (x3 + 1) % 4``, t2
copies ``x1`` into ``x2`` and t3 copies ``x2`` into ``x3``, each then raising its flag; t4
asserts, once all three flags are up, that the three values are equal. They are only if the
copies run in ring order; t2, t3, t1, t4 breaks it, and every one of those switches happens
when a thread finishes: no preemption. ``__ESBMC_atomic_begin/end`` is one global mutex (the
benchmark's ``common.inc``); the C main returns without joining, here it joins.

The ``ok`` variant passes the token in order: t2 waits for ``flag1`` and t3 for ``flag2``
before their atomic sections.

Invariant kept by the model: the values and flags change only under the atomic mutex.
"""

from __future__ import annotations

import attrs

import explorer
from models.sctbench._pthread import ASSERTION, Assertions, access, assertion_invariant, run_threads


@attrs.define
class Ring:
    bad: bool
    x: dict[int, int] = attrs.Factory(lambda: {1: 1, 2: 2, 3: 1})
    flag: dict[int, bool] = attrs.Factory(lambda: {1: False, 2: False, 3: False})
    atomic: explorer.Lock = attrs.Factory(lambda: explorer.Lock("atomic"))
    assertions: Assertions = attrs.Factory(Assertions)


async def pass_token(ring: Ring, me: int) -> None:
    """t1: ``x1 = (x3 + 1) % 4``; t2: ``x2 = x1``; t3: ``x3 = x2``; then the thread's flag."""
    before = 3 if me == 1 else me - 1
    if not ring.bad and me > 1:
        await explorer.wait_until(lambda: ring.flag[before], f"wait flag{before}",
                                  touches=f"flag{before}")
    async with ring.atomic:
        text = "x1 = (x3 + 1) % 4" if me == 1 else f"x{me} = x{before}"
        await access(text, f"x{me}", f"x{before}")
        ring.x[me] = (ring.x[3] + 1) % 4 if me == 1 else ring.x[before]
        await access(f"flag{me} = 1", f"flag{me}")
        ring.flag[me] = True


async def check(ring: Ring) -> None:
    async with ring.atomic:
        await access("read flag1, flag2, flag3", "flag1", "flag2", "flag3")
        if not all(ring.flag.values()):
            return
        await access("assert x1 == x2 == x3", "x1", "x2", "x3", ASSERTION)
        x = ring.x
        ring.assertions.check(x[1] == x[2] == x[3], f"assert(x1 == x2 && x2 == x3) failed: "
                                                    f"x1={x[1]}, x2={x[2]}, x3={x[3]}")


async def main(ring: Ring) -> None:
    await run_threads([
        ("t1", lambda: pass_token(ring, 1)),
        ("t2", lambda: pass_token(ring, 2)),
        ("t3", lambda: pass_token(ring, 3)),
        ("t4", lambda: check(ring)),
    ])


ring_agrees = assertion_invariant(
    "ring_agrees", "t4's assertion held: once every flag was up, x1, x2 and x3 were equal.")

MODEL = explorer.Model(
    name="sctbench.token_ring",
    doc="SCTBench CS/token_ring: the ring's copies run in any order.",
    variants=(
        ("bad", "token_ring_bad.c: each copy runs whenever its thread does"),
        ("ok", "t2 waits for flag1 and t3 for flag2 before copying"),
    ),
    build=lambda variant, scenario: Ring(bad=variant == "bad"),
    main=main,
    invariants=(ring_agrees,),
    footprints=True,
)
