"""SCTBench ``CS/circular_buffer``: a one-slot hand-off through a circular log, checked
against the receiver's own loop counter.

Port of ``circular_buffer_bad.c``: t1 and t2 each loop N = 7 times, locking ``m`` every
iteration. When ``send`` is set, t1 inserts its loop index ``i`` and hands over (``send``
off, ``receive`` on); when ``receive`` is set, t2 removes an element and asserts it equals
*its own* loop index. The indices agree only if both threads reach the hand-off in the same
iteration: if t2 spends an iteration finding nothing (it starts first, and t1 preempts it
before its next lock), it then receives 0 in iteration 1. One preemption.

The ``ok`` variant is ``circular_buffer_ok.c``: t1 publishes the value it inserted in the
shared ``value`` and t2 compares against that.

Invariant kept by the model: the log, its indices, the flags and ``value`` change only under
``m``.
"""

from __future__ import annotations

import attrs

import explorer
from models.sctbench._pthread import ASSERTION, Assertions, access, assertion_invariant, run_threads

BUFFER_MAX = 10
N = 7
ERROR = -1


@attrs.define
class Log:
    bad: bool
    buffer: list[int] = attrs.Factory(lambda: [0] * BUFFER_MAX)
    first: int = 0
    next: int = 0
    buffer_size: int = BUFFER_MAX
    send: bool = True
    receive: bool = False
    value: int = 0
    m: explorer.Lock = attrs.Factory(lambda: explorer.Lock("m"))
    assertions: Assertions = attrs.Factory(Assertions)


async def remove_log_element(log: Log) -> int:
    await access("if next > 0 && first < buffer_size", "next", "first")
    if not (log.next > 0 and log.first < log.buffer_size):
        return ERROR
    await access("first++", "first")
    log.first += 1
    await access("return buffer[first - 1]", "buffer", "first")
    return log.buffer[log.first - 1]


async def insert_log_element(log: Log, b: int) -> int:
    await access("if next < buffer_size", "next")
    if not log.next < log.buffer_size:
        return ERROR
    await access("buffer[next] = b", "buffer", "next")
    log.buffer[log.next] = b
    await access("next = (next + 1) % buffer_size", "next")
    log.next = (log.next + 1) % log.buffer_size
    await access("assert next < buffer_size", "next", ASSERTION)
    log.assertions.check(log.next < log.buffer_size, "assert(next < buffer_size) failed")
    return b


async def hand_over(log: Log, send: bool) -> None:
    await access(f"send = {send}", "send")
    log.send = send
    await access(f"receive = {not send}", "receive")
    log.receive = not send


async def t1(log: Log) -> None:
    for i in range(N):
        async with log.m:
            await access("read send", "send")
            if not log.send:
                continue
            inserted = await insert_log_element(log, i)
            if not log.bad:
                await access("assert i == inserted", ASSERTION)
                log.assertions.check(inserted == i, f"assert({i} == insertLogElement({i})) "
                                                    f"failed: it returned {inserted}")
                await access("value = i", "value")
                log.value = i
            await hand_over(log, send=False)


async def t2(log: Log) -> None:
    for i in range(N):
        async with log.m:
            await access("read receive", "receive")
            if not log.receive:
                continue
            removed = await remove_log_element(log)
            if log.bad:
                await access("assert removed == i", ASSERTION)
                log.assertions.check(removed == i, f"assert(removeLogElement() == {i}) "
                                                   f"failed: it returned {removed}")
            else:
                await access("assert removed == value", "value", ASSERTION)
                log.assertions.check(removed == log.value, f"assert(removeLogElement() == "
                                     f"value) failed: it returned {removed}, value is "
                                     f"{log.value}")
            await hand_over(log, send=True)


async def main(log: Log) -> None:
    await run_threads([("t1", lambda: t1(log)), ("t2", lambda: t2(log))])


removed_matches = assertion_invariant(
    "removed_matches", "t2's assertion held: every element it removed was the one expected.")

MODEL = explorer.Model(
    name="sctbench.circular_buffer",
    doc="SCTBench CS/circular_buffer: the receiver checks against its own loop counter.",
    variants=(
        ("bad", "circular_buffer_bad.c: t2 asserts the element equals its own index"),
        ("ok", "circular_buffer_ok.c: t2 asserts the element equals the published value"),
    ),
    build=lambda variant, scenario: Log(bad=variant == "bad"),
    main=main,
    invariants=(removed_matches,),
    footprints=True,
)
