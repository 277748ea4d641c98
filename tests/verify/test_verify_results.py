"""Known results of ``verify``: each litmus race at its minimal bound, the fixed variants
complete and clean, the summary lines, the budget, determinism and bad input."""

from __future__ import annotations

import pytest
from verify_support import generate

import explorer
from explorer.errors import NondeterministicModelError, UnknownModelError, UserError
from explorer.records import OutcomeKind, Settings
from explorer.sources import ReplaySource
from explorer.verify import BoundCount, verify
from models.litmus import MODELS

BY_NAME = {m.name: m for m in MODELS}

# Why each bound is the smallest (a switch after a task blocks or finishes is free; main
# blocks in its first join, so which worker starts is a free choice):
# - lost update: without a preemption each worker runs read-then-write alone; one preemption
#   between a read and its write lets the other worker overwrite it.
# - lock order: t1 must be preempted while holding A so that t2 can take B (then both block).
# - unset event: nobody sets the event, whatever the schedule.
# - early timeout: the timeout can fire only while the setter can still run (an early timer).
# - cancel window: the canceller must run while the victim, which never blocks, sits between
#   its claim and its release: one preemption.
# - order violation: A must be preempted past its middle for B to start, and B past its
#   middle for C to start, both still unfinished when C reaches its middle: two.
# - crash: the consumer may start first by a free choice and pop the empty inbox.
# - spin: the poller never stops; the first schedule already hits the step bound.
KNOWN = [
    ("litmus.lost-update", "two", 1, OutcomeKind.VIOLATION, "no_lost_update"),
    ("litmus.lost-update", "three", 1, OutcomeKind.VIOLATION, "no_lost_update"),
    ("litmus.lock-order", "opposite", 1, OutcomeKind.DEADLOCK, None),
    ("litmus.unset-event", "forever", 0, OutcomeKind.DEADLOCK, None),
    ("litmus.early-timeout", "timeout", 1, OutcomeKind.VIOLATION, "waiter_did_not_time_out"),
    ("litmus.cancel-window", "plain", 1, OutcomeKind.VIOLATION, "slot_released"),
    ("litmus.order-violation", "racy", 2, OutcomeKind.VIOLATION, "stages_not_staggered"),
    ("litmus.crash", "unchecked", 0, OutcomeKind.CRASH, None),
    ("litmus.spin", "forever", 0, OutcomeKind.STEP_BOUND, None),
]
FIXED = [("litmus.lost-update", "locked"), ("litmus.lock-order", "ordered"),
         ("litmus.unset-event", "daemon"), ("litmus.early-timeout", "no-timeout"),
         ("litmus.cancel-window", "finally")]


def settings_for(name: str) -> Settings | None:
    return Settings(max_steps=60) if name == "litmus.spin" else None


@pytest.mark.parametrize(("name", "variant", "bound", "kind", "invariant"), KNOWN,
                         ids=[f"{n}-{v}" for n, v, *_ in KNOWN])
def test_each_litmus_race_is_found_at_its_minimal_bound(
        name: str, variant: str, bound: int, kind: OutcomeKind, invariant: str | None) -> None:
    model = BY_NAME[name]
    # Order violation's bound 2 has 11,435 schedules, more than the default budget.
    result = verify(model, variant, preemptions=3, settings=settings_for(name), budget=20_000)
    assert result.finding is not None
    assert (result.finding_bound, result.bound, result.complete) == (bound, bound, True)
    assert (result.finding.outcome.kind, result.finding.outcome.invariant) == (kind, invariant)
    # The search stopped at the end of the finding's bound.
    assert [c.bound for c in result.per_bound] == list(range(bound + 1))
    decisions = result.finding.decisions
    assert sum(d.is_preemption or d.is_early_timer for d in decisions) == bound
    replay = explorer.run(model, variant, None, ReplaySource(decisions, {}),
                          result.finding.settings)
    assert replay.outcome == result.finding.outcome


