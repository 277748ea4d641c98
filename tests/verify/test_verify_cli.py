"""``python -m explorer verify``: exit statuses, the saved finding, ``--json``, one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from explorer import cli, registry, tracefile
from explorer.registry import Registry
from models import ipc, litmus


def verify_cli(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    status = cli.main(["verify", *map(str, argv)])
    out, err = capsys.readouterr()
    return status, out, err


ROOT = Path(__file__).parents[2]


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """In a folder of its own (the default reports folder is relative), knowing the litmus
    corpus as a project that lists it would."""
    monkeypatch.chdir(tmp_path)
    models = {m.name: m for m in [*litmus.MODELS, ipc.MODEL]}
    monkeypatch.setattr(registry, "registry", lambda references=(): Registry.of(models))
    return tmp_path


def test_complete_and_clean_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = verify_cli(capsys, "litmus.lost-update", "locked", "--preemptions", "1")
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        "verify litmus.lost-update locked: bound 0: 13 schedules (0 pruned); "
        "bound 1: 250 schedules (0 pruned)",
        "complete to 1 preemption: 263 schedules (0 pruned)",
    ]


def test_a_finding_exits_1_saved_with_its_report_and_replay_command(
        capsys: pytest.CaptureFixture[str], in_tmp: Path) -> None:
    status, out, _ = verify_cli(capsys, "litmus.lost-update", "two", "--preemptions", "2",
                                "--reports", "found")
    assert status == 1
    assert "finding at bound 1 (no schedule with fewer preemptions fails)" in out
    lines = out.splitlines()
    trace = next(line for line in lines if line.startswith("trace:  ")).split()[-1]
    report = next(line for line in lines if line.startswith("report: ")).split()[-1]
    # Outside the project that lists the litmus corpus, the command names its code.
    assert f"replay: python -m explorer replay {trace} --model models.litmus.lost_update:MODEL" \
        in lines
    assert trace.startswith("found/verify-litmus.lost-update-two-") and Path(report).is_file()
    assert tracefile.read(trace).trace.outcome.invariant == "no_lost_update"
    assert cli.main(["replay", trace]) == 1  # the saved finding reproduces
    capsys.readouterr()
    assert not (in_tmp / "reports").exists()


def test_an_exhausted_budget_exits_4_and_says_at_which_bound(
        capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = verify_cli(capsys, "litmus.lost-update", "locked", "--preemptions", "2",
                                "--budget", "100")
    assert status == 4
    assert out.splitlines()[-1] == ("incomplete: budget hit after 100 schedules at bound 1 "
                                    "(complete to 0 preemptions)")


def test_json_clean(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = verify_cli(capsys, "litmus.lock-order", "ordered", "--preemptions", "2",
                                "--json", "--no-reduction")
    assert status == 0
    data = json.loads(out)
    assert {k: data[k] for k in ("complete", "bound", "schedules", "pruned", "finding",
                                 "reduction")} == {
        "complete": True, "bound": 2, "schedules": 70, "pruned": 0, "finding": None,
        "reduction": False}
    assert data["per_bound"] == [{"bound": 0, "schedules": 3, "pruned": 0},
                                 {"bound": 1, "schedules": 20, "pruned": 0},
                                 {"bound": 2, "schedules": 47, "pruned": 0}]


def test_json_finding(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = verify_cli(capsys, "litmus.lock-order", "opposite", "--preemptions", "2",
                                "--json", "--reports", "out")
    assert status == 1
    data = json.loads(out)
    assert (data["complete"], data["bound"], data["finding_bound"]) == (True, 1, 1)
    finding = data["finding"]
    assert (finding["kind"], finding["invariant"]) == ("deadlock", None)
    assert "can never finish" in finding["message"]
    assert Path(finding["trace_path"]).is_file()


def test_json_incomplete(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = verify_cli(capsys, "litmus.lost-update", "locked", "--preemptions", "2",
                                "--budget", "20", "--json")
    data = json.loads(out)
    assert status == 4 and (data["complete"], data["bound"], data["schedules"]) == (False, 1, 20)


@pytest.mark.parametrize(("argv", "message"), [
    (["litmus.lost-update", "two", "--preemptions", "-1"], "a preemption bound is 0 or more"),
    (["litmus.lost-update", "two"], "--preemptions"),
    (["litmus.lost-update", "two", "--preemptions", "1", "--budget", "0"], "at least 1"),
    (["no.such.model", "two", "--preemptions", "1"], "unknown model 'no.such.model'"),
    (["litmus.lost-update", "four", "--preemptions", "1"], "no variant 'four'"),
    (["litmus.lost-update", "two", "--preemptions", "1", "--scenario", "missing.json"],
     "cannot read scenario file missing.json"),
    (["litmus.lost-update", "two", "--preemptions", "1", "--scenario", "broken.json"],
     "scenario file broken.json is not JSON"),
    (["ipc", "proposed", "--preemptions", "1", "--scenario", "unknown.json"],
     "the scenario does not fit model ipc: scenario has unknown keys"),
])
def test_bad_input_exits_2_with_one_line(capsys: pytest.CaptureFixture[str], in_tmp: Path,
                                         argv: list[str], message: str) -> None:
    (in_tmp / "broken.json").write_text("{events", encoding="utf-8")
    (in_tmp / "unknown.json").write_text('{"bogus": 1}', encoding="utf-8")
    status, out, err = verify_cli(capsys, *argv)
    assert (status, out) == (2, "")
    assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err


def test_a_nondeterministic_model_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = verify_cli(capsys, "litmus.nondeterministic", "counter",
                                  "--preemptions", "1")
    assert status == 3
    assert out.startswith("NONDETERMINISTIC: model is nondeterministic")
    assert "not a race" in err


def test_help_documents_the_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = verify_cli(capsys, "--help")
    assert status == 0
    for line in ("0   complete and clean", "1   a finding", "2   bad input",
                 "3   the model is nondeterministic", "4   incomplete"):
        assert line in out


def test_the_module_entry_point_runs_verify(in_tmp: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "explorer", "verify", "litmus.crash",
                           "unchecked", "--preemptions", "0", "--json",
                           "--model", "models.litmus:MODELS"],
                          capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout)["finding"]["kind"] == "crash"
    assert Path(json.loads(done.stdout)["finding"]["trace_path"]).is_file()
