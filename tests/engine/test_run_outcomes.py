"""How a run ends: step bound, crash, deadlock, a task lost in a raw Trio primitive, and the
step limit of ``Settings``."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import trio

import explorer
from explorer.records import BlockedTask, OutcomeKind, Settings
from explorer.sources import PrechosenChoices
from models.litmus import crash, lock_order, spin, unset_event


def model_of(main: Callable[[Any], Awaitable[None]]) -> explorer.Model:
    """A one-variant model whose world is a fresh dict."""
    return explorer.Model("inline", "", (("v", ""),), lambda variant, scenario: {}, main)


def test_step_bound_is_a_step_bound_outcome_naming_the_spinning_task() -> None:
    result = explorer.run(spin.MODEL, "forever", None, PrechosenChoices(()), Settings(max_steps=60))
    outcome = result.outcome
    assert outcome.kind is OutcomeKind.STEP_BOUND
    assert "poller/spin at poll" in outcome.message
    assert "livelock" in outcome.headline()


def test_exception_is_a_crash_carrying_the_models_traceback() -> None:
    # Choice 1 at the first decision starts the consumer before the producer has put.
    result = explorer.run(crash.MODEL, "unchecked", None, PrechosenChoices([1]))
    outcome = result.outcome
    assert outcome.kind is OutcomeKind.CRASH
    assert outcome.message == "IndexError: pop from an empty deque (in task consumer/take)"
    lines, first = inspect.getsourcelines(crash.consumer)
    popleft_line = first + next(i for i, text in enumerate(lines) if "popleft" in text)
    assert outcome.traceback is not None
    assert f'crash.py", line {popleft_line}, in consumer' in outcome.traceback
    assert outcome.traceback.rstrip().endswith("IndexError: pop from an empty deque")


def test_the_default_schedule_of_the_crash_model_passes() -> None:
    result = explorer.run(crash.MODEL, "unchecked", None, PrechosenChoices(()))
    assert result.outcome.kind is OutcomeKind.PASS


def test_deadlock_lists_every_blocked_task_with_what_it_waits_on() -> None:
    # t1 takes A; a switch at its "work" point lets t2 take B; then each waits for the other.
    result = explorer.run(lock_order.MODEL, "opposite", None, PrechosenChoices([0, 0, 1]))
    outcome = result.outcome
    assert outcome.kind is OutcomeKind.DEADLOCK
    assert outcome.blocked == (
        BlockedTask("main", "task t1/lock-ab to finish"),
        BlockedTask("t1/lock-ab", "lock B held by t2/lock-ba"),
        BlockedTask("t2/lock-ba", "lock A held by t1/lock-ab"),
    )
    assert outcome.message == "main, t1/lock-ab, t2/lock-ba can never finish"


def test_a_blocked_daemon_is_listed_but_does_not_make_a_deadlock() -> None:
    forever = explorer.run(unset_event.MODEL, "forever", None, PrechosenChoices(()))
    assert forever.outcome.kind is OutcomeKind.DEADLOCK
    assert forever.outcome.blocked == (BlockedTask("waiter/wait-ready", "event ready"),)
    daemon = explorer.run(unset_event.MODEL, "daemon", None, PrechosenChoices(()))
    assert daemon.outcome.kind is OutcomeKind.PASS


def test_a_task_waiting_on_a_raw_trio_event_has_left_the_engines_control() -> None:
    async def main(world: dict[str, Any]) -> None:
        await explorer.point("before")
        await trio.Event().wait()  # outside the engine: nothing can ever wake it

    result = explorer.run(model_of(main), "v", None, PrechosenChoices(()))
    assert result.outcome.kind is OutcomeKind.UNCONTROLLED
    assert "task main called trio" in result.outcome.message
    assert "explorer.point" in result.outcome.message


def test_a_task_sleeping_on_trios_real_clock_is_reported_without_waiting() -> None:
    async def main(world: dict[str, Any]) -> None:
        async def sleeper() -> None:
            await trio.sleep(3600)  # real time: would hang the run for an hour

        await explorer.spawn(sleeper, name="sleeper/raw").join()

    result = explorer.run(model_of(main), "v", None, PrechosenChoices(()))
    assert result.outcome.kind is OutcomeKind.UNCONTROLLED
    assert "task sleeper/raw called trio" in result.outcome.message


def test_a_task_yielding_a_foreign_awaitable_has_left_the_engines_control() -> None:
    class Foreign:
        def __await__(self) -> Any:
            yield "something only another event loop understands"

    async def main(world: dict[str, Any]) -> None:
        await Foreign()

    result = explorer.run(model_of(main), "v", None, PrechosenChoices(()))
    assert result.outcome.kind is OutcomeKind.UNCONTROLLED
    assert result.outcome.message.startswith("task main awaited a")


def test_a_long_run_cut_by_the_bound_is_not_called_a_livelock() -> None:
    async def main(world: dict[str, Any]) -> None:
        async def one_point() -> None:
            await explorer.point("only")

        for i in range(200):
            explorer.spawn(one_point, name=f"t{i}/one")

    result = explorer.run(model_of(main), "v", None, PrechosenChoices(()), Settings(max_steps=100))
    assert result.outcome.kind is OutcomeKind.STEP_BOUND
    assert result.outcome.message.startswith("the run was still making progress")
    assert "livelock" not in result.outcome.headline()


def points_model(count: int) -> explorer.Model:
    async def main(world: dict[str, Any]) -> None:
        for i in range(count):
            await explorer.point("tick", str(i))

    return model_of(main)


def test_max_steps_stops_the_run_at_the_first_step_beyond_the_bound() -> None:
    settings = Settings(max_steps=30)
    result = explorer.run(points_model(100), "v", None, PrechosenChoices(()), settings)
    assert result.outcome.kind is OutcomeKind.STEP_BOUND
    assert result.outcome.step == 30
    assert result.steps == 31
    assert "main at tick" in result.outcome.message


def test_a_run_of_exactly_max_steps_steps_passes() -> None:
    # 30 points and the finish step make 31 steps.
    result = explorer.run(points_model(30), "v", None, PrechosenChoices(()), Settings(max_steps=31))
    assert result.outcome.kind is OutcomeKind.PASS
    assert result.steps == 31


def test_timer_steps_count_towards_the_step_bound() -> None:
    # A timer callback that re-arms itself keeps the clock busy with no task enabled: a
    # livelock in virtual time, which the step bound must stop like any other.
    fired = []

    async def main(world: dict[str, Any]) -> None:
        def tick() -> None:
            fired.append(explorer.now())
            if len(fired) < 1000:
                explorer.call_later(1.0, "tick", tick)

        explorer.call_later(1.0, "tick", tick)

    result = explorer.run(model_of(main), "v", None, PrechosenChoices(()), Settings(max_steps=100))
    assert result.outcome.kind is OutcomeKind.STEP_BOUND
    assert result.steps <= 101


def test_an_exception_in_a_timer_callback_is_a_model_crash() -> None:
    async def main(world: dict[str, Any]) -> None:
        explorer.call_later(1.0, "expire", lambda: world["session"].close())
        await explorer.sleep(2.0)

    result = explorer.run(model_of(main), "v", None, PrechosenChoices(()))
    assert result.outcome.kind is OutcomeKind.CRASH
    assert "KeyError" in result.outcome.message
    assert result.outcome.traceback is not None
    assert "test_run_outcomes.py" in result.outcome.traceback


@pytest.mark.parametrize("returned", [True, False, 0, "", ["broken"]], ids=repr)
@pytest.mark.parametrize("at", ["step", "quiescence"])
def test_an_invariant_returning_anything_but_none_or_a_message_is_a_crash_saying_so(
        returned: object, at: str) -> None:
    def sloppy(world: Any) -> str | None:
        return returned  # type: ignore[return-value]

    sloppy.__doc__ = "Returns what the test gives it."
    async def main(world: Any) -> None:
        await explorer.point("p")

    model = explorer.Model("inline", "", (("v", ""),), lambda variant, scenario: {}, main,
                           (explorer.invariant(at=at)(sloppy),))  # type: ignore[call-overload]
    outcome = explorer.run(model, "v", None, PrechosenChoices(())).outcome
    assert outcome.kind is OutcomeKind.CRASH
    assert f"invariant sloppy returned {returned!r}" in outcome.message
    assert "returns None when it holds, or a non-empty string" in outcome.message
