"""Searches the bench times: a short model and a long one under Hypothesis, beside Hypothesis
alone drawing the same values for a test that does nothing.

Invariant: the search phase is timed from the call of ``explore`` to the end of its last
example (the progress callback), so shrinking a finding never counts; the models come from the
checkout's corpora when they are importable (``models.litmus``, ``models.ipc``), else the short
load is the bench's own points model and the long one is left out (null).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import hypothesis
from hypothesis import strategies as st

from explorer.bench.baselines import points_model
from explorer.bench.cpu import CLOCK, GcMeter
from explorer.exploration import SearchSettings, Tally, explore, hypothesis_settings
from explorer.model import Model
from explorer.sources.hypothesis import schedules

#: Events per scenario of the long search: as many as a focused flagship search draws.
LONG_EVENTS = 4


@attrs.frozen
class SearchLoad:
    """A model variant and the scenarios a search of it draws."""

    label: str
    model: Model
    variant: str
    scenarios: st.SearchStrategy[Any] | None


@attrs.frozen
class SearchTiming:
    """One timed search: examples run, CPU seconds of its search phase and of the GC in it."""

    examples: int
    steps: int
    seconds: float
    gc_seconds: float


def short_load() -> SearchLoad:
    """``litmus.lost-update`` ``locked``: three tasks increment under a lock (about 20 steps)."""
    try:
        from models.litmus import lost_update
    except ImportError:
        return SearchLoad("bench-3x10 plain", points_model(3, 10), "plain", None)
    return SearchLoad("litmus.lost-update locked", lost_update.MODEL, "locked", None)


def long_load() -> SearchLoad | None:
    """``ipc`` ``proposed`` (the fixed client, hundreds of steps a run) with the flagship's
    scenarios; None when the checkout's IPC model or strategies cannot be imported."""
    try:
        from models.ipc import MODEL
        from strategies.scenarios import ipc_scenarios
    except ImportError:
        return None
    return SearchLoad("ipc proposed", MODEL, "proposed", ipc_scenarios(max_events=LONG_EVENTS))


def time_search(load: SearchLoad, examples: int, seed: int) -> SearchTiming:
    """Run ``explore`` with ``examples`` examples; time its search phase, not its shrinking."""
    meter = GcMeter()
    ended = {"at": 0.0, "gc": 0.0, "examples": 0, "steps": 0}

    def progress(tally: Tally) -> None:
        ended.update(at=CLOCK(), gc=meter.seconds, examples=tally.examples, steps=tally.steps)

    settings = SearchSettings(max_examples=examples, seed=seed)
    with meter:
        start = CLOCK()
        explore(load.model, load.variant, scenarios=load.scenarios, settings=settings,
                progress=progress)
    return SearchTiming(int(ended["examples"]), int(ended["steps"]), ended["at"] - start,
                        ended["gc"])


def time_hypothesis_alone(load: SearchLoad, examples: int, seed: int) -> SearchTiming:
    """Hypothesis drawing the same scenario and schedule for a test whose body does nothing."""
    calls = {"n": 0}

    def nothing(scenario: Any, schedule: Any) -> None:
        calls["n"] += 1

    test: Callable[[], None] = hypothesis.given(
        scenario=load.scenarios if load.scenarios is not None else st.none(),
        schedule=schedules())(nothing)
    settings = SearchSettings(max_examples=examples, seed=seed)
    test = hypothesis.seed(seed)(hypothesis_settings(settings)(test))
    with GcMeter() as meter:
        start = CLOCK()
        test()
        seconds = CLOCK() - start
    return SearchTiming(calls["n"], 0, seconds, meter.seconds)
