"""Hostile models end their run: busy loops, blocking calls, raw Trio checkpoints and every kind of
BaseException raised in a task. Each test has a wall bound enforced by pytest-timeout, so a hang
fails the test instead of stalling the suite."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import trio

import explorer
from explorer.records import OutcomeKind, Settings
from explorer.sources import PrechosenChoices

#: The watchdog and Ctrl-C send SIGINT to the process, which ends a pytest-xdist worker:
#: these run in a process of their own (``.ci/run`` runs this folder without ``-n``).
pytestmark = pytest.mark.skipif("PYTEST_XDIST_WORKER" in os.environ,
                                reason="SIGINT ends an xdist worker; run without -n")

#: Short enough for a test, long enough that a loaded machine never trips it by mistake.
WATCHDOG = Settings(watchdog_seconds=1.0)


class Custom(BaseException):
    """A BaseException of the model's own."""


def model_of(main: Callable[[dict[str, Any]], Awaitable[None]]) -> explorer.Model:
    return explorer.Model("hostile", "", (("v", ""),), lambda variant, scenario: {}, main)


def with_bystander(body: Callable[[dict[str, Any]], Awaitable[None]]
                   ) -> Callable[[dict[str, Any]], Awaitable[None]]:
    """main starts a well-behaved task first, then the hostile one: teardown must unwind it."""

    async def bystander(world: dict[str, Any]) -> None:
        try:
            for _ in range(100):
                await explorer.point("tick")
        finally:
            world["bystander unwound"] = True

    async def main(world: dict[str, Any]) -> None:
        calm = explorer.spawn(bystander, world, name="bystander")
        await explorer.point("spawned")
        hostile = explorer.spawn(body, world, name="hostile")
        await hostile.join()
        await calm.join()

    return main


async def busy_loop(world: dict[str, Any]) -> None:
    await explorer.point("start")
    while True:
        pass


async def blocked_event(world: dict[str, Any]) -> None:
    await explorer.point("start")
    threading.Event().wait()


async def blocked_lock(world: dict[str, Any]) -> None:
    await explorer.point("start")
    lock = threading.Lock()
    lock.acquire()
    lock.acquire()


async def wall_sleep(world: dict[str, Any]) -> None:
    await explorer.point("start")
    time.sleep(30)


async def raw_trio_checkpoints(world: dict[str, Any]) -> None:
    await explorer.point("start")
    while True:
        await trio.sleep(0)


def run(body: Callable[[dict[str, Any]], Awaitable[None]]) -> tuple[explorer.RunResult,
                                                                   dict[str, Any]]:
    world: dict[str, Any] = {}
    model = explorer.Model("hostile", "", (("v", ""),), lambda variant, scenario: world,
                           with_bystander(body))
    # Choices: main spawns, then lets the bystander take a step, then runs the hostile task.
    return explorer.run(model, "v", None, PrechosenChoices(()), WATCHDOG), world


@pytest.mark.timeout(20, method="thread")
@pytest.mark.parametrize("body", [busy_loop, blocked_event, blocked_lock, wall_sleep],
                         ids=lambda f: f.__name__)
def test_a_task_that_never_yields_is_stopped_by_the_watchdog(body: Any) -> None:
    result, world = run(body)
    outcome = result.outcome
    assert outcome.kind is OutcomeKind.UNCONTROLLED
    assert "task hostile did not yield for" in outcome.message
    assert "seconds of wall time" in outcome.message
    assert world.get("bystander unwound") is True


@pytest.mark.timeout(20, method="thread")
def test_the_watchdog_also_stops_a_busy_loop_in_another_thread() -> None:
    results: list[explorer.RunResult] = []
    worker = threading.Thread(target=lambda: results.append(run(busy_loop)[0]), daemon=True)
    worker.start()
    worker.join(15)
    assert not worker.is_alive()
    assert results[0].outcome.kind is OutcomeKind.UNCONTROLLED


@pytest.mark.timeout(20, method="thread")
def test_raw_trio_checkpoints_are_uncontrolled_at_the_first_one() -> None:
    result, world = run(raw_trio_checkpoints)
    assert result.outcome.kind is OutcomeKind.UNCONTROLLED
    assert "awaited a Trio primitive" in result.outcome.message
    assert world.get("bystander unwound") is True


def raising(exc: BaseException) -> Callable[[dict[str, Any]], Awaitable[None]]:
    async def body(world: dict[str, Any]) -> None:
        await explorer.point("start")
        raise exc

    return body


@pytest.mark.timeout(20, method="thread")
@pytest.mark.parametrize("exc", [KeyboardInterrupt(), SystemExit(3)], ids=repr)
def test_an_interrupt_in_a_task_tears_the_run_down_and_propagates(exc: BaseException) -> None:
    with pytest.raises(type(exc)):
        run(raising(exc))
    world: dict[str, Any] = {}
    model = explorer.Model("hostile", "", (("v", ""),), lambda variant, scenario: world,
                           with_bystander(raising(exc)))
    with pytest.raises(type(exc)):
        explorer.run(model, "v", None, PrechosenChoices(()), WATCHDOG)
    assert world["bystander unwound"] is True


@pytest.mark.timeout(20, method="thread")
@pytest.mark.parametrize("exc", [Custom("own"), GeneratorExit()], ids=repr)
def test_another_base_exception_in_a_task_is_a_crash_of_that_task(exc: BaseException) -> None:
    result, world = run(raising(exc))
    assert result.outcome.kind is OutcomeKind.CRASH
    assert "(in task hostile)" in result.outcome.message
    assert world["bystander unwound"] is True


@pytest.mark.timeout(20, method="thread")
def test_a_ctrl_c_that_the_model_swallows_still_stops_the_run() -> None:
    async def swallow(world: dict[str, Any]) -> None:
        while True:
            try:
                await explorer.point("start")
                threading.Event().wait()  # a real SIGINT (below) interrupts this wait
            except KeyboardInterrupt:
                world["swallowed"] = True

    def ctrl_c() -> None:
        time.sleep(0.3)
        signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGINT)

    threading.Thread(target=ctrl_c, daemon=True).start()
    world: dict[str, Any] = {}
    model = explorer.Model("hostile", "", (("v", ""),), lambda variant, scenario: world, swallow)
    with pytest.raises(KeyboardInterrupt):
        explorer.run(model, "v", None, PrechosenChoices(()), Settings(watchdog_seconds=30))
    assert world["swallowed"] is True


async def one_point(world: dict[str, Any]) -> None:
    await explorer.point("p")


async def ten_thousand_tasks(world: dict[str, Any]) -> None:
    tasks = [explorer.spawn(one_point, world, name=f"t{i}") for i in range(10_000)]
    for task in tasks:
        await task.join()


@pytest.mark.timeout(60, method="thread")
def test_ten_thousand_tasks_of_one_point_each_finish_and_pass() -> None:
    result = explorer.run(model_of(ten_thousand_tasks), "v", None, PrechosenChoices(()),
                          Settings(max_steps=100_000))
    assert result.outcome.kind is OutcomeKind.PASS


@pytest.mark.timeout(60, method="thread")
def test_a_step_bound_on_a_long_run_that_is_still_advancing_is_not_called_a_livelock() -> None:
    result = explorer.run(model_of(ten_thousand_tasks), "v", None, PrechosenChoices(()))
    assert result.outcome.kind is OutcomeKind.STEP_BOUND
    assert "still making progress" in result.outcome.message
    assert "livelock" not in result.outcome.message
