"""SCTBench ``CS/stack``: a pusher and a popper that trusts a flag instead of the stack top.

Port of ``stack_bad.c``: t1 pushes 0..9, each under ``m``, and sets ``flag``; t2 loops ten
times and, whenever ``flag`` is set, pops and asserts the pop did not underflow. ``flag`` is
never cleared, so once t1 has pushed one element, t2 can pop it and then pop an empty stack:
t1 preempted before its second push. One preemption.

The ``ok`` variant is ``stack_ok.c``: t2 pops only when ``top > 0`` (t1 asserts, as in both
files, that no push overflows).

Invariant kept by the model: ``top``, the array and ``flag`` change only under ``m``.
"""

from __future__ import annotations

import attrs

import explorer
from models.sctbench._pthread import ASSERTION, Assertions, access, assertion_invariant, run_threads

SIZE = 10
OVERFLOW = -1
UNDERFLOW = -2


@attrs.define
class Stack:
    bad: bool
    top: int = 0
    arr: list[int] = attrs.Factory(lambda: [0] * SIZE)
    flag: bool = False
    m: explorer.Lock = attrs.Factory(lambda: explorer.Lock("m"))
    assertions: Assertions = attrs.Factory(Assertions)


async def push(s: Stack, x: int) -> int:
    await access("if top == SIZE", "top")
    if s.top == SIZE:
        return OVERFLOW
    await access("stack[get_top()] = x", "arr", "top")
    s.arr[s.top] = x
    await access("inc_top()", "top")
    s.top += 1
    return 0


async def pop(s: Stack) -> int:
    await access("if get_top() == 0", "top")
    if s.top == 0:
        return UNDERFLOW
    await access("dec_top()", "top")
    s.top -= 1
    await access("return stack[get_top()]", "arr", "top")
    return s.arr[s.top]


async def t1(s: Stack) -> None:
    for i in range(SIZE):
        async with s.m:
            pushed = await push(s, i)
            await access("assert push != OVERFLOW", ASSERTION)
            s.assertions.check(pushed != OVERFLOW, f"assert(push(arr, {i}) != OVERFLOW) failed")
            if s.bad:
                await access("flag = TRUE", "flag")
                s.flag = True


async def t2(s: Stack) -> None:
    for _ in range(SIZE):
        async with s.m:
            if s.bad:
                await access("read flag", "flag")
                if s.flag:
                    popped = await pop(s)
                    await access("assert pop != UNDERFLOW", ASSERTION)
                    s.assertions.check(popped != UNDERFLOW,
                                       "assert(pop(arr) != UNDERFLOW) failed: the stack is empty")
                continue
            await access("if top > 0", "top")
            if s.top > 0:
                await pop(s)


async def main(s: Stack) -> None:
    await run_threads([("t1", lambda: t1(s)), ("t2", lambda: t2(s))])


stack_assertions = assertion_invariant(
    "stack_assertions", "No push overflowed and no pop that t2 asserted on underflowed.")

MODEL = explorer.Model(
    name="sctbench.stack",
    doc="SCTBench CS/stack: the popper trusts a flag that is never cleared.",
    variants=(
        ("bad", "stack_bad.c: t2 pops whenever flag is set and asserts no underflow"),
        ("ok", "stack_ok.c: t2 pops only when top > 0"),
    ),
    build=lambda variant, scenario: Stack(bad=variant == "bad"),
    main=main,
    invariants=(stack_assertions,),
    footprints=True,
)
