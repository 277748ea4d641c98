"""The Markdown report: its sections, one table row per step, the diagram's lanes and arrows."""

from __future__ import annotations

import re

import pytest
from report_samples import STATS, VERSIONS

from explorer.records import Trace
from explorer.report import render_markdown
from explorer.report.escape import unescape_markdown_text
from explorer.report.markdown import SECTIONS, what_broke
from explorer.report.mermaid import component

ROW = re.compile(r"^\| (\d+)( ↷)? \| ")


def report(trace: Trace, **kwargs: object) -> str:
    options: dict[str, object] = {"stats": STATS, "versions": VERSIONS,
                                  "trace_path": "reports/pipe-0123456789ab.json"}
    options.update(kwargs)
    return render_markdown(trace, **options)  # type: ignore[arg-type]


def diagram(text: str) -> list[str]:
    body = text.split("```mermaid\n", 1)[1].split("\n```", 1)[0]
    return body.splitlines()


def step_rows(text: str) -> list[int]:
    return [int(m.group(1)) for line in text.splitlines() if (m := ROW.match(line))]


def test_sections_come_in_order(traces: dict[str, Trace]) -> None:
    text = report(traces["violation"])
    headings = [line.removeprefix("#### ") for line in text.splitlines()
                if line.startswith("#### ")]
    assert headings == list(SECTIONS)
    assert text.startswith("### race-explorer: invariant delivered violated in sample.pipe")


def test_the_summary_names_variant_invariant_and_the_shrink(traces: dict[str, Trace]) -> None:
    text = report(traces["violation"], invariant_doc="Every message reached the backend.")
    assert "| Variant | racy |" in text
    assert "| Invariant | **delivered** — Every message reached the backend. |" in text
    assert "| Examples to first failure | 125 (of 300 examples run) |" in text
    assert "| Shrunk (steps) | 40 → 13 |" in text
    assert "| Shrunk (switches) | 7 → 2 |" in text


def test_without_stats_the_report_says_so(traces: dict[str, Trace]) -> None:
    assert "not recorded" in report(traces["violation"], stats=None)


@pytest.mark.parametrize("kind", ["violation", "pass", "deadlock", "crash", "labels"])
def test_a_short_trace_has_one_table_row_per_step(traces: dict[str, Trace], kind: str) -> None:
    trace = traces[kind]
    assert step_rows(report(trace)) == [s.index for s in trace.steps]


def test_switches_are_marked_in_the_table(traces: dict[str, Trace]) -> None:
    trace = traces["violation"]
    marked = [int(m.group(1)) for line in report(trace).splitlines()
              if (m := ROW.match(line)) and m.group(2)]
    assert marked == [s.index for s in trace.steps if s.decision and s.decision.index != 0]


def test_a_long_trace_shows_its_switches_and_end_with_gaps(traces: dict[str, Trace]) -> None:
    trace = traces["step-bound"]
    text = report(trace)
    rows = step_rows(text)
    assert len(trace.steps) > 200 >= len(rows)
    assert rows[-1] == len(trace.steps) - 1
    assert rows == sorted(rows)
    assert "steps not shown" in text


def test_lanes_are_components_plus_the_kernel(traces: dict[str, Trace]) -> None:
    lines = diagram(report(traces["violation"]))
    participants = [line.split(" as ", 1)[1] for line in lines if "participant " in line]
    assert participants == ["main", "android", "backend", "Kernel"]


def test_syscalls_go_to_the_kernel_and_timers_are_notes(traces: dict[str, Trace]) -> None:
    trace = traces["violation"]
    lines = diagram(report(trace))
    to_kernel = [line for line in lines if "->>K:" in line]
    assert len(to_kernel) == sum(1 for s in trace.steps if s.label.startswith("sys."))
    timer_notes = [line for line in lines if "Note over" in line and "timer fired" in line]
    assert len(timer_notes) == sum(1 for s in trace.steps if s.task == "clock")
    switch_notes = [line for line in lines if "switch" in line]
    assert len(switch_notes) == trace.switches


def test_the_outcome_closes_the_diagram_in_a_highlight(traces: dict[str, Trace]) -> None:
    lines = diagram(report(traces["violation"]))
    assert lines[-3].strip().startswith("rect ")
    assert "invariant delivered violated" in lines[-2]
    assert lines[-1].strip() == "end"


def test_tasks_without_a_component_get_a_lane_each(traces: dict[str, Trace]) -> None:
    lines = diagram(report(traces["labels"]))
    participants = [line.split(" as ", 1)[1] for line in lines if "participant " in line]
    expected = {component(s.task) for s in traces["labels"].steps}
    assert len(participants) == len(expected) + 1  # and the Kernel, for the sys.* points


def test_replay_command_and_versions_are_printed(traces: dict[str, Trace]) -> None:
    text = report(traces["violation"])
    assert "python -m explorer replay reports/pipe-0123456789ab.json\n" in text
    assert "race-explorer 0.1.0, trio 0.35.0, hypothesis 6.170.17, python 3.11.7" in text


@pytest.mark.parametrize(("kind", "words"), [
    ("deadlock", ["**Deadlock**", "app/env waits on reply on fd 5"]),
    ("crash", ["**The model crashed**", "ConnectionRefusedError"]),
    ("step-bound", ["**Step bound exceeded**", "livelock"]),
    ("pass", ["**No finding**"]),
])
def test_what_broke_is_one_sentence_for_every_kind(traces: dict[str, Trace], kind: str,
                                                   words: list[str]) -> None:
    sentence = what_broke(traces[kind])
    assert "\n" not in sentence
    for word in words:
        assert word in unescape_markdown_text(sentence) or word in sentence


def test_model_text_cannot_add_rows_or_break_the_table(traces: dict[str, Trace]) -> None:
    text = report(traces["labels"])
    table = [line for line in text.splitlines() if ROW.match(line)]
    for line in table:
        cells = re.split(r"(?<!\\)\|", line.replace("\\\\", ""))
        assert len(cells) == 6, line  # outer pipes and four cells
    outside_code = re.sub(r"```json\n.*?\n```", "", text, flags=re.DOTALL)
    assert "<b>" not in outside_code
    assert "`x`" not in outside_code
