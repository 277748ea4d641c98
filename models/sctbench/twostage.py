"""SCTBench ``CS/twostage``: a two-stage update that a reader can see half done.

Port of ``twostage_bad.c`` (one stage thread, one reader) and ``twostage_100_bad.c`` (99 and
1), and of the same program with other counts: ``bad_N`` starts N - 1 stage threads (funcA)
then one reader (funcB), as SCTBench's parameters (iTThreads, iRThreads) = (N - 1, 1) do. A
stage thread sets ``data1Value = 1`` under ``data1Lock``, releases it, then sets
``data2Value = data1Value + 1`` under ``data2Lock`` (reading ``data1Value`` with only
``data2Lock`` held). The reader takes ``t1 = data1Value`` under the first lock and
``t2 = data2Value`` under the second and asserts ``t2 == t1 + 1``: a stage thread preempted
between its two critical sections breaks it. One preemption, among up to 100 threads.

The ``ok_N`` variants fix it the obvious way: a stage thread holds ``data1Lock`` across both
stages, so the reader cannot read the first stage before the second is written.

Invariant kept by the model: ``data1Value`` changes only under ``data1Lock`` and
``data2Value`` only under ``data2Lock``.
"""

from __future__ import annotations

import attrs

import explorer
from models.sctbench._pthread import ASSERTION, Assertions, access, assertion_invariant, run_threads

BAD = (2, 3, 10, 20, 100)
#: The variants that are SCTBench files as they are; the others change only the counts.
FILES = {2: "twostage_bad.c: ", 100: "twostage_100_bad.c: "}
OK = (2, 20)


@attrs.define
class Stages:
    stage_threads: int
    held: bool
    data1: int = 0
    data2: int = 0
    lock1: explorer.Lock = attrs.Factory(lambda: explorer.Lock("data1Lock"))
    lock2: explorer.Lock = attrs.Factory(lambda: explorer.Lock("data2Lock"))
    assertions: Assertions = attrs.Factory(Assertions)


async def second_stage(s: Stages) -> None:
    async with s.lock2:
        await access("read data1Value", "data1")
        first = s.data1
        await access("data2Value = data1Value + 1", "data2")
        s.data2 = first + 1


async def func_a(s: Stages) -> None:
    await s.lock1.acquire()
    await access("data1Value = 1", "data1")
    s.data1 = 1
    if s.held:
        await second_stage(s)
        await s.lock1.release()
        return
    await s.lock1.release()
    await second_stage(s)


async def func_b(s: Stages) -> None:
    async with s.lock1:
        await access("if data1Value == 0", "data1")
        if s.data1 == 0:
            return
        await access("t1 = data1Value", "data1")
        t1 = s.data1
    async with s.lock2:
        await access("t2 = data2Value", "data2")
        t2 = s.data2
    await access("assert t2 == t1 + 1", ASSERTION)
    s.assertions.check(t2 == t1 + 1, f"Bug found!: t1 = {t1}, t2 = {t2}")


async def main(s: Stages) -> None:
    threads = [(f"funcA/{i + 1}", lambda: func_a(s)) for i in range(s.stage_threads)]
    await run_threads([*threads, ("funcB", lambda: func_b(s))])


def build(variant: str, scenario: object) -> Stages:
    kind, number = variant.split("_")
    return Stages(int(number) - 1, held=kind == "ok")


def stage_threads(n: int) -> str:
    return "1 stage thread" if n == 2 else f"{n - 1} stage threads"


stages_seen_together = assertion_invariant(
    "stages_seen_together", "The reader saw data2Value == data1Value + 1 once data1Value was set.")

MODEL = explorer.Model(
    name="sctbench.twostage",
    doc="SCTBench CS/twostage: a reader sees the first stage of an update without the second.",
    variants=(
        *((f"bad_{n}", f"{FILES.get(n, '')}{stage_threads(n)} and 1 reader, the stages in "
                       "two critical sections") for n in BAD),
        *((f"ok_{n}", f"{stage_threads(n)} and 1 reader, data1Lock held across both stages")
          for n in OK),
    ),
    build=build,
    main=main,
    invariants=(stages_seen_together,),
    footprints=True,
)
