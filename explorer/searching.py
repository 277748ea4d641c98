"""Searches as pytest tests: run a search, save what it found, fail with what replays it.

Invariant: a search test fails exactly when its search made a finding, with an exception class
named by the finding (so a strict xfail can name the one race it expects), and a search that
finds nothing records how much it explored.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import hypothesis
import pytest
from hypothesis import strategies as st

from explorer.model import Model
from explorer.records import SearchStats, Settings, Trace
from explorer.search import Exploration, Finding, SearchBudget, explore
from explorer.sources.hypothesis import Schedule, schedules_named

_RACE_CLASSES: dict[str, type[RaceFound]] = {}


class RaceFound(AssertionError):
    """A search made a finding; subclasses are per finding key (see :func:`race_class`)."""

    key = ""

    def __init__(self, message: str, finding: Finding) -> None:
        super().__init__(message)
        self.finding = finding


def race_class(key: str) -> type[RaceFound]:
    """The exception class a search raises for finding ``key`` (e.g. ``violation:no_fd_leak``)."""
    if key not in _RACE_CLASSES:
        name = "RaceFound_" + "".join(c if c.isalnum() else "_" for c in key)
        _RACE_CLASSES[key] = type(name, (RaceFound,), {"key": key})
    return _RACE_CLASSES[key]


def expect_race(*keys: str, reason: str = "") -> pytest.MarkDecorator:
    """Strict xfail on exactly these findings: the test fails if the search stops finding them."""
    why = reason or "known race: " + ", ".join(keys)
    return pytest.mark.xfail(raises=tuple(race_class(k) for k in keys), strict=True, reason=why)


@attrs.define
class SearchConfig:
    """What the pytest plugin sets from its options; defaults serve plain use without it."""

    reports: Path | None = None
    max_examples: int | None = None
    seed: int | None = None
    source: str = "hypothesis"
    replay: Path | None = None
    explorations: list[Exploration] = attrs.Factory(list)


CONFIG = SearchConfig()


def _scaled(wanted: int | None, profile_examples: int) -> int:
    """A search's own budget grows and shrinks with the profile's (200 in ``dev``)."""
    if wanted is None:
        return profile_examples
    return max(1, wanted * profile_examples // 200)


def _budget(settings: Settings, max_examples: int | None,
            derandomize: bool = False) -> SearchBudget:
    profile = hypothesis.settings()
    fixed = derandomize and CONFIG.seed is None
    return SearchBudget(
        max_examples=CONFIG.max_examples or _scaled(max_examples, profile.max_examples),
        derandomize=profile.derandomize or fixed,
        seed=CONFIG.seed,
        database=profile.database is not None and not fixed,
        settings=settings,
    )


def search(
    model: Model,
    variant: str,
    *,
    name: str,
    scenarios: st.SearchStrategy[Any] | None = None,
    schedules: st.SearchStrategy[Schedule] | None = None,
    invariants: Sequence[str] | None = None,
    max_examples: int | None = None,
    settings: Settings | None = None,
    derandomize: bool = False,
) -> Exploration:
    """Run one search; raise ``race_class(key)`` on a finding, after saving its report."""
    budget = _budget(settings or Settings(), max_examples, derandomize)
    if CONFIG.replay is not None:
        return _replay_saved(model, variant, name, invariants, budget.settings)
    if CONFIG.source != "hypothesis":
        schedules = schedules_named(CONFIG.source)
    exploration = explore(
        model,
        variant,
        name=name,
        scenarios=scenarios,
        schedule_strategy=schedules,
        invariants=invariants,
        budget=budget,
    )
    CONFIG.explorations.append(exploration)
    finding = exploration.finding
    if finding is None:
        if exploration.examples == 0:
            raise AssertionError(f"search {name} ran no example")
        return exploration
    raise race_class(finding.key)(failure_message(finding, model), finding)


def failure_message(finding: Finding, model: Model | None = None) -> str:
    """The invariant, the minimal trace as a numbered list, the report paths, the replay command."""
    from explorer.render import render_minimal

    trace, stats = finding.trace, finding.stats
    lines = [
        trace.outcome.headline(),
        f"found after {stats.examples_to_first_failure} examples; shrunk from "
        f"{stats.first_steps} steps / {stats.first_preemptions} preemptions to "
        f"{stats.final_steps} steps / {stats.final_preemptions} preemptions",
        f"scenario: {json.dumps(trace.scenario)}",
        "minimal trace:",
        render_minimal(trace),
    ]
    if CONFIG.reports is not None:
        from explorer.report.save import save_finding

        json_path, md_path = save_finding(CONFIG.reports, stats.search, trace, stats, model=model)
        lines += [
            f"report: {md_path}",
            f"trace:  {json_path}",
            f"replay: python -m explorer replay {json_path}",
        ]
    return "\n".join(lines)


def _replay_saved(
    model: Model, variant: str, name: str, invariants: Sequence[str] | None, settings: Settings
) -> Exploration:
    """Replay ``--explorer-replay`` in the search for its model and variant; skip the others."""
    from explorer.runner import run
    from explorer.search import restrict
    from explorer.sources.replay import ReplaySource
    from explorer.tracefile import read

    assert CONFIG.replay is not None
    saved = read(CONFIG.replay).trace
    if (saved.model, saved.variant) != (model.name, variant):
        pytest.skip(f"--explorer-replay holds {saved.model}/{saved.variant}")
    names = _task_names(saved)
    source = ReplaySource(saved.decisions, names)
    result = run(restrict(model, invariants), variant, saved.scenario, source, settings)
    exploration = Exploration(name, model.name, variant, 1, result.steps, None)
    CONFIG.explorations.append(exploration)
    if result.outcome.is_finding:
        stats = attrs.evolve(saved_stats(name, result.trace()))
        finding = Finding(result.trace(), stats, result.task_names)
        raise race_class(finding.key)(failure_message(finding, model), finding)
    return exploration


def saved_stats(name: str, trace: Trace) -> SearchStats:
    """Stats for a replayed finding: one example, no shrinking."""
    return SearchStats(
        name, 1, 1, len(trace.steps), trace.preemptions, len(trace.steps), trace.preemptions, 0
    )


@attrs.frozen
class SearchSpec:
    """One search as data: what the test runs, and which findings are known races.

    ``expect`` lists the finding keys (``violation:<invariant>``, ``deadlock``, ...) of the races
    this variant is known to have; the test is then a strict xfail on exactly those.
    """

    name: str
    model: Model
    variant: str
    invariants: tuple[str, ...]
    scenarios: st.SearchStrategy[Any] | None = None
    schedules: st.SearchStrategy[Schedule] | None = None
    expect: tuple[str, ...] = ()
    why: str = ""
    max_examples: int | None = None
    settings: Settings = attrs.field(factory=Settings)
    #: A rare race: explore the same examples on every run (unless a seed is given), so the
    #: strict xfail does not depend on luck; the reliability table still measures it by seed.
    derandomize: bool = False

    def run(self) -> Exploration:
        return search(self.model, self.variant, name=self.name, scenarios=self.scenarios,
                      schedules=self.schedules, invariants=self.invariants,
                      max_examples=self.max_examples, settings=self.settings,
                      derandomize=self.derandomize)

    def param(self) -> Any:
        """A ``pytest.param`` named by the search, strict-xfail when a race is expected."""
        marks = [expect_race(*self.expect, reason=self.why)] if self.expect else []
        return pytest.param(self, id=self.name, marks=marks)


def _task_names(trace: Trace) -> tuple[str, ...]:
    """Task names by task id, as the trace recorded them."""
    by_id = {s.tid: s.task for s in trace.steps if s.tid >= 0}
    return tuple(by_id.get(tid, f"#{tid}") for tid in range(max(by_id, default=-1) + 1))
