"""The determinism check catches hash-ordered iteration (a replay in a child process under
another hash seed) and the global ``random`` module (its state is watched over a run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from nondeterministic_models import GLOBAL_RANDOM, SET_ORDER

import explorer
from explorer import tracefile
from explorer.determinism import check_determinism
from explorer.errors import NondeterministicModelError
from explorer.sources import PrechosenChoices

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def replay_repeat(model: explorer.Model, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    trace = explorer.run(model, "v", None, PrechosenChoices(())).trace()
    path = tmp_path / "trace.json"
    path.write_text(tracefile.dumps(trace), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), str(ROOT)]),
           "PYTHONHASHSEED": "123"}
    return subprocess.run([sys.executable, "-m", "explorer", "replay", str(path), "--repeat", "2",
                           "--model", "nondeterministic_models:MODELS"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.timeout(180, method="thread")
def test_replay_repeat_names_hash_order_for_a_model_iterating_a_set(tmp_path: Path) -> None:
    ran = replay_repeat(SET_ORDER, tmp_path)
    assert ran.returncode == 3, ran.stderr
    assert "runs differ first at step" in ran.stderr
    assert "under PYTHONHASHSEED=124" in ran.stderr
    assert "likely cause: hash-ordered iteration" in ran.stderr
    assert len(ran.stderr.strip().splitlines()) == 1


@pytest.mark.timeout(180, method="thread")
def test_replay_repeat_names_the_global_random_module(tmp_path: Path) -> None:
    ran = replay_repeat(GLOBAL_RANDOM, tmp_path)
    assert ran.returncode == 3, ran.stderr
    assert "drew from the global random module" in ran.stderr


@pytest.mark.timeout(60, method="thread")
def test_the_check_refuses_global_random_even_when_every_run_is_seeded_alike() -> None:
    # Hypothesis seeds the global random module alike for each example: the traces then repeat
    # and only watching the module's state shows the defect.
    import random

    random.seed(0)
    with pytest.raises(NondeterministicModelError, match="global random module"):
        check_determinism(GLOBAL_RANDOM, "v", None, PrechosenChoices(()))


@pytest.mark.timeout(60, method="thread")
def test_a_model_that_leaves_global_random_alone_is_not_flagged() -> None:
    result = explorer.run(SET_ORDER, "v", None, PrechosenChoices(()))
    assert result.used_global_random is False
