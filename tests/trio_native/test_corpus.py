"""The real-Trio corpus: each race found and shrunk through the native execution, each fixed
version clean under the same search, and Trio's own seeded shuffle missing what needs a task
to run ahead."""

from __future__ import annotations

import functools
import random

import corpus
import pytest
import trio
from trio._core import _run

from explorer.native.api import run_trio
from explorer.native.testing import _search, shrink
from explorer.records import OutcomeKind, Settings

IDLE, EARLY = Settings(timers="idle"), Settings(timers="early")
RACES = [
    ("lost_update", IDLE, "violation:assertion"),
    ("lock_order", IDLE, "deadlock"),
    ("producer_ahead", IDLE, "violation:assertion"),
    ("timeout_loses_item", EARLY, "violation:assertion"),
    ("close_clone_while_sending", IDLE, "crash"),
]


@pytest.mark.parametrize(("name", "settings", "key"), RACES, ids=[r[0] for r in RACES])
def test_each_race_is_found_and_shrunk(name: str, settings: Settings, key: str) -> None:
    call = functools.partial(getattr(corpus, name), False)
    found = _search(call, name, settings, 50, 200, 0, None)
    assert found is not None and found.outcome.key == key
    best, _ = shrink(call, found, settings)
    assert best.outcome.key == key
    assert best.preemptions <= found.preemptions and best.preemptions <= 2
    again = run_trio(call, best.choices, settings=settings, name=name)
    assert again.trace() == best.trace()


@pytest.mark.parametrize(("name", "settings", "key"), RACES, ids=[r[0] for r in RACES])
def test_each_fixed_version_is_clean(name: str, settings: Settings, key: str) -> None:
    call = functools.partial(getattr(corpus, name), True)
    assert _search(call, name, settings, 50, 200, 0, None) is None


def test_the_lock_order_deadlock_names_holders_and_the_cycle() -> None:
    call = functools.partial(corpus.lock_order, False)
    found = _search(call, "lock_order", IDLE, 50, 100, 0, None)
    assert found is not None
    outcome = found.outcome
    assert outcome.kind is OutcomeKind.DEADLOCK
    assert "wait-for cycle: transfer -> transfer#1 -> transfer" in outcome.message
    waits = {b.task: b.waits_on for b in outcome.blocked}
    assert "held by transfer#1" in waits["transfer"]
    assert "held by transfer" in waits["transfer#1"]
    assert "Lock.acquire at" in waits["transfer"] and "corpus.py:" in waits["transfer"]


def _trio_seeded(seed: int) -> bool:
    """One plain ``trio.run`` under Trio's own deterministic hook, seeded; True if it failed."""
    original, flag = _run._r, _run._ALLOW_DETERMINISTIC_SCHEDULING
    _run._r = random.Random(seed)
    _run._ALLOW_DETERMINISTIC_SCHEDULING = True  # type: ignore[misc]
    try:
        trio.run(corpus.producer_ahead)
    except AssertionError:
        return True
    finally:
        _run._r, _run._ALLOW_DETERMINISTIC_SCHEDULING = original, flag  # type: ignore[misc]
    return False


def test_trio_own_seeded_shuffle_never_runs_the_producer_ahead() -> None:
    assert sum(_trio_seeded(seed) for seed in range(200)) == 0
    call = functools.partial(corpus.producer_ahead, False)
    assert _search(call, "producer_ahead", IDLE, 50, 200, 0, None) is not None
