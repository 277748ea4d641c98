"""SCTBench ``CS/fsbench``: threads allocate a disk block for their inode, one thread per
inode, and one thread too many.

Port of ``fsbench_bad.c``: 27 threads over 26 inode locks and 26 block locks. Thread ``tid``
takes inode ``i = tid % 32`` and asserts ``i < NUMBLOCKS`` (26) before locking ``locki[i]``;
thread 26 fails that assertion (in C it would go on to lock past the end of the array) in every
schedule: no preemption needed. Otherwise a thread locks its inode, and if the inode has no
block it probes up to 13 blocks from ``(2 * i) % 26``, each under its block lock, and claims the
first free one. Threads ``i`` and ``i + 13`` start their probes at the same block, so they
contend.

The ``ok`` variant is ``fsbench_ok.c``: 26 threads.

Invariant kept by the model: ``busy[b]`` changes only under ``lockb[b]`` and ``inode[i]`` only
under ``locki[i]``; a block, once claimed, stays claimed.
"""

from __future__ import annotations

import attrs

import explorer
from models.sctbench._pthread import (
    ASSERTION,
    Assertions,
    ThreadBody,
    access,
    assertion_invariant,
    run_threads,
)

NUMBLOCKS = 26
NUMINODE = 32
THREADS = {"bad": 27, "ok": 26}


@attrs.define
class FileSystem:
    threads: int
    locki: list[explorer.Lock] = attrs.Factory(
        lambda: [explorer.Lock(f"locki[{i}]") for i in range(NUMBLOCKS)])
    lockb: list[explorer.Lock] = attrs.Factory(
        lambda: [explorer.Lock(f"lockb[{b}]") for b in range(NUMBLOCKS)])
    busy: list[bool] = attrs.Factory(lambda: [False] * NUMBLOCKS)
    inode: list[int] = attrs.Factory(lambda: [0] * NUMINODE)
    assertions: Assertions = attrs.Factory(Assertions)


async def claim_block(fs: FileSystem, i: int) -> None:
    b = (i * 2) % NUMBLOCKS
    for _ in range(NUMBLOCKS // 2):
        async with fs.lockb[b]:
            await access("read busy[b]", f"busy[{b}]", detail=b)
            if not fs.busy[b]:
                await access("busy[b] = 1", f"busy[{b}]", detail=b)
                fs.busy[b] = True
                await access("inode[i] = b + 1", f"inode[{i}]", detail=b + 1)
                fs.inode[i] = b + 1
                return
        b = (b + 1) % NUMBLOCKS


async def index_in_range(fs: FileSystem, i: int) -> bool:
    await access("assert 0 <= i < NUMBLOCKS", ASSERTION)
    fs.assertions.check(0 <= i < NUMBLOCKS,
                        f"assert(i >= 0 && i < NUMBLOCKS) failed: i is {i}, NUMBLOCKS {NUMBLOCKS}")
    return 0 <= i < NUMBLOCKS


async def thread_routine(fs: FileSystem, tid: int) -> None:
    i = tid % NUMINODE
    if not await index_in_range(fs, i):
        return  # the C program aborts here
    async with fs.locki[i]:
        await access("read inode[i]", f"inode[{i}]", detail=i)
        if fs.inode[i] == 0:
            await claim_block(fs, i)
        await index_in_range(fs, i)


def routine(fs: FileSystem, tid: int) -> ThreadBody:
    return lambda: thread_routine(fs, tid)


async def main(fs: FileSystem) -> None:
    await run_threads([(f"thread/{t}", routine(fs, t)) for t in range(fs.threads)])


inode_in_range = assertion_invariant(
    "inode_in_range", "Every thread's inode index was within the lock arrays (i < NUMBLOCKS).")

MODEL = explorer.Model(
    name="sctbench.fsbench",
    doc="SCTBench CS/fsbench: 27 threads over 26 inode locks; the last indexes past the end.",
    variants=(
        ("bad", "fsbench_bad.c: 27 threads, so thread 26 takes inode 26 of 26"),
        ("ok", "fsbench_ok.c: 26 threads"),
    ),
    build=lambda variant, scenario: FileSystem(THREADS[variant]),
    main=main,
    invariants=(inode_in_range,),
    footprints=True,
)
