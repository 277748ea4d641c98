"""The controlled trio.run itself: the seam restored, choices obeyed, steps named, timers,
threads, fairness, the self-test and the decorator."""

from __future__ import annotations

import functools
import subprocess
import sys
from pathlib import Path

import corpus
import pytest
import trio
from trio._core import _run

import explorer
from explorer.native.selftest import ensure_compatible
from explorer.records import TIMER, OutcomeKind, Settings

HERE = Path(__file__).parent


def test_the_seam_is_restored_after_a_run_and_after_a_crash() -> None:
    original, flag = _run._r, _run._ALLOW_DETERMINISTIC_SCHEDULING
    explorer.run_trio(functools.partial(corpus.lost_update, False), [1, 1])

    async def boom() -> None:
        raise RuntimeError("boom")

    result = explorer.run_trio(boom)
    assert result.outcome.kind is OutcomeKind.CRASH and "boom" in result.outcome.message
    assert _run._r is original and _run._ALLOW_DETERMINISTIC_SCHEDULING is flag


def test_choices_decide_who_runs_and_replay_identically() -> None:
    call = functools.partial(corpus.lost_update, False)
    assert explorer.run_trio(call, []).outcome.kind is OutcomeKind.PASS
    racy = explorer.run_trio(call, [1, 1])
    assert racy.outcome.key == "violation:assertion"
    assert explorer.run_trio(call, racy.choices).trace() == racy.trace()


def test_steps_name_the_task_and_where_it_resumed() -> None:
    trace = explorer.run_trio(functools.partial(corpus.lost_update, False), [1, 1]).trace()
    resumed = [s for s in trace.steps if s.label == "await sleep"]
    assert resumed and all(s.detail.startswith("tests/trio_native/corpus.py:")
                           or s.detail.startswith("corpus.py:") for s in resumed)
    assert {s.task for s in trace.steps} <= {"main", "increment", "increment#1"}


def test_a_task_waiting_on_a_thread_has_left_control() -> None:
    async def offload() -> None:
        await trio.to_thread.run_sync(sum, [1, 2])

    outcome = explorer.run_trio(offload).outcome
    assert outcome.kind is OutcomeKind.UNCONTROLLED
    assert "waits on a thread" in outcome.message


class _Recording(explorer.sources.ChoiceSource):
    def __init__(self) -> None:
        self.offered: list[list[int]] = []

    def choose(self, options: object, step: int) -> int:
        self.offered.append(list(options))  # type: ignore[call-overload]
        return 0


def test_early_timers_are_an_option_and_idle_timers_are_not() -> None:
    async def looper() -> None:
        for _ in range(3):
            await trio.sleep(0)

    async def sleeper() -> None:
        async with trio.open_nursery() as nursery:
            nursery.start_soon(looper)
            await trio.sleep(1)

    early, idle = _Recording(), _Recording()
    explorer.run_trio(sleeper, early, settings=Settings(timers="early"))
    trace = explorer.run_trio(sleeper, idle, settings=Settings(timers="idle")).trace()
    assert any(TIMER in offered for offered in early.offered)
    assert not any(TIMER in offered for offered in idle.offered)
    assert any(s.task == "clock" for s in trace.steps)


def test_a_spin_wait_is_forced_to_make_progress() -> None:
    async def spin() -> None:
        flag = {"set": False}

        async def setter() -> None:
            flag["set"] = True

        async def waiter() -> None:
            while not flag["set"]:
                await trio.sleep(0)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(waiter)
            nursery.start_soon(setter)

    class AlwaysWaiter(explorer.sources.ChoiceSource):
        def choose(self, options: object, step: int) -> int:
            return 0

    result = explorer.run_trio(spin, AlwaysWaiter(), fairness=10)
    assert result.outcome.kind is OutcomeKind.PASS
    assert any("forced" in s.detail for s in result.trace().steps)


def test_the_self_test_accepts_this_trio() -> None:
    ensure_compatible()


@explorer.explore_trio(max_examples=30, reports=None)
async def test_the_decorator_passes_fixtures_through(tmp_path: Path) -> None:
    assert tmp_path.is_dir()
    await corpus.lost_update(fixed=True)


def test_the_decorator_fails_with_the_shrunk_trace_and_the_replay_command(
        tmp_path: Path) -> None:
    @explorer.explore_trio(max_examples=100, reports=tmp_path)
    async def test_racy() -> None:
        await corpus.lost_update(fixed=False)

    with pytest.raises(explorer.TrioRaceFound) as failure:
        test_racy()
    message = str(failure.value)
    assert "violated" in message and "replay: python -m explorer replay" in message
    assert "--test " in message and list(tmp_path.glob("*.md"))


_PROBE = """
import functools, hashlib, sys
sys.path.insert(0, {here!r})
import corpus, explorer
call = functools.partial(corpus.lock_order, False)
trace = explorer.run_trio(call, [1, 0, 1, 1, 0, 1], name="lock_order").trace()
print(hashlib.sha256(repr(trace).encode()).hexdigest())
"""


def test_runs_replay_identically_across_hash_seeds() -> None:
    code = _PROBE.format(here=str(HERE))
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True, env={"PYTHONHASHSEED": str(seed)}).stdout
               for seed in range(6)}
    assert len(digests) == 1
