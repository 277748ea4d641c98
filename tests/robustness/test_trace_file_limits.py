"""Hostile trace files: special files, oversized files, huge ids and numbers. Each is refused
with one line (a ``UserError``, exit status 2 from the CLI) before anything large is built or
anything blocks; pytest-timeout bounds the wall time of each test."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import explorer
from explorer import tracefile
from explorer.errors import UserError
from explorer.sources import PrechosenChoices
from models.litmus import lost_update

ROOT = Path(__file__).resolve().parents[2]


def valid_document() -> dict[str, Any]:
    trace = explorer.run(lost_update.MODEL, "three", None,
                         PrechosenChoices([0, 0, 0, 0, 0, 1])).trace()
    loaded: dict[str, Any] = json.loads(tracefile.dumps(trace))
    return loaded


VALID = valid_document()


def refused(path: Path) -> str:
    with pytest.raises(UserError) as caught:
        tracefile.read(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    return message


@pytest.mark.timeout(20, method="thread")
def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "trace.json"
    os.mkfifo(fifo)
    assert "not a regular file (a FIFO)" in refused(fifo)


@pytest.mark.timeout(20, method="thread")
def test_a_symlink_to_dev_zero_is_refused_without_reading_it(tmp_path: Path) -> None:
    link = tmp_path / "trace.json"
    link.symlink_to("/dev/zero")
    assert "not a regular file (a character device)" in refused(link)


@pytest.mark.timeout(20, method="thread")
def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tracefile, "MAX_FILE_BYTES", 1000)
    big = tmp_path / "trace.json"
    big.write_text(" " * 1001 + json.dumps(VALID), encoding="utf-8")
    assert "more than the limit of 1000" in refused(big)


@pytest.mark.timeout(20, method="thread")
def test_a_directory_is_refused(tmp_path: Path) -> None:
    refused(tmp_path)


def with_scenario(scenario_text: str) -> str:
    text = json.dumps({**VALID, "scenario": "SCENARIO"})
    return text.replace('"SCENARIO"', scenario_text)


@pytest.mark.timeout(60, method="thread")
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers().filter(lambda n: abs(n) > 2**63) | st.sampled_from(
    [10**400, -(10**400), 2**64]), st.sampled_from(["[[\"idle\", N]]", "{\"delay\": N}", "N"]))
def test_a_scenario_number_beyond_the_bound_is_refused(number: int, shape: str) -> None:
    with pytest.raises(UserError, match=r"^fuzz.json: scenario.* a finite number"):
        tracefile.loads(with_scenario(shape.replace("N", str(number))), origin="fuzz.json")


@pytest.mark.timeout(60, method="thread")
@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["1e400", "-1e400", "Infinity", "NaN", "-Infinity"]))
def test_a_non_finite_number_anywhere_is_refused(literal: str) -> None:
    with pytest.raises(UserError):
        tracefile.loads(with_scenario(f"[{literal}]"), origin="fuzz.json")


def with_decision_field(field: str, value: int) -> dict[str, Any]:
    document = json.loads(json.dumps(VALID))
    step = next(s for s in document["steps"] if s["decision"] is not None)
    step["decision"][field] = value
    return document


@pytest.mark.timeout(60, method="thread")
@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["chosen", "default", "current", "count"]),
       st.integers(min_value=tracefile.MAX_OPTIONS + 1, max_value=10**30))
def test_a_huge_task_id_or_option_count_is_refused(field: str, value: int) -> None:
    with pytest.raises(UserError, match=rf"decision\.{field}: expected"):
        tracefile.loads(json.dumps(with_decision_field(field, value)), origin="fuzz.json")


@pytest.mark.timeout(60, method="thread")
def test_a_trace_cannot_ask_for_an_unbounded_replay() -> None:
    document = {**VALID, "settings": {**VALID["settings"], "max_steps": 10**12}}
    with pytest.raises(UserError, match=r"settings\.max_steps"):
        tracefile.loads(json.dumps(document), origin="fuzz.json")


@pytest.mark.timeout(120, method="thread")
@pytest.mark.parametrize("command", ["replay", "report"])
def test_the_cli_gives_one_line_and_exit_2_for_special_files(tmp_path: Path,
                                                             command: str) -> None:
    fifo = tmp_path / "fifo.json"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")
    for path in (fifo, zero):
        ran = subprocess.run([sys.executable, "-m", "explorer", command, str(path)], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
        assert ran.returncode == 2
        assert len(ran.stderr.strip().splitlines()) == 1
        assert "not a regular file" in ran.stderr
