"""Trace files round-trip exactly: ``loads(dumps(trace)) == trace`` for every kind of run."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from report_samples import STATS, VERSIONS, labelled_trace

import explorer
from explorer import tracefile
from explorer.records import Trace
from explorer.sources import PrechosenChoices
from explorer.tracefile import TraceDocument

KINDS = ["violation", "pass", "deadlock", "crash", "step-bound", "labels"]

json_values = st.recursive(
    st.none() | st.booleans()
    | st.integers(-tracefile.MAX_SCENARIO_NUMBER, tracefile.MAX_SCENARIO_NUMBER)
    | st.floats(-float(tracefile.MAX_SCENARIO_NUMBER), float(tracefile.MAX_SCENARIO_NUMBER))
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_of_trace_round_trips(traces: dict[str, Trace], kind: str) -> None:
    trace = traces[kind]
    assert tracefile.loads(tracefile.dumps(trace)) == trace


@pytest.mark.parametrize("kind", KINDS)
def test_search_stats_and_versions_round_trip_with_the_trace(traces: dict[str, Trace],
                                                             kind: str) -> None:
    text = tracefile.dumps(traces[kind], stats=STATS, versions=VERSIONS)
    assert tracefile.loads_document(text) == TraceDocument(traces[kind], STATS, VERSIONS)


def test_a_litmus_finding_round_trips() -> None:
    from models.litmus import MODELS

    model = next((m for m in MODELS if m.name == "litmus.lost-update"), None)
    if model is None:
        pytest.skip("the litmus corpus has no litmus.lost-update")
    trace = explorer.run(model, "three", None, PrechosenChoices([1] * 6)).trace()
    assert trace.outcome.is_finding
    assert tracefile.loads(tracefile.dumps(trace)) == trace


def test_the_file_has_one_line_per_step_and_names_its_schema(traces: dict[str, Trace]) -> None:
    trace = traces["violation"]
    lines = tracefile.dumps(trace).splitlines()
    step_lines = [line for line in lines if line.lstrip().startswith('{"index"')]
    assert len(step_lines) == len(trace.steps)
    assert json.loads(tracefile.dumps(trace))["schema"] == trace.schema == 2


def test_versions_default_to_the_running_tools(traces: dict[str, Trace]) -> None:
    document = tracefile.loads_document(tracefile.dumps(traces["pass"]))
    names = [name for name, _ in document.versions]
    assert names == ["race-explorer", "trio", "hypothesis", "python"]


def test_a_label_with_a_lone_surrogate_is_written_as_utf8_and_read_back() -> None:
    trace = labelled_trace(["t/\ud800"], [["x\udfff", "ok"]], "m")
    text = tracefile.dumps(trace)
    assert tracefile.loads(text.encode("utf-8")) == trace


@pytest.mark.parametrize("scenario", [{1, 2}, object(), float("nan"), {"x": [float("inf")]},
                                      {1: "int key"}, {"a": {None: 1}}, [10**400], -(2**64)])
def test_a_scenario_that_is_not_json_data_is_refused_when_writing(traces: dict[str, Trace],
                                                                  scenario: Any) -> None:
    trace = traces["pass"]
    broken = Trace(trace.model, trace.variant, scenario, trace.choices, trace.steps,
                   trace.outcome)
    with pytest.raises(ValueError, match=r"trace field scenario.* cannot be written"):
        tracefile.dumps(broken)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=json_values, labels=st.lists(st.tuples(st.text(), st.text()), min_size=1,
                                             max_size=4),
       names=st.lists(st.text(min_size=1), min_size=1, max_size=3), message=st.text())
def test_any_json_scenario_and_any_labels_round_trip(scenario: Any, labels: list[tuple[str, str]],
                                                     names: list[str], message: str) -> None:
    trace = labelled_trace(names, [list(p) for p in labels], message, [1, 1, 2])
    with_scenario = Trace(trace.model, trace.variant, scenario, trace.choices, trace.steps,
                          trace.outcome)
    assert tracefile.loads(tracefile.dumps(with_scenario)) == with_scenario
