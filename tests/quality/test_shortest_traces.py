"""Shrunk traces are as short as they can be: on every small model of the litmus and SCTBench
corpora, the shrunk trace of a search's finding is at most 1.1 times the shortest failing
trace with the same finding and no more preemptions, found by enumerating every schedule.

(``python -m models.sctbench.shortest`` measures the same over three seeds and writes the
table in ``models/sctbench/README.md``; the variants whose enumeration does not complete
within its budget are not small and are not listed here.)
"""

from __future__ import annotations

import pytest

import explorer
from models.litmus import MODELS as LITMUS
from models.sctbench import MODELS as SCTBENCH
from models.sctbench.shortest import BUDGET, shortest, shrunk

TARGET = 1.1
BY_NAME = {m.name: m for m in (*LITMUS, *SCTBENCH)}
SMALL = [
    ("litmus.lost-update", "two", "violation:no_lost_update"),
    ("litmus.lost-update", "three", "violation:no_lost_update"),
    ("litmus.lock-order", "opposite", "deadlock"),
    ("litmus.unset-event", "forever", "deadlock"),
    ("litmus.early-timeout", "timeout", "violation:waiter_did_not_time_out"),
    ("litmus.cancel-window", "plain", "violation:slot_released"),
    ("litmus.crash", "unchecked", "crash"),
    ("sctbench.account", "bad", "violation:balance_assertion"),
    ("sctbench.arithmetic_prog", "bad", "violation:total_assertion"),
    ("sctbench.bluetooth_driver", "bad", "violation:not_stopped_under_io"),
    ("sctbench.carter01", "bad", "deadlock"),
    ("sctbench.circular_buffer", "bad", "violation:removed_matches"),
    ("sctbench.deadlock01", "bad", "deadlock"),
    ("sctbench.lazy01", "bad", "violation:data_assertion"),
    ("sctbench.phase01", "bad", "deadlock"),
    ("sctbench.queue", "bad", "violation:dequeued_matches"),
    ("sctbench.reorder", "bad_3", "violation:writes_seen_together"),
    ("sctbench.reorder", "bad_4", "violation:writes_seen_together"),
    ("sctbench.stack", "bad", "violation:stack_assertions"),
    ("sctbench.sync01", "bad", "deadlock"),
    ("sctbench.sync02", "bad", "deadlock"),
    ("sctbench.token_ring", "bad", "violation:ring_agrees"),
    ("sctbench.twostage", "bad_2", "violation:stages_seen_together"),
    ("sctbench.twostage", "bad_3", "violation:stages_seen_together"),
    ("sctbench.wronglock", "bad_3", "violation:one_increment_at_a_time"),
]


@pytest.mark.parametrize(("name", "variant", "key"), SMALL,
                         ids=[f"{n}-{v}" for n, v, _ in SMALL])
def test_the_shrunk_trace_is_within_a_tenth_of_the_shortest(name: str, variant: str,
                                                            key: str) -> None:
    model: explorer.Model = BY_NAME[name]
    found = shrunk(model, variant, seeds=(0,), examples=200)
    assert key in found, sorted(found)
    best, schedules = shortest(model, variant, key, found[key])
    assert best is not None, f"not small: {schedules} schedules did not complete ({BUDGET})"
    assert found[key].steps <= TARGET * best, (found[key], best)
