"""Virtual time: sleeps wake in deadline order, equal deadlines fire in creation order, and the
clock is advanced only by firing a timer (a choice while tasks are enabled, forced otherwise)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import pytest

import explorer
from explorer.records import TIMER, OutcomeKind, Settings, Trace
from explorer.sources import PrechosenChoices, SeededRandomSource
from models.litmus import early_timeout

SEEDS = range(40)


def model_of(main: Callable[[list[Any]], Awaitable[None]]) -> explorer.Model:
    """A one-variant model whose world is a fresh list the model appends observations to."""
    return explorer.Model("inline", "", (("v", ""),), lambda variant, scenario: [], main)


def timer_steps(trace: Trace) -> list[tuple[str, float]]:
    return [(s.detail, s.time) for s in trace.steps if s.tid == TIMER]


async def two_sleepers(world: list[Any]) -> None:
    async def sleeper(name: str, seconds: float) -> None:
        await explorer.sleep(seconds)
        world.append((name, explorer.now()))

    slow = explorer.spawn(sleeper, "slow", 2.0, name="slow/sleep")
    fast = explorer.spawn(sleeper, "fast", 1.0, name="fast/sleep")
    await slow.join()
    await fast.join()


@pytest.mark.parametrize("seed", SEEDS)
def test_each_sleep_ends_exactly_its_duration_after_it_began_under_any_schedule(seed: int) -> None:
    trace = explorer.run(model_of(two_sleepers), "v", None, SeededRandomSource(seed)).trace()
    assert trace.outcome.kind is OutcomeKind.PASS
    began = {s.task: s.time for s in trace.steps if s.label == "sleep"}
    fired = {detail.split(" ")[0]: time for detail, time in timer_steps(trace)}
    assert fired["slow/sleep"] == began["slow/sleep"] + 2.0
    assert fired["fast/sleep"] == began["fast/sleep"] + 1.0
    times = [time for _, time in timer_steps(trace)]
    assert times == sorted(times)


def test_under_the_default_schedule_the_shorter_sleep_wakes_first() -> None:
    world: list[Any] = []
    model = explorer.Model("inline", "", (("v", ""),), lambda v, s: world, two_sleepers)
    explorer.run(model, "v", None, PrechosenChoices(()))
    assert world == [("fast", 1.0), ("slow", 2.0)]


def appender(world: list[Any], item: str) -> Callable[[], None]:
    return lambda: world.append(item)


async def busy_worker() -> None:
    for i in range(5):
        await explorer.point("work", str(i))


async def same_deadline_timers(world: list[Any]) -> None:
    # Made without a point in between, so no timer can fire before all are made.
    explorer.call_later(3.0, "later", appender(world, "later"))
    for name in ("e", "b", "d", "a", "c"):
        explorer.call_later(2.0, name, appender(world, name))
    await explorer.spawn(busy_worker, name="worker/busy").join()
    await explorer.sleep(5.0)


@pytest.mark.parametrize("seed", SEEDS)
def test_timers_with_equal_deadlines_fire_in_creation_order(seed: int) -> None:
    world: list[Any] = []
    model = explorer.Model("inline", "", (("v", ""),), lambda v, s: world, same_deadline_timers)
    result = explorer.run(model, "v", None, SeededRandomSource(seed))
    assert result.outcome.kind is OutcomeKind.PASS
    assert world == ["e", "b", "d", "a", "c", "later"]


async def deadline_reached_twice(world: list[Any]) -> None:
    async def late_setter() -> None:
        await explorer.sleep(1.0)
        explorer.call_later(1.0, "d (made at t=1)", appender(world, "d"))

    explorer.call_later(3.0, "later", appender(world, "later"))
    for name in "abc":
        explorer.call_later(2.0, f"{name} (made at t=0)", appender(world, name))
    await explorer.spawn(late_setter, name="setter/arm").join()
    await explorer.sleep(5.0)


def test_a_timer_made_later_for_the_same_deadline_fires_after_the_earlier_ones() -> None:
    world: list[Any] = []
    model = explorer.Model("inline", "", (("v", ""),), lambda v, s: world, deadline_reached_twice)
    trace = explorer.run(model, "v", None, PrechosenChoices(())).trace()
    assert world == ["a", "b", "c", "d", "later"]
    assert [t for _, t in timer_steps(trace)] == [1.0, 2.0, 2.0, 2.0, 2.0, 3.0, 6.0]


def test_a_timer_is_forced_when_no_task_is_enabled() -> None:
    async def main(world: list[Any]) -> None:
        world.append(explorer.now())
        await explorer.sleep(1.5)
        world.append(explorer.now())

    world: list[Any] = []
    model = explorer.Model("inline", "", (("v", ""),), lambda v, s: world, main)
    trace = explorer.run(model, "v", None, PrechosenChoices(())).trace()
    assert world == [0.0, 1.5]
    assert timer_steps(trace) == [("main sleep 1.5s", 1.5)]
    # Nothing else could run, so no step offered a choice.
    assert all(step.decision is None for step in trace.steps)


class OptionsSeen(PrechosenChoices):
    """The default schedule, keeping a copy of every set of options offered."""

    def __init__(self) -> None:
        super().__init__(())
        self.seen: list[list[int]] = []

    def choose(self, options: Sequence[int], step: int) -> int:
        self.seen.append(list(options))
        return super().choose(options, step)


def test_a_pending_timer_is_the_last_option_of_every_decision_while_tasks_run() -> None:
    source = OptionsSeen()
    trace = explorer.run(early_timeout.MODEL, "timeout", None, source).trace()
    # Step 0: main joins before the waiter has armed its timeout; from the waiter's first point
    # until the timeout is disarmed, every decision offers the timer last.
    assert len(source.seen[1:]) >= 6
    assert all(options[-1] == TIMER for options in source.seen[1:])
    assert TIMER not in source.seen[0]
    # Under the default schedule the timer is never fired early, so the waiter does not time out.
    assert trace.outcome.kind is OutcomeKind.PASS
    assert timer_steps(trace) == []


def test_under_the_idle_policy_a_timer_is_never_an_option_while_a_task_can_run() -> None:
    source = OptionsSeen()
    settings = Settings(timers="idle")
    trace = explorer.run(early_timeout.MODEL, "timeout", None, source, settings).trace()
    assert source.seen and all(TIMER not in options for options in source.seen)
    assert trace.settings.timers == "idle"
    assert trace.outcome.kind is OutcomeKind.PASS


@pytest.mark.parametrize("seed", SEEDS)
def test_the_idle_policy_never_lets_the_early_timeout_fire(seed: int) -> None:
    settings = Settings(timers="idle")
    result = explorer.run(early_timeout.MODEL, "timeout", None, SeededRandomSource(seed), settings)
    assert result.outcome.kind is OutcomeKind.PASS
    assert not result.trace().early_timers


def test_an_early_timer_is_recorded_as_such() -> None:
    trace = explorer.run(early_timeout.MODEL, "timeout", None, PrechosenChoices([0, 2])).trace()
    assert [s.detail for s in trace.early_timers] == ["waiter timeout 1s"]


def test_firing_the_timer_early_is_a_choice_that_moves_time_forward() -> None:
    # Decision 1 (the waiter's first point) offers [waiter, setter, TIMER]: take the timer.
    trace = explorer.run(early_timeout.MODEL, "timeout", None, PrechosenChoices([0, 2])).trace()
    assert trace.steps[1].decision is not None
    assert trace.steps[1].decision.chosen == TIMER
    assert (trace.steps[2].label, trace.steps[2].detail) == ("timer", "waiter timeout 1s")
    assert trace.steps[2].time == 1.0
    assert trace.outcome.invariant == "waiter_did_not_time_out"


def test_a_timeout_fires_by_itself_when_the_only_task_waits_forever() -> None:
    async def main(world: list[Any]) -> None:
        never = explorer.Event("never")
        with explorer.move_on_after(0.5) as scope:
            await never.wait()
        world.append((scope.cancelled_caught, explorer.now()))

    world: list[Any] = []
    model = explorer.Model("inline", "", (("v", ""),), lambda v, s: world, main)
    result = explorer.run(model, "v", None, PrechosenChoices(()))
    assert result.outcome.kind is OutcomeKind.PASS
    assert world == [(True, 0.5)]
