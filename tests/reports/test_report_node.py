"""Reports read back the way GitHub reads them: Markdown tables by ``marked`` (GitHub-flavoured)
and diagrams by Mermaid's own parser, headless in Node (``mermaid/check-report.mjs``).

Needs Node and the packages of ``tests/reports/mermaid`` (``npm ci --prefix
tests/reports/mermaid``); skipped, saying why, without them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from report_samples import NASTY, STATS, VERSIONS, labelled_trace

from explorer.records import Trace
from explorer.render import action_text, previous_steps, reached_text, select_steps, visible
from explorer.report import render_markdown
from explorer.report.escape import unescape_mermaid_text
from explorer.report.keysteps import Fold, fold_text, key_steps
from explorer.report.markdown import FULL_HEADER, KEY_HEADER, MAX_ROWS, SECTIONS

HERE = Path(__file__).parent / "mermaid"
SCRIPT = HERE / "check-report.mjs"
MESSAGE, NOTE = 0, 2  # Mermaid's line types for a solid arrow and a note
#: The most messages and notes a report's diagram may hold.
MAX_MESSAGES = 40

labels = st.sampled_from(NASTY) | st.text(max_size=12)


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: the Mermaid and Markdown check needs Node.js")
    packages = ("mermaid", "jsdom", "marked")
    missing = [p for p in packages if not (HERE / "node_modules" / p).is_dir()]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed: "
                    "run `npm ci --prefix tests/reports/mermaid` to check reports in Node")
    return node


def read_back(node: str, paths: list[Path]) -> list[dict[str, Any]]:
    done = subprocess.run([node, str(SCRIPT), *map(str, paths)], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode in (0, 1), done.stderr
    reports: list[dict[str, Any]] = json.loads(done.stdout)["reports"]
    return reports


def write_reports(folder: Path, traces: list[Trace]) -> list[Path]:
    paths = []
    for n, trace in enumerate(traces):
        path = folder / f"report-{n}.md"
        path.write_text(render_markdown(trace, stats=STATS, versions=VERSIONS,
                                        trace_path=f"reports/t-{n}.json"), encoding="utf-8")
        paths.append(path)
    return paths


def generated_traces() -> list[Trace]:
    found: list[Trace] = []

    @settings(max_examples=25, derandomize=True, database=None, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(names=st.lists(labels.filter(bool), min_size=1, max_size=3),
           points=st.lists(st.tuples(labels, labels), min_size=1, max_size=4), message=labels)
    def collect(names: list[str], points: list[tuple[str, str]], message: str) -> None:
        found.append(labelled_trace(names, [list(p) for p in points], message, [1, 2, 1]))

    collect()
    return found


def intended_texts(markdown: str) -> list[str]:
    """What each message and note of the report's diagram should read, per our own escaping."""
    body = markdown.split("```mermaid\n", 1)[1].split("\n```", 1)[0]
    return [unescape_mermaid_text(line.split(": ", 1)[1]).strip() for line in body.splitlines()
            if "->>" in line or "Note over" in line]


def table(report: dict[str, Any], header: tuple[str, ...]) -> list[list[str]]:
    rows: list[list[str]] = next(t for t in report["tables"]
                                 if tuple(t["header"]) == header)["rows"]
    return rows


def check_report(report: dict[str, Any], markdown: str, trace: Trace) -> None:
    assert report["headings"][1:] == list(SECTIONS)
    [diagram] = report["diagrams"]
    assert diagram["ok"], diagram.get("error")
    read = [e["text"].strip() for e in diagram["events"] if e["type"] in (MESSAGE, NOTE)]
    assert read == intended_texts(markdown)
    assert len(read) <= MAX_MESSAGES
    check_key_steps(table(report, KEY_HEADER), trace)
    check_full_trace(table(report, FULL_HEADER), trace)


def check_key_steps(rows: list[list[str]], trace: Trace) -> None:
    """One table row per key step or fold, reading back as the trace says."""
    expected = key_steps(trace)
    assert len(rows) == len(expected)
    previous = previous_steps(trace)
    for row, key in zip(rows, expected, strict=True):
        if isinstance(key, Fold):
            assert row[0].split("\N{EN DASH}")[0] == str(key.first)
            assert row[2] == f"… {visible(fold_text(key))} …"
            continue
        step = trace.steps[key.index]
        assert int(row[0].split()[0]) == key.index
        assert row[1] == visible(step.task).strip()
        assert row[2] == action_text(step, previous[key.index]).strip()


def check_full_trace(rows: list[list[str]], trace: Trace) -> None:
    selection = select_steps(trace, short=MAX_ROWS, cap=MAX_ROWS, fill=True)
    shown = [row for row in rows if row[0] != "…"]
    assert [int(row[0].split()[0]) for row in shown] == [i for i in selection if i is not None]
    assert len(rows) == len(selection)
    previous = previous_steps(trace)
    for row in shown:
        index = int(row[0].split()[0])
        step = trace.steps[index]
        assert row[1:3] == [visible(step.task).strip(),
                            action_text(step, previous[index]).strip()]
        assert row[3].startswith(reached_text(step).strip())


def test_reports_of_every_kind_parse_and_read_back_as_written(
        tmp_path: Path, traces: dict[str, Trace]) -> None:
    node = node_or_skip()
    chosen = list(traces.values()) + generated_traces()
    paths = write_reports(tmp_path, chosen)
    reports = read_back(node, paths)
    assert len(reports) == len(chosen)
    for report, path, trace in zip(reports, paths, chosen, strict=True):
        check_report(report, path.read_text(encoding="utf-8"), trace)


def test_a_broken_diagram_is_reported_as_a_failure(tmp_path: Path) -> None:
    node = node_or_skip()
    path = tmp_path / "broken.md"
    path.write_text("```mermaid\nsequenceDiagram\n    A->>B: a;b->>\n```\n", encoding="utf-8")
    done = subprocess.run([node, str(SCRIPT), str(path)], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 1
    assert json.loads(done.stdout)["reports"][0]["diagrams"][0]["ok"] is False


def test_every_example_report_parses_in_mermaid() -> None:
    """The committed ``reports/examples/`` render on GitHub: each diagram parses in Mermaid."""
    node = node_or_skip()
    examples = sorted((Path(__file__).parents[2] / "reports" / "examples").glob("*.md"))
    assert examples, "reports/examples/ is empty: run `python -m explorer examples`"
    reports = read_back(node, examples)
    assert len(reports) == len(examples)
    for report, path in zip(reports, examples, strict=True):
        [diagram] = report["diagrams"]
        assert diagram["ok"], f"{path.name}: {diagram.get('error')}"
        assert report["headings"][1:] == list(SECTIONS), path.name


def test_the_readme_example_diagrams_parse_in_mermaid() -> None:
    node = node_or_skip()
    [readme] = read_back(node, [Path(__file__).parents[2] / "README.md"])
    assert len(readme["diagrams"]) >= 2
    for diagram in readme["diagrams"]:
        assert diagram["ok"], diagram.get("error")
