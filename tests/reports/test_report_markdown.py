"""The Markdown report: its sections, the key steps, the full trace, the diagram's lanes."""

from __future__ import annotations

import re

import pytest
from report_samples import STATS, VERSIONS, litmus_trace

from explorer.records import Trace
from explorer.render import action, previous_steps
from explorer.report import render_markdown
from explorer.report.escape import unescape_markdown_text
from explorer.report.keysteps import Fold, KeyStep, key_steps
from explorer.report.markdown import MAX_ROWS, SECTIONS
from explorer.report.summary import summary_markdown

ROW = re.compile(r"^\| (\d+)( ↷)? \| ")
FOLD = re.compile(r"^\| (\d+)(?:\u2013(\d+))? \|  \| \*… ")
#: The most messages and notes a report's diagram may hold.
MAX_MESSAGES = 40


def report(trace: Trace, **kwargs: object) -> str:
    options: dict[str, object] = {"stats": STATS, "versions": VERSIONS,
                                  "trace_path": "reports/pipe-0123456789ab.json"}
    options.update(kwargs)
    return render_markdown(trace, **options)  # type: ignore[arg-type]


def section(text: str, name: str) -> str:
    return text.split(f"\n#### {name}\n", 1)[1].split("\n#### ", 1)[0]


def diagram(text: str) -> list[str]:
    body = text.split("```mermaid\n", 1)[1].split("\n```", 1)[0]
    return body.splitlines()


def participants(text: str) -> list[str]:
    return [line.split(" as ", 1)[1] for line in diagram(text) if "participant " in line]


def messages(text: str) -> list[str]:
    return [line for line in diagram(text) if "->>" in line or "Note over" in line]


def step_rows(text: str, name: str) -> list[int]:
    return [int(m.group(1)) for line in section(text, name).splitlines()
            if (m := ROW.match(line))]


def test_sections_come_in_order(traces: dict[str, Trace]) -> None:
    text = report(traces["violation"])
    headings = [line.removeprefix("#### ") for line in text.splitlines()
                if line.startswith("#### ")]
    assert headings == list(SECTIONS)
    assert text.startswith("### race-explorer: invariant delivered violated in sample.pipe")


def test_the_report_opens_with_the_one_sentence_summary(traces: dict[str, Trace]) -> None:
    trace = traces["violation"]
    doc = "Every message reached the backend; else the backend read too early."
    lines = report(trace, invariant_doc=doc).splitlines()
    assert lines[2] == f"> {summary_markdown(trace, doc)}"
    assert "which means" not in lines[2] or "backend read too early" in lines[2]
    assert "fired early" in lines[2]


def test_the_finding_names_variant_invariant_and_the_shrink(traces: dict[str, Trace]) -> None:
    text = report(traces["violation"], invariant_doc="Every message reached the backend.")
    assert "| Variant | racy |" in text
    assert "| Invariant | **delivered** — Every message reached the backend. |" in text
    assert "| Examples to first failure | 125 (of 300 examples run) |" in text
    assert "| Shrunk (steps) | 40 → 13 |" in text
    assert "| Shrunk (preemptions) | 7 → 2 |" in text
    assert "| Early timers | the timer android/rpc\\#1 sleep 0.05s fired early at step 7" in text


def test_doc_markup_reads_as_code_in_the_report(traces: dict[str, Trace]) -> None:
    doc = "A ``close()`` never races a ``write | flush``. A violation is a torn ``frame``."
    text = report(traces["violation"], invariant_doc=doc)
    assert ("| Invariant | **delivered** — A `close()` never races a `write \\| flush`. "
            "A violation is a torn `frame`. |") in text
    assert "``" not in text.split("```mermaid", 1)[0]


def test_without_stats_the_report_says_so(traces: dict[str, Trace]) -> None:
    assert "not recorded" in report(traces["violation"], stats=None)


def test_the_key_steps_table_has_a_row_per_key_step_and_per_fold(
        traces: dict[str, Trace]) -> None:
    for trace in traces.values():
        text = report(trace)
        rows = key_steps(trace)
        table = [line for line in section(text, "Key steps").splitlines()
                 if ROW.match(line) or FOLD.match(line)]
        assert len(table) == len(rows)
        for line, row in zip(table, rows, strict=True):
            if isinstance(row, KeyStep):
                assert ROW.match(line) and int(line.split()[1]) == row.index
            else:
                unit = "step" if row.size == 1 else "steps"
                assert FOLD.match(line) and f"… {row.size} {unit} of " in line


def test_key_steps_show_the_action_then_the_point_reached(traces: dict[str, Trace]) -> None:
    trace = litmus_trace("litmus.lost-update", "two")
    table = section(report(trace), "Key steps")
    assert "| 2 ↷ | t1/increment | read — value (0) | write | ↷ preempted, then t2/increment" \
           in table
    assert "| 6 | t1/increment | write — value = 1 | finish | resumes after a preemption" in table


