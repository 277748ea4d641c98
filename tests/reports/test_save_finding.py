"""Saving a finding: stable names from the search and the run, atomic writes, readable files."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from report_samples import PIPE, STATS, labelled_trace

from explorer import tracefile
from explorer.records import Trace
from explorer.report import finding_hash, save_finding
from explorer.report.save import file_stem


def test_files_are_named_after_the_search_and_the_run(tmp_path: Path,
                                                      traces: dict[str, Trace]) -> None:
    trace = traces["violation"]
    json_path, md_path = save_finding(tmp_path, "pipe search", trace, STATS)
    digest = finding_hash(trace)
    assert re.fullmatch(r"[0-9a-f]{12}", digest)
    assert json_path == tmp_path / f"pipe-search-{digest}.json"
    assert md_path == tmp_path / f"pipe-search-{digest}.md"


def test_the_saved_trace_loads_back_with_its_stats(tmp_path: Path,
                                                   traces: dict[str, Trace]) -> None:
    json_path, _ = save_finding(tmp_path, "s", traces["violation"], STATS)
    document = tracefile.read(json_path)
    assert (document.trace, document.stats) == (traces["violation"], STATS)


def test_the_report_replays_from_a_path_relative_to_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, traces: dict[str, Trace]) -> None:
    monkeypatch.chdir(tmp_path)
    json_path, md_path = save_finding(Path("reports"), "s", traces["violation"], STATS,
                                      model=PIPE)
    text = md_path.read_text(encoding="utf-8")
    assert f"python -m explorer replay reports/{json_path.name} --model" in text
    assert "Every message the client wrote reached the backend" in text


def test_the_reports_replay_command_names_a_model_the_project_does_not_list(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, traces: dict[str, Trace]) -> None:
    monkeypatch.chdir(tmp_path)
    json_path, md_path = save_finding(Path("reports"), "s", traces["violation"], STATS,
                                      model=PIPE)
    command = f"python -m explorer replay reports/{json_path.name} --model report_samples:PIPE"
    text = md_path.read_text(encoding="utf-8")
    assert f"{command}\n" in text and f"{command} --variant <fixed-variant>\n" in text


def test_saving_the_same_run_again_overwrites_and_leaves_no_temporary_files(
        tmp_path: Path, traces: dict[str, Trace]) -> None:
    first = save_finding(tmp_path, "s", traces["violation"])
    second = save_finding(tmp_path, "s", traces["violation"])
    assert first == second
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in first)


def test_another_schedule_gets_another_name(traces: dict[str, Trace]) -> None:
    one = labelled_trace(["a", "b"], [["x", ""], ["y", ""]], "m", [0])
    other = labelled_trace(["a", "b"], [["x", ""], ["y", ""]], "m", [1])
    assert one.choices != other.choices
    assert finding_hash(one) != finding_hash(other)
    assert finding_hash(one) == finding_hash(labelled_trace(["a", "b"], [["x", ""], ["y", ""]],
                                                            "m", [0]))


def test_a_failed_write_keeps_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                 traces: dict[str, Trace]) -> None:
    json_path, _ = save_finding(tmp_path, "s", traces["violation"])
    before = json_path.read_bytes()

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError, match="No space"):
        save_finding(tmp_path, "s", traces["violation"])
    assert json_path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


@given(st.text())
def test_any_search_name_makes_a_safe_file_name(name: str) -> None:
    stem = file_stem(name)
    assert re.fullmatch(r"[A-Za-z0-9._-]{1,80}", stem)
    assert not stem.startswith((".", "-"))

