"""Ctrl-C stops ``python -m explorer`` promptly with exit status 130 and one line, never a
traceback; the wall bound is pytest-timeout's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

#: The watchdog and Ctrl-C send SIGINT to the process, which ends a pytest-xdist worker:
#: these run in a process of their own (``.ci/run`` runs this folder without ``-n``).
pytestmark = pytest.mark.skipif("PYTEST_XDIST_WORKER" in os.environ,
                                reason="SIGINT ends an xdist worker; run without -n")

ROOT = Path(__file__).resolve().parents[2]
#: A finding of the IPC model: replaying it takes long enough to be interrupted mid-run.
TRACE = next(iter(sorted((ROOT / "reports" / "examples").glob("*.json"))))


@pytest.mark.timeout(60, method="thread")
def test_ctrl_c_during_a_long_replay_exits_130_with_one_line() -> None:
    command = [sys.executable, "-m", "explorer", "replay", str(TRACE), "--repeat", "100000"]
    child = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, restore_signals=True)
    assert child.stdout is not None
    first = child.stdout.readline()  # "replaying ...": the model runs from here on
    assert first.startswith("replaying")
    time.sleep(1.0)
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=10)  # a hang fails here
    assert child.returncode == 130, err
    assert err.strip().splitlines() == [
        "python -m explorer: interrupted (Ctrl-C): the run in progress was torn down and "
        "nothing was saved"]
    assert "Traceback" not in out + err
