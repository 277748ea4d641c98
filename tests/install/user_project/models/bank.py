"""A bank account that deposits race on: one task per deposit, each a read then a write.

Invariant kept by the model: ``deposited`` sums the deposits that completed, so at rest
``balance == deposited`` unless an interleaving lost a write.
"""

from __future__ import annotations

import explorer


class Account:
    def __init__(self, locked: bool, deposits: list[int]) -> None:
        self.locked = locked
        self.deposits = deposits
        self.balance = 0
        self.deposited = 0
        self.lock = explorer.Lock("account")


async def add(account: Account, amount: int) -> None:
    await explorer.point("read", "balance", touches="balance")
    seen = account.balance
    await explorer.point("write", f"balance = {seen + amount}", touches="balance")
    account.balance = seen + amount
    account.deposited += amount


async def deposit(account: Account, amount: int) -> None:
    if account.locked:
        async with account.lock:
            await add(account, amount)
    else:
        await add(account, amount)


async def main(account: Account) -> None:
    explorer.event("deposits", len(account.deposits))
    tasks = [explorer.spawn(deposit, account, amount, name=f"deposit/{i}")
             for i, amount in enumerate(account.deposits)]
    for task in tasks:
        await task.join()


@explorer.invariant(at="quiescence")
def no_lost_deposit(account: Account) -> str | None:
    """Every completed deposit is in the balance."""
    if account.balance != account.deposited:
        return f"balance is {account.balance} after deposits of {account.deposited}"
    return None


def build(variant: str, scenario: object) -> Account:
    deposits = list(scenario) if isinstance(scenario, list) else [1, 2]
    if len(deposits) < 2:
        raise ValueError("a race needs two deposits")
    return Account(locked=variant == "locked", deposits=deposits)


MODEL = explorer.Model(
    name="bank.account",
    doc="deposits to one account, with and without a lock",
    variants=(("racy", "read, then write, no lock"), ("locked", "each deposit under a lock")),
    build=build,
    main=main,
    invariants=(no_lost_deposit,),
)