def test_switches_are_marked_in_both_tables(traces: dict[str, Trace]) -> None:
    trace = traces["violation"]
    text = report(trace)
    switched = [s.index for s in trace.steps if s.decision and s.decision.index != 0]
    for name in ("Key steps", "Full trace"):
        marked = [int(m.group(1)) for line in section(text, name).splitlines()
                  if (m := ROW.match(line)) and m.group(2)]
        assert marked == switched


@pytest.mark.parametrize("kind", ["violation", "pass", "deadlock", "crash", "labels"])
def test_a_short_trace_has_one_full_trace_row_per_step(traces: dict[str, Trace],
                                                       kind: str) -> None:
    trace = traces[kind]
    assert step_rows(report(trace), "Full trace") == [s.index for s in trace.steps]


def test_the_full_trace_shows_actions_and_points_reached(traces: dict[str, Trace]) -> None:
    trace = traces["violation"]
    lines = section(report(trace), "Full trace").splitlines()
    connect = next(s for s in trace.steps if s.label == "sys.connect")
    row = next(line for line in lines if line.startswith(f"| {connect.index} "))
    assert row.startswith(f"| {connect.index} | android/rpc\\#1 | sys.socket — AF\\_UNIX → fd 5 "
                          "| sys.connect — fd 5 → ok")


def test_a_long_trace_shows_its_switches_and_latest_steps_with_gaps(
        traces: dict[str, Trace]) -> None:
    trace = traces["step-bound"]
    text = report(trace)
    rows = step_rows(text, "Full trace")
    assert len(trace.steps) > MAX_ROWS == len(rows)
    assert rows[-1] == len(trace.steps) - 1
    assert rows == sorted(rows)
    assert "steps not shown" in text


def test_the_diagram_has_one_lane_per_task_of_a_key_step(traces: dict[str, Trace]) -> None:
    for trace in traces.values():
        text = report(trace)
        tasks = {trace.steps[r.index].tid: trace.steps[r.index].task for r in key_steps(trace)
                 if isinstance(r, KeyStep) and trace.steps[r.index].tid >= 0}
        lanes = [unescape_markdown_text(p) for p in participants(text)]
        assert len([p for p in lanes if p != "Kernel"]) == len(tasks)
    pollers = participants(report(traces["step-bound"]))
    assert "poller/a" in pollers and "poller/b" in pollers  # racing tasks, their own lanes


def test_the_diagram_draws_each_key_step_and_fold_once(traces: dict[str, Trace]) -> None:
    for trace in traces.values():
        text = report(trace)
        rows = key_steps(trace)
        assert len(messages(text)) == len(rows) + 1  # and the outcome
        assert len(messages(text)) <= MAX_MESSAGES
        folds = [line for line in diagram(text)
                 if "Note over" in line and re.search(r"… \d+ steps? of ", line)]
        assert len(folds) == sum(1 for r in rows if isinstance(r, Fold))


def test_syscalls_go_to_the_kernel_and_timers_are_notes(traces: dict[str, Trace]) -> None:
    trace = traces["violation"]
    lines = diagram(report(trace))
    previous = previous_steps(trace)
    to_kernel = [line for line in lines if "->>K:" in line]
    assert len(to_kernel) == sum(1 for s in trace.steps
                                 if action(s, previous[s.index])[0].startswith("sys."))
    timer_notes = [line for line in lines if "Note over" in line and "timer fires" in line]
    assert len(timer_notes) == sum(1 for s in trace.steps if s.task == "clock")
    assert sum("↷ preempted" in line for line in lines) == trace.preemptions


def test_the_outcome_closes_the_diagram_in_a_highlight(traces: dict[str, Trace]) -> None:
    lines = diagram(report(traces["violation"]))
    assert lines[-3].strip().startswith("rect ")
    assert "invariant delivered violated" in lines[-2]
    assert lines[-1].strip() == "end"


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
def test_the_summary_is_one_sentence_for_every_kind(traces: dict[str, Trace], kind: str,
                                                    words: list[str]) -> None:
    sentence = summary_markdown(traces[kind])
    assert "\n" not in sentence
    for word in words:
        assert word in unescape_markdown_text(sentence) or word in sentence


def test_model_text_cannot_add_rows_or_break_the_tables(traces: dict[str, Trace]) -> None:
    text = report(traces["labels"])
    for name, cells in (("Key steps", 7), ("Full trace", 6)):  # outer pipes and the cells
        table = [line for line in section(text, name).splitlines() if ROW.match(line)]
        assert table
        for line in table:
            assert len(re.split(r"(?<!\\)\|", line.replace("\\\\", ""))) == cells, line
    outside_code = re.sub(r"```json\n.*?\n```", "", text, flags=re.DOTALL)
    assert "<b>" not in outside_code
    assert "`x`" not in outside_code
