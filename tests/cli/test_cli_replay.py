"""``python -m explorer replay``: exit 1 when a finding reproduces, 0 when the run passes, 3 when
the model is nondeterministic, 70 when the engine fails; ``--variant`` and ``--repeat``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_support import Ran, run_module

from explorer import cli, tracefile
from explorer.errors import ExplorerInternalError

RunCli = Callable[..., Ran]


def test_a_finding_that_reproduces_exits_1(run_cli: RunCli, finding: Path) -> None:
    ran = run_cli("replay", finding)
    trace = tracefile.read(finding).trace
    assert ran.status == cli.FINDING == 1
    assert f"{len(trace.steps)} steps" in ran.out
    assert "VIOLATION: invariant no_lost_update violated" in ran.out
    assert ran.out.rstrip().endswith("the finding reproduces")
    assert "differs from the saved trace" not in ran.out
    assert ran.err == ""


def test_the_replay_prints_one_line_per_step(run_cli: RunCli, finding: Path) -> None:
    trace = tracefile.read(finding).trace
    lines = run_cli("replay", finding).out.splitlines()
    for step in trace.steps:
        assert any(line.lstrip().startswith(f"{step.index}") and step.task in line
                   for line in lines)


def test_a_passing_trace_exits_0(run_cli: RunCli, passing: Path) -> None:
    ran = run_cli("replay", passing)
    assert ran.status == cli.PASSED == 0
    assert "the run passes, as recorded" in ran.out


def test_a_fixed_variant_passes_and_says_where_the_schedule_stopped_fitting(
        run_cli: RunCli, finding: Path) -> None:
    ran = run_cli("replay", finding, "--variant", "locked")
    assert ran.status == 0
    assert "variant locked (the trace was recorded on three)" in ran.out
    assert "the schedule stopped fitting at step" in ran.out
    assert "went on with default choices" in ran.out
    assert "the finding does not reproduce" in ran.out


def test_the_racy_variant_named_explicitly_replays_strictly(run_cli: RunCli,
                                                          finding: Path) -> None:
    assert run_cli("replay", finding, "--variant", "three").status == 1


def test_twenty_repeats_are_identical(run_cli: RunCli, finding: Path) -> None:
    ran = run_cli("replay", finding, "--repeat", "20")
    assert ran.status == 1
    assert "determinism: 20 replays gave identical traces" in ran.out


def test_a_step_bound_trace_replays_to_the_same_bound(run_cli: RunCli, step_bound: Path) -> None:
    ran = run_cli("replay", step_bound, "--repeat", "2")
    assert ran.status == 1
    assert "STEP-BOUND: step bound exceeded at step 60" in ran.out
    assert "differs from the saved trace" not in ran.out


@pytest.mark.parametrize("variant", ["detail", "shape"])
def test_a_nondeterministic_model_exits_3_naming_the_first_differing_step(
        run_cli: RunCli, drifting: Callable[[str], Path], variant: str) -> None:
    ran = run_cli("replay", drifting(variant), "--repeat", "3")
    assert ran.status == cli.NONDETERMINISTIC == 3
    assert "model is nondeterministic: runs differ first at step" in ran.err
    assert len(ran.err.splitlines()) == 1
    assert "Traceback" not in ran.err


def test_a_schedule_that_no_longer_fits_stops_a_strict_replay(run_cli: RunCli,
                                                             finding: Path) -> None:
    data = json.loads(finding.read_text(encoding="utf-8"))
    decided = next(s for s in data["steps"] if s["decision"] and s["decision"]["index"])
    decided["decision"]["chosen"] = 9  # a task the model never creates
    finding.write_text(json.dumps(data), encoding="utf-8")
    ran = run_cli("replay", finding)
    assert ran.status == 2
    assert "error: diverged at step" in ran.err
    assert "expected task #9 enabled (decision" in ran.err


def test_an_engine_failure_is_reported_as_an_engine_bug_not_a_finding(
        run_cli: RunCli, finding: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ExplorerInternalError("engine failed: RuntimeError: boom")

    from explorer import replaying

    monkeypatch.setattr(replaying, "run", broken)
    ran = run_cli("replay", finding)
    assert ran.status == cli.INTERNAL == 70
    assert "internal error in race-explorer (an engine bug, not a finding" in ran.err
    assert "reproduces" not in ran.out


def test_python_m_explorer_replays_a_finding(finding: Path) -> None:
    ran = run_module("replay", finding)
    assert (ran.status, ran.err) == (1, "")
    assert "the finding reproduces" in ran.out