@pytest.mark.parametrize(("name", "variant"), FIXED, ids=[f"{n}-{v}" for n, v in FIXED])
def test_each_fixed_variant_is_complete_and_clean_to_two_preemptions(name: str,
                                                                     variant: str) -> None:
    result = verify(BY_NAME[name], variant, preemptions=2)
    assert result.finding is None and result.complete and result.bound == 2
    assert result.summary().startswith("complete to 2 preemptions: ")
    assert result.schedules == sum(c.schedules for c in result.per_bound) > 2


def test_summary_of_a_clean_verification() -> None:
    result = verify(BY_NAME["litmus.lost-update"], "locked", preemptions=1)
    assert result.per_bound == (BoundCount(0, 13, 0), BoundCount(1, 250, 0))
    assert result.summary() == "complete to 1 preemption: 263 schedules (0 pruned)"


def test_summary_counts_what_the_reduction_pruned() -> None:
    result = verify(generate(23).model, "only", preemptions=0)
    assert result.finding is None and result.pruned == 0
    clean = verify(generate(75).model, "only", preemptions=2)
    full = verify(generate(75).model, "only", preemptions=2, reduction=False)
    assert clean.finding is None and clean.pruned > 0 and full.pruned == 0
    assert clean.schedules < full.schedules
    assert clean.summary() == (f"complete to 2 preemptions: {clean.schedules} schedules "
                               f"({clean.pruned} pruned)")


def test_summary_of_a_finding_says_its_bound_and_where_the_search_stopped() -> None:
    result = verify(BY_NAME["litmus.lost-update"], "two", preemptions=3)
    assert result.summary() == (
        "finding at bound 1 (no schedule with fewer preemptions fails): invariant "
        "no_lost_update violated at step 8: counter is 1 after 2 increments; the search "
        "stopped at the end of that bound: complete to 1 preemption: 11 schedules (0 pruned)")


def test_summary_when_every_schedule_ran_before_the_bound() -> None:
    result = verify(BY_NAME["litmus.unset-event"], "daemon", preemptions=5)
    assert result.complete and result.exhausted and result.bound == 5
    assert result.summary() == ("complete to 5 preemptions: 10 schedules (0 pruned); every "
                                "schedule has at most 2 preemptions")


def test_the_budget_counts_schedules_and_an_exhausted_budget_is_incomplete() -> None:
    model = BY_NAME["litmus.lost-update"]
    exact = verify(model, "locked", preemptions=1, budget=263)
    assert exact.complete and exact.schedules == 263
    short = verify(model, "locked", preemptions=1, budget=262)
    assert not short.complete and (short.bound, short.schedules) == (1, 262)
    assert short.summary() == ("incomplete: budget hit after 262 schedules at bound 1 "
                               "(complete to 0 preemptions)")
    early = verify(model, "locked", preemptions=2, budget=5)
    assert early.summary() == "incomplete: budget hit after 5 schedules at bound 0"


def test_the_same_call_twice_gives_the_same_verification() -> None:
    for model, variant in ((BY_NAME["litmus.cancel-window"], "plain"),
                           (generate(61).model, "only")):
        assert verify(model, variant, preemptions=2) == verify(model, variant, preemptions=2)


def test_bad_input_is_a_user_error() -> None:
    model = BY_NAME["litmus.lost-update"]
    with pytest.raises(UserError, match="0 or more"):
        verify(model, "two", preemptions=-1)
    with pytest.raises(UserError, match="at least 1"):
        verify(model, "two", preemptions=1, budget=0)
    with pytest.raises(UnknownModelError, match="no variant 'four'"):
        verify(model, "four", preemptions=1)
    with pytest.raises(UnknownModelError, match="no invariant"):
        verify(model, "two", preemptions=1, invariants=["nothing"])


def test_a_nondeterministic_model_is_reported_as_such() -> None:
    with pytest.raises(NondeterministicModelError, match="runs differ first at step"):
        verify(BY_NAME["litmus.nondeterministic"], "counter", preemptions=1)
