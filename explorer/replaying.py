"""Replaying a saved trace: on its own model, in a search, or against another variant.

Invariant: a replay runs the trace's scenario under its recorded decisions with the settings
and invariants the trace says its run used (on another variant: every invariant that applies
there), so replaying a finding on the model it came from shows the same finding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from explorer.errors import UserError
from explorer.exploration import Exploration, Finding
from explorer.model import Model
from explorer.records import SearchStats, Trace
from explorer.runner import RunResult, run
from explorer.sources.replay import ReplaySource

if TYPE_CHECKING:
    from explorer.pytest_searches import Search
    from explorer.search_options import SearchOptions


def recorded_task_names(trace: Trace) -> dict[int, str]:
    """Task names by task id, as the trace's steps knew them."""
    return {s.tid: s.task for s in reversed(trace.steps) if s.tid >= 0}


def replay_invariants(model: Model, variant: str, trace: Trace) -> tuple[str, ...] | None:
    """What a replay checks: the trace's own invariants on its own variant (a model that no
    longer has one of them is the user's error), every applicable one on another variant."""
    if variant != trace.variant:
        return None
    known = {i.name for i in model.invariants}
    missing = [name for name in trace.invariants if name not in known]
    if missing:
        raise UserError(f"the trace checked invariant {', '.join(missing)}, which model "
                        f"{model.name} no longer has")
    return trace.invariants


def replay_once(model: Model, variant: str, trace: Trace, *,
                strict: bool) -> tuple[RunResult, ReplaySource]:
    """Run ``trace``'s scenario under its recorded decisions on ``variant``."""
    source = ReplaySource(trace.decisions, recorded_task_names(trace), strict=strict)
    invariants = replay_invariants(model, variant, trace)
    try:
        result = run(model, variant, trace.scenario, source, trace.settings,
                     invariants=invariants)
    except ValueError as exc:
        # Only ``build`` raises here (errors inside the run come back wrapped), and a model's
        # build raises ValueError for a scenario it cannot read: bad input, not a finding.
        raise UserError(f"the trace's scenario does not fit model {model.name}: {exc}") from exc
    return result, source


def saved_stats(name: str, trace: Trace) -> SearchStats:
    """Stats for a replayed finding: one example, no shrinking."""
    return SearchStats(name, 1, 1, len(trace.steps), trace.preemptions, len(trace.steps),
                       trace.preemptions, 0)


def replay_in_search(spec: Search, options: SearchOptions) -> Exploration:
    """``--explorer-replay``: the saved trace, replayed in the search of its model and variant
    (the other searches skip)."""
    from explorer.tracefile import read

    assert options.replay is not None
    document = read(options.replay)
    saved = document.trace
    if (saved.model, saved.variant) != (spec.model.name, spec.variant):
        pytest.skip(f"--explorer-replay holds {saved.model}/{saved.variant}")
    result, _ = replay_once(spec.model, spec.variant, saved, strict=True)
    trace = result.trace()
    findings: tuple[Finding, ...] = ()
    if result.outcome.is_finding:
        stats = document.stats or saved_stats(spec.name, trace)
        findings = (Finding(trace, stats, result.task_names),)
    return Exploration(spec.name, spec.model.name, spec.variant, 1, result.steps, findings)
