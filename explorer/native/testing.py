"""``@explorer.explore_trio``: an ordinary ``async def test_…`` explored under drawn schedules.

Invariant: every example is its own controlled ``trio.run`` of the test (pytest fixtures are
passed through unchanged); a finding is shrunk by the engine's shrinker, saved as a trace and a
report, and raised with the command that replays it. A test that passes leaves nothing behind.
"""

from __future__ import annotations

import functools
import inspect
import os
import shlex
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, cast

import hypothesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st

from explorer.native.api import NativeRun, run_trio
from explorer.native.execution import FAIRNESS
from explorer.records import Settings, TimerPolicy
from explorer.render import render_trace
from explorer.shrinking import SHRINK_RUNS, Attempt, Shrinker
from explorer.sources.base import ChoiceSource
from explorer.sources.hypothesis import Schedule, schedules

AsyncTest = Callable[..., Awaitable[object]]


class TrioRaceFound(AssertionError):
    """An explored Trio test failed under some schedule (the message has the shrunk trace)."""


def explore_trio(*, max_examples: int = 200, seed: int | None = 0,
                 timers: TimerPolicy = "idle", max_steps: int = 20_000,
                 fairness: int = FAIRNESS, shrink_runs: int = SHRINK_RUNS,
                 schedule: st.SearchStrategy[Schedule] | None = None,
                 reports: str | Path | None = "reports") -> Callable[[AsyncTest],
                                                                   Callable[..., None]]:
    """Decorator for ``async def test_…(fixtures…)``: run it under ``max_examples`` schedules.

    Schedules come from ``schedule`` (default: the mix of PCT sized to the run, sparse and dense
    switches). ``timers``: ``idle`` (the default: deadlines fire only when no task can run, so
    a ``fail_after`` safety net never fires while work is still possible) or ``early`` (the
    earliest deadline may also fire at any step, as if the machine stalled). ``seed`` makes the
    search a pure function of the test (None: Hypothesis's own randomness).
    """
    settings = Settings(timers=timers, max_steps=max_steps)

    def wrap(fn: AsyncTest) -> Callable[..., None]:
        @functools.wraps(fn)
        def test(*args: Any, **kwargs: Any) -> None:
            call = functools.partial(fn, *args, **kwargs)
            name = f"{fn.__module__}.{fn.__qualname__}"
            found = _search(call, name, settings, fairness, max_examples, seed, schedule)
            if found is not None:
                _fail(call, name, found, settings, fairness, shrink_runs, reports)

        test.__signature__ = inspect.signature(fn)  # type: ignore[attr-defined]
        return test

    return wrap


def _search(call: Callable[[], Awaitable[object]], name: str, settings: Settings,
            fairness: int, max_examples: int, seed: int | None,
            schedule: st.SearchStrategy[Schedule] | None) -> NativeRun | None:
    probe = run_trio(call, (), settings=settings, fairness=fairness, name=name)
    if probe.outcome.is_finding:
        return probe
    horizon = max(1, probe.decisions)
    found: list[NativeRun] = []

    @hypothesis.settings(max_examples=max_examples, database=None, deadline=None,
                         derandomize=False, phases=(Phase.explicit, Phase.generate),
                         suppress_health_check=list(HealthCheck), print_blob=False)
    @hypothesis.given(drawn=schedule if schedule is not None else schedules())
    def example(drawn: Schedule) -> None:
        if found:
            return
        result = run_trio(call, drawn.source(horizon), settings=settings, fairness=fairness,
                          name=name)
        if result.outcome.is_finding:
            found.append(result)

    if seed is not None:
        example = hypothesis.seed(seed)(example)
    example()
    return found[0] if found else None


def shrink(call: Callable[[], Awaitable[object]], start: NativeRun, settings: Settings,
           fairness: int = FAIRNESS, budget: int = SHRINK_RUNS) -> tuple[NativeRun, int]:
    """The engine's shrinker over native runs: the best run of the same finding, and the
    number of runs it took."""

    def attempt(scenario: Any, source: ChoiceSource) -> NativeRun:
        return run_trio(call, source, settings=settings, fairness=fairness, name=start.name)

    shrinker = Shrinker(cast(Attempt, attempt), cast(Any, start), budget)
    return cast(NativeRun, shrinker.run()), shrinker.runs


def _fail(call: Callable[[], Awaitable[object]], name: str, found: NativeRun,
          settings: Settings, fairness: int, shrink_runs: int,
          reports: str | Path | None) -> None:
    best, runs = shrink(call, found, settings, fairness, shrink_runs)
    trace = best.trace()
    lines = [f"race-explorer: {trace.outcome.headline()}",
             f"shrunk in {runs} runs from {found.steps} steps / {found.preemptions} preemptions "
             f"to {best.steps} steps / {best.preemptions} preemptions; "
             f"decisions {list(trace.choices)}", "", render_trace(trace)]
    if reports is not None:
        from explorer.report.save import display_path, save_finding

        json_path, md_path = save_finding(reports, name, trace)
        lines += ["", f"report: {display_path(md_path)}",
                  f"replay: python -m explorer replay {shlex.quote(display_path(json_path))} "
                  f"--test {shlex.quote(_test_id(name))}"]
    raise TrioRaceFound("\n".join(lines))


def _test_id(name: str) -> str:
    """``path/to/test_file.py::test_name`` of the running pytest test, else the module name."""
    current = os.environ.get("PYTEST_CURRENT_TEST", "")
    node = current.rsplit(" ", 1)[0]
    return node.split("[", 1)[0] if "::" in node else name
