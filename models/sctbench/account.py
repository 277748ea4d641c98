"""SCTBench ``CS/account``: a deposit, a withdrawal and a check of the balance, each in one
critical section of the same mutex.

Port of ``account_bad.c`` (and ``account_ok.c`` as the control). Main starts check_result,
deposit and withdraw in that order (the C main returns without joining; here it joins them).
Once both transfers are done, check_result asserts ``balance == (x - y) - z``, but deposit
adds ``y``: the balance is then ``(x + y) - z``, so the assertion fails in every schedule that
runs the check last. That takes no preemption: the switches all happen when a thread finishes.
The ``ok`` variant asserts the right formula.

Invariant kept by the model: ``balance`` and the two done flags change only under the mutex,
and each flag is set in the critical section that changes the balance.
"""

from __future__ import annotations

import attrs

import explorer
from models.sctbench._pthread import ASSERTION, Assertions, assertion_invariant, run_threads

X, Y, Z = 1, 2, 4


@attrs.define
class Account:
    bad: bool
    balance: int = X
    deposit_done: bool = False
    withdraw_done: bool = False
    m: explorer.Lock = attrs.Factory(lambda: explorer.Lock("m"))
    assertions: Assertions = attrs.Factory(Assertions)


async def deposit(world: Account) -> None:
    async with world.m:
        await explorer.point("balance = balance + y", touches="balance")
        world.balance = world.balance + Y
        await explorer.point("deposit_done = 1", touches="deposit_done")
        world.deposit_done = True


async def withdraw(world: Account) -> None:
    async with world.m:
        await explorer.point("balance = balance - z", touches="balance")
        world.balance = world.balance - Z
        await explorer.point("withdraw_done = 1", touches="withdraw_done")
        world.withdraw_done = True


async def check_result(world: Account) -> None:
    async with world.m:
        await explorer.point("read deposit_done, withdraw_done",
                             touches=("deposit_done", "withdraw_done"))
        if not (world.deposit_done and world.withdraw_done):
            return
        await explorer.point("assert balance", touches=("balance", ASSERTION))
        expected, formula = ((X - Y) - Z, "(x - y) - z") if world.bad else ((X + Y) - Z,
                                                                          "(x + y) - z")
        world.assertions.check(world.balance == expected,
                               f"assert(balance == {formula}) failed: balance is "
                               f"{world.balance}, {formula} is {expected}")


async def main(world: Account) -> None:
    await run_threads([
        ("check_result", lambda: check_result(world)),
        ("deposit", lambda: deposit(world)),
        ("withdraw", lambda: withdraw(world)),
    ])


balance_assertion = assertion_invariant(
    "balance_assertion",
    "check_result's assertion on the balance held once both transfers were done.")

MODEL = explorer.Model(
    name="sctbench.account",
    doc="SCTBench CS/account: the balance checked after a deposit and a withdrawal.",
    variants=(
        ("bad", "account_bad.c: the check asserts (x - y) - z, deposit adds y"),
        ("ok", "account_ok.c: the check asserts (x + y) - z"),
    ),
    build=lambda variant, scenario: Account(bad=variant == "bad"),
    main=main,
    invariants=(balance_assertion,),
    footprints=True,
)
