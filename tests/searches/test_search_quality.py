"""Findings on the IPC model are minimal, replay exactly, and go away on the fix.

Each test takes the finding of one known race (seed 0, no database) from ``conftest.py``.
"""

from __future__ import annotations

import pytest

from explorer import OutcomeKind, run
from explorer.determinism import first_difference
from explorer.registry import get_model
from explorer.search import Finding, finding_key, restrict
from explorer.searches.ipc import specs
from explorer.searching import SearchSpec
from explorer.sources import PrechosenChoices, ReplaySource
from explorer.tracefile import dumps, loads

KNOWN = [pytest.param(s, id=s.name) for s in specs("android") + specs("ios") if s.expect]
ANDROID = [pytest.param(s, id=s.name) for s in specs("android") if s.expect]

Found = tuple[SearchSpec, Finding]


@pytest.mark.parametrize("found", KNOWN, indirect=True)
def test_each_remaining_preemption_is_needed(found: Found) -> None:
    """1-minimal: undoing any one context switch of the shrunk trace loses the finding."""
    spec, finding = found
    trace = finding.trace
    if trace.outcome.kind is OutcomeKind.STEP_BOUND:
        pytest.skip("a livelock is kept as found: every trial would run to the step bound")
    model = restrict(spec.model, spec.invariants)
    for k, choice in enumerate(trace.choices):
        if choice == 0:
            continue
        trial = [*trace.choices[:k], 0, *trace.choices[k + 1:]]
        outcome = run(model, trace.variant, trace.scenario, PrechosenChoices(trial),
                      spec.settings).outcome
        same = outcome.is_finding and finding_key(outcome.kind, outcome.invariant) == finding.key
        assert not same, f"preemption at decision {k} is not needed for {finding.key}"


@pytest.mark.parametrize("found", KNOWN, indirect=True)
def test_saved_trace_replays_identically_twenty_times(found: Found) -> None:
    """find → save → load → replay gives the same trace, every time."""
    spec, finding = found
    saved = loads(dumps(finding.trace, stats=finding.stats))
    assert saved == finding.trace
    model = restrict(spec.model, spec.invariants)
    for _ in range(20):
        source = ReplaySource(saved.decisions, finding.task_names)
        replayed = run(model, saved.variant, saved.scenario, source, spec.settings).trace()
        assert first_difference(saved, replayed) is None
        assert replayed.outcome == saved.outcome


@pytest.mark.parametrize("found", ANDROID, indirect=True)
def test_the_fix_passes_the_races_trace(found: Found) -> None:
    """The shrunk trace's scenario and schedule, replayed on ``proposed``, no longer fail."""
    spec, finding = found
    trace = finding.trace
    source = ReplaySource(trace.decisions, finding.task_names, strict=False)
    outcome = run(get_model("ipc"), "proposed", trace.scenario, source, spec.settings).outcome
    assert outcome.kind is OutcomeKind.PASS, outcome.headline()
