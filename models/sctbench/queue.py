"""SCTBench ``CS/queue``: a producer and a consumer handing elements over one at a time,
checked against the consumer's own loop counter.

Port of ``queue_bad.c`` (SIZE 20): t1 enqueues 0 under ``m``, then loops 19 times enqueueing
the next value whenever ``enqueue_flag`` is set and recording it in ``stored_elements[i+1]``;
t2 loops 20 times and, whenever ``dequeue_flag`` is set, asserts that the dequeued element
equals ``stored_elements[i]`` for *its own* index ``i``. If t2 spends an iteration finding
nothing (it starts first and t1 preempts it before its next lock), it dequeues 0 in iteration
1 and compares it with ``stored_elements[1] == 1``. One preemption.

The ``ok`` variant is ``queue_ok.c`` with the same SIZE (it uses 40; the length of the batch
does not matter): t1 enqueues the whole batch in one critical section, t2 dequeues it in one.

Invariant kept by the model: the queue, ``stored_elements`` and the flags change only under
``m``.
"""

from __future__ import annotations

import attrs

import explorer
from models.sctbench._pthread import ASSERTION, Assertions, access, assertion_invariant, run_threads

SIZE = 20
EMPTY = -1


@attrs.define
class Queue:
    bad: bool
    element: list[int] = attrs.Factory(lambda: [0] * (SIZE + 1))
    head: int = 0
    tail: int = 0
    amount: int = 0
    stored: list[int] = attrs.Factory(lambda: [0] * SIZE)
    enqueue_flag: bool = True
    dequeue_flag: bool = False
    m: explorer.Lock = attrs.Factory(lambda: explorer.Lock("m"))
    assertions: Assertions = attrs.Factory(Assertions)


async def empty(q: Queue) -> int:
    await access("if head == tail", "head", "tail")
    return EMPTY if q.head == q.tail else 0


async def enqueue(q: Queue, x: int) -> int:
    await access("element[tail] = x", "element", "tail")
    q.element[q.tail] = x
    await access("amount++", "amount")
    q.amount += 1
    await access("if tail == SIZE", "tail")
    wrap = q.tail == SIZE
    await access("tail = 1" if wrap else "tail++", "tail")
    q.tail = 1 if wrap else q.tail + 1
    return 0


async def dequeue(q: Queue) -> int:
    await access("x = element[head]", "element", "head")
    x = q.element[q.head]
    await access("amount--", "amount")
    q.amount -= 1
    await access("if head == SIZE", "head")
    wrap = q.head == SIZE
    await access("head = 1" if wrap else "head++", "head")
    q.head = 1 if wrap else q.head + 1
    return x


async def store(q: Queue, index: int, value: int) -> None:
    await access("stored_elements[i] = value", "stored", detail=index)
    q.stored[index] = value


async def set_flags(q: Queue, *, enqueue_next: bool) -> None:
    await access(f"enqueue_flag = {enqueue_next}", "enqueue_flag")
    q.enqueue_flag = enqueue_next
    await access(f"dequeue_flag = {not enqueue_next}", "dequeue_flag")
    q.dequeue_flag = not enqueue_next


async def check_dequeue(q: Queue, index: int) -> None:
    x = await dequeue(q)
    await access("assert dequeue() == stored_elements[i]", "stored", ASSERTION,
                 detail=index)
    q.assertions.check(x == q.stored[index], f"assert(dequeue() == stored_elements[{index}]) "
                                             f"failed: dequeued {x}, stored {q.stored[index]}")


async def t1_bad(q: Queue) -> None:
    value = 0
    async with q.m:
        ret = await enqueue(q, value)
        await access("assert !enqueue", ASSERTION)
        q.assertions.check(ret == 0, "assert(!enqueue(&queue, 0)) failed")
        await store(q, 0, value)
        is_empty = await empty(q)
        await access("assert !empty", ASSERTION)
        q.assertions.check(is_empty != EMPTY, "assert(!empty(&queue)) failed")
    for i in range(SIZE - 1):
        async with q.m:
            await access("read enqueue_flag", "enqueue_flag")
            if q.enqueue_flag:
                value += 1
                await enqueue(q, value)
                await store(q, i + 1, value)
                await set_flags(q, enqueue_next=False)


async def t2_bad(q: Queue) -> None:
    for i in range(SIZE):
        async with q.m:
            await access("read dequeue_flag", "dequeue_flag")
            if q.dequeue_flag:
                await check_dequeue(q, i)
                await set_flags(q, enqueue_next=True)


async def t1_ok(q: Queue) -> None:
    value = 0
    async with q.m:
        await access("read enqueue_flag", "enqueue_flag")
        if q.enqueue_flag:
            for i in range(SIZE):
                value += 1
                await enqueue(q, value)
                await store(q, i, value)
            await set_flags(q, enqueue_next=False)


async def t2_ok(q: Queue) -> None:
    async with q.m:
        await access("read dequeue_flag", "dequeue_flag")
        if q.dequeue_flag:
            for i in range(SIZE):
                if await empty(q) != EMPTY:
                    await check_dequeue(q, i)
            await set_flags(q, enqueue_next=True)


async def main(q: Queue) -> None:
    # main's own assertion runs before it starts the threads: nothing can interleave with it
    q.assertions.check(q.head == q.tail, "assert(empty(&queue) == EMPTY) failed")
    t1, t2 = (t1_bad, t2_bad) if q.bad else (t1_ok, t2_ok)
    await run_threads([("t1", lambda: t1(q)), ("t2", lambda: t2(q))])


dequeued_matches = assertion_invariant(
    "dequeued_matches", "Every element t2 dequeued was the one stored for its index.")

MODEL = explorer.Model(
    name="sctbench.queue",
    doc="SCTBench CS/queue: the consumer checks against its own loop counter.",
    variants=(
        ("bad", "queue_bad.c: one element per hand-off, checked against t2's index"),
        ("ok", "queue_ok.c: the whole batch enqueued, then dequeued, in one critical section"),
    ),
    build=lambda variant, scenario: Queue(bad=variant == "bad"),
    main=main,
    invariants=(dequeued_matches,),
    footprints=True,
)
