"""Cancellation: a Trio cancel reaches a modelled task only when the engine next releases it,
a cancelled wait becomes enabled (it does not run by itself), and blocking syscalls are shielded."""

from __future__ import annotations

from typing import Any

import attrs

import explorer
from explorer.records import OutcomeKind, Trace
from explorer.sources import PrechosenChoices


@attrs.define
class World:
    scope: explorer.CancelScope = attrs.Factory(explorer.CancelScope)
    log: list[str] = attrs.Factory(list)
    victim: explorer.TaskHandle | None = None


def run_world(main: Any, choices: list[int]) -> tuple[World, Trace]:
    world = World()
    model = explorer.Model("inline", "", (("v", ""),), lambda v, s: world, main)
    return world, explorer.run(model, "v", None, PrechosenChoices(choices)).trace()


def labels_of(trace: Trace, task: str) -> list[str]:
    return [s.label for s in trace.steps if s.task == task]


async def cancel_at_a_point(world: World) -> None:
    async def victim() -> None:
        with world.scope:
            await explorer.point("p1")
            world.log.append("victim passed p1")
            await explorer.point("p2")
        world.log.append(f"victim left its scope, cancelled={world.scope.cancelled_caught}")
        await explorer.point("after-scope")

    async def canceller() -> None:
        await explorer.point("cancel")
        world.scope.cancel()
        world.log.append("canceller cancelled")
        await explorer.point("after-cancel")

    handles = [explorer.spawn(victim, name="victim/v"), explorer.spawn(canceller, name="c/c")]
    for handle in handles:
        await handle.join()


def test_a_cancel_is_delivered_at_the_victims_next_release() -> None:
    # Decision 1 is the victim's p1: switch to the canceller, which then runs to its end.
    world, trace = run_world(cancel_at_a_point, [0, 1])
    assert world.log == [
        "canceller cancelled",
        "victim left its scope, cancelled=True",
    ]
    # The cancel did not wake the victim: the canceller went on to its next point first.
    order = [(s.task, s.label) for s in trace.steps if s.task != "main"]
    assert order == [
        ("victim/v", "p1"),
        ("c/c", "cancel"),
        ("c/c", "after-cancel"),
        ("c/c", "finish"),
        ("victim/v", "after-scope"),
        ("victim/v", "finish"),
    ]


def test_a_cancel_issued_before_the_victim_runs_lands_at_its_first_point() -> None:
    # Decision 0 (main joins) picks the canceller first.
    world, trace = run_world(cancel_at_a_point, [1])
    assert world.log == ["canceller cancelled", "victim left its scope, cancelled=True"]
    assert labels_of(trace, "victim/v") == ["p1", "after-scope", "finish"]


def test_without_a_switch_the_cancel_comes_too_late_to_matter() -> None:
    world, _ = run_world(cancel_at_a_point, [])
    assert world.log == [
        "victim passed p1",
        "victim left its scope, cancelled=False",
        "canceller cancelled",
    ]


async def cancel_a_blocked_wait(world: World) -> None:
    never = explorer.Event("never")

    async def victim() -> None:
        with world.scope:
            await never.wait()
        world.log.append(f"victim woke, cancelled={world.scope.cancelled_caught}")

    async def canceller() -> None:
        await explorer.point("cancel")
        world.scope.cancel()
        assert world.victim is not None
        world.log.append(f"after cancel the victim waits on {world.victim.waits_on!r}")
        await explorer.point("after-cancel")

    world.victim = explorer.spawn(victim, name="victim/v")
    helper = explorer.spawn(canceller, name="c/c")
    await world.victim.join()
    await helper.join()


def test_a_cancelled_wait_becomes_enabled_and_runs_only_when_picked() -> None:
    world, trace = run_world(cancel_a_blocked_wait, [])
    assert world.log == [
        "after cancel the victim waits on ''",
        "victim woke, cancelled=True",
    ]
    assert trace.outcome.kind is OutcomeKind.PASS
    canceller_done = next(s.index for s in trace.steps if s.task == "c/c" and s.label == "finish")
    victim_done = next(s.index for s in trace.steps if s.task == "victim/v" and s.label == "finish")
    assert canceller_done < victim_done


async def cancel_a_blocking_syscall(world: World) -> None:
    async def victim() -> None:
        waker = explorer.waker()
        world.log.append("victim blocks in sys.read")
        handle_waker.append(waker)
        with world.scope:
            data = await explorer.block("sys.read", "fd 3", cancellable=False)
            world.log.append(f"sys.read returned {data!r}")
            await explorer.point("after-read")
            world.log.append("victim passed the point after the read")

    async def other() -> None:
        await explorer.point("cancel")
        world.scope.cancel()
        await explorer.point("deliver")
        handle_waker[0].wake(b"data")

    handle_waker: list[explorer.Waker] = []
    handles = [explorer.spawn(victim, name="victim/v"), explorer.spawn(other, name="k/kernel")]
    for handle in handles:
        await handle.join()


def test_a_non_cancellable_block_returns_only_through_its_wake() -> None:
    world, trace = run_world(cancel_a_blocking_syscall, [])
    assert trace.outcome.kind is OutcomeKind.PASS
    # The cancel did not end the read; it landed at the first point after the read returned.
    assert world.log == ["victim blocks in sys.read", "sys.read returned b'data'"]


async def cancel_after_a_lock_handoff(world: World) -> None:
    lock = explorer.Lock("L")

    async def first_waiter() -> None:
        with world.scope:
            async with lock:
                await explorer.point("use")
        world.log.append("first waiter done")

    async def second_waiter() -> None:
        async with lock:
            world.log.append("second waiter got the lock")

    await lock.acquire()
    handles = [
        explorer.spawn(first_waiter, name="w1/lock"),
        explorer.spawn(second_waiter, name="w2/lock"),
    ]
    await explorer.sleep(1.0)  # both waiters queue on the lock; the timer is then forced
    await lock.release()  # wakes the first waiter
    world.scope.cancel()  # before the first waiter has run on
    for handle in handles:
        await handle.join()


def test_a_wake_delivered_before_a_cancel_is_not_lost() -> None:
    # Under the default schedule: main holds L, both waiters queue, main releases L (waking the
    # first waiter) and then cancels the first waiter's scope before it runs. Trio's rule is that
    # a woken wait returns normally and the cancel lands at the next checkpoint, so the first
    # waiter takes L, is cancelled at "use", releases L, and the second waiter gets it.
    world, trace = run_world(cancel_after_a_lock_handoff, [])
    assert trace.outcome.kind is OutcomeKind.PASS, trace.outcome.headline()
    assert "second waiter got the lock" in world.log
