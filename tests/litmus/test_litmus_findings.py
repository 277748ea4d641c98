"""The litmus corpus under search: each known race is found and shrunk, each fixed variant
passes after a search that really explored."""

from __future__ import annotations

from itertools import groupby

import pytest

import explorer
from explorer.exploration import Exploration, SearchSettings, explore
from explorer.records import TIMER, BlockedTask, OutcomeKind, Settings, Trace
from explorer.sources import PrechosenChoices
from models.litmus import (
    cancel_window,
    crash,
    early_timeout,
    lock_order,
    lost_update,
    spin,
    unset_event,
)

EXAMPLES = 500
SEED = 0


def search(model: explorer.Model, variant: str, examples: int = EXAMPLES,
           settings: Settings | None = None) -> Exploration:
    return explore(model, variant, settings=SearchSettings(
        max_examples=examples, seed=SEED, run=settings or Settings()))


def finding_of(model: explorer.Model, variant: str, settings: Settings | None = None) -> Trace:
    exploration = search(model, variant, settings=settings)
    assert exploration.finding is not None, exploration.summary()
    return exploration.finding.trace


def switches_between(trace: Trace, tasks: set[str]) -> int:
    """How often the running task changes from one of ``tasks`` to another of them."""
    runs = [task for task, _ in groupby(s.task for s in trace.steps if s.task in tasks)]
    return len(runs) - 1


def test_lost_update_with_two_tasks_shrinks_to_one_preemption_and_two_switches() -> None:
    trace = finding_of(lost_update.MODEL, "two")
    assert trace.outcome.invariant == "no_lost_update"
    assert trace.outcome.message == "counter is 1 after 2 increments"
    # One preemption (t1 -> t2 between t1's read and write); the switch back when t2 finishes
    # is not a choice. The schedule with no preemption passes, so one is the minimum.
    assert trace.preemptions == 1
    assert switches_between(trace, {"t1/increment", "t2/increment"}) == 2
    no_switch = explorer.run(lost_update.MODEL, "two", None, PrechosenChoices(()))
    assert no_switch.outcome.kind is OutcomeKind.PASS


def test_lost_update_with_three_tasks_is_found() -> None:
    trace = finding_of(lost_update.MODEL, "three")
    assert trace.outcome.invariant == "no_lost_update"
    assert trace.outcome.message.startswith("counter is ")


def test_lock_order_deadlock_is_found_and_names_both_tasks_and_their_waits() -> None:
    trace = finding_of(lock_order.MODEL, "opposite")
    assert trace.outcome.kind is OutcomeKind.DEADLOCK
    blocked = set(trace.outcome.blocked)
    assert {
        BlockedTask("t1/lock-ab", "lock B held by t2/lock-ba"),
        BlockedTask("t2/lock-ba", "lock A held by t1/lock-ab"),
    } <= blocked
    assert "t1/lock-ab" in trace.outcome.headline()
    assert "t2/lock-ba" in trace.outcome.headline()


def test_an_event_nobody_sets_is_found_as_a_deadlock_of_its_waiter() -> None:
    trace = finding_of(unset_event.MODEL, "forever")
    assert trace.outcome.kind is OutcomeKind.DEADLOCK
    assert trace.outcome.blocked == (BlockedTask("waiter/wait-ready", "event ready"),)
    assert trace.preemptions == 0


def test_the_early_timeout_is_found_by_firing_the_timer_while_a_task_is_enabled() -> None:
    trace = finding_of(early_timeout.MODEL, "timeout")
    assert trace.outcome.invariant == "waiter_did_not_time_out"
    timer = next(s for s in trace.steps if s.tid == TIMER)
    assert timer.detail == "waiter timeout 1s"
    # The timer fired by choice (never by default) while the waiter could still run on.
    before = trace.steps[timer.index - 1].decision
    assert before is not None
    assert before.chosen == TIMER
    assert before.default != TIMER and before.is_early_timer


def test_the_cancel_landing_between_claim_and_release_is_found() -> None:
    trace = finding_of(cancel_window.MODEL, "plain")
    assert trace.outcome.invariant == "slot_released"
    steps = [(s.task, s.label) for s in trace.steps]
    commit = steps.index(("victim/use-slot", "commit"))
    cancel = steps.index(("canceller/cancel", "cancel"))
    victim_next = next(
        i for i, (task, _) in enumerate(steps) if i > commit and task == "victim/use-slot"
    )
    # The canceller ran its cancel while the victim was parked at "commit".
    assert commit < cancel < victim_next
    assert trace.preemptions == 1


def test_the_crash_is_found_with_the_models_traceback() -> None:
    trace = finding_of(crash.MODEL, "unchecked")
    assert trace.outcome.kind is OutcomeKind.CRASH
    assert trace.outcome.traceback is not None
    assert "crash.py" in trace.outcome.traceback
    # One switch, made when main blocked in its join: a free switch, not a preemption.
    assert (trace.switches, trace.preemptions) == (1, 0)


def test_the_spin_is_found_as_a_step_bound_naming_the_poller() -> None:
    trace = finding_of(spin.MODEL, "forever", settings=Settings(max_steps=50))
    assert trace.outcome.kind is OutcomeKind.STEP_BOUND
    assert "poller/spin" in trace.outcome.message


@pytest.mark.parametrize(
    ("model", "variant"),
    [
        (lost_update.MODEL, "locked"),
        (lock_order.MODEL, "ordered"),
        (unset_event.MODEL, "daemon"),
        (early_timeout.MODEL, "no-timeout"),
        (cancel_window.MODEL, "finally"),
    ],
    ids=["lost-update-locked", "lock-order-ordered", "unset-event-daemon",
         "early-timeout-no-timeout", "cancel-window-finally"],
)
def test_fixed_variants_pass_a_real_search(model: explorer.Model, variant: str) -> None:
    exploration = search(model, variant, examples=300)
    assert exploration.finding is None, exploration.summary()
    assert exploration.examples > 0
    assert exploration.steps > exploration.examples  # every example ran the model
