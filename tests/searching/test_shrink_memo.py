"""The shrinker never makes the same run twice, and skipping repeats changes nothing but time:
the same shrunk run, after the same count of runs, as when every candidate runs."""

from __future__ import annotations

from typing import Any

import pytest

from explorer.exploration import Target
from explorer.records import Settings
from explorer.runner import RunResult
from explorer.shrink_memo import RunMemo, plain_key
from explorer.shrinking import Shrinker
from explorer.sources import SeededRandomSource
from explorer.sources.base import ChoiceSource
from models.litmus import lost_update


def test_plain_keys_tell_types_apart_and_refuse_other_objects() -> None:
    assert plain_key([1, "a", None]) == plain_key([1, "a", None])
    assert plain_key([1, 2]) != plain_key((1, 2))
    assert plain_key({"a": 1, "b": 2}) != plain_key({"b": 2, "a": 1})  # order is data too
    assert plain_key(True) != plain_key(1)
    assert plain_key([1, object()]) is None
    assert plain_key({"events": [["reload"]], "late": False}) is not None


def test_decisions_are_the_same_run_without_their_trailing_zeros() -> None:
    memo = RunMemo()
    memo.add("s", RunMemo.choices_key([0, 2, 0, 0]))
    assert memo.seen("s", RunMemo.choices_key([0, 2]))
    assert not memo.seen("s", RunMemo.choices_key([2]))
    assert not memo.seen("t", RunMemo.choices_key([0, 2]))
    memo.add([object()], RunMemo.choices_key([1]))
    assert not memo.seen([object()], RunMemo.choices_key([1]))  # not plain data: never matched


def a_lost_update() -> tuple[Target, RunResult]:
    target = Target(lost_update.MODEL, "three", Settings(), None)
    for seed in range(100):
        result = target.run(None, SeededRandomSource(seed), target.settings_for(KEY))
        if KEY in result.keys:
            return target, result
    raise AssertionError("no seed below 100 loses an update")


KEY = "violation:no_lost_update"


def shrink(target: Target, start: RunResult) -> tuple[Shrinker, RunResult, list[int]]:
    made: list[int] = []

    def attempt(scenario: Any, source: ChoiceSource) -> RunResult | None:
        made.append(1)
        return target.attempt(scenario, source, KEY)

    shrinker = Shrinker(attempt, start, 200, key=KEY)
    return shrinker, shrinker.run(), made


def test_skipping_repeats_changes_nothing_but_the_runs_made(
        monkeypatch: pytest.MonkeyPatch) -> None:
    target, start = a_lost_update()
    remembered, best, made = shrink(target, start)
    with monkeypatch.context() as patch:
        patch.setattr(RunMemo, "seen", lambda self, scenario, key: False)
        forgetful, every_best, every_made = shrink(target, start)
    assert best.choices == every_best.choices and best.steps == every_best.steps
    assert best.trace() == every_best.trace()
    assert remembered.runs == forgetful.runs
    assert remembered.skipped > 0 and forgetful.skipped == 0
    assert len(made) == len(every_made) - remembered.skipped
