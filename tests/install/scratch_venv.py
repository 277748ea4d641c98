"""A scratch virtual environment, and race-explorer's wheel built from this checkout.

Invariant: nothing here writes outside the folder it is given: the wheel is built from a copy
of the files a distribution holds, and every command runs with a clean environment (no
``PYTHONPATH``, no pytest options of the calling session) in that folder's venv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import attrs

REPO = Path(__file__).resolve().parents[2]
#: What a distribution of race-explorer is built from (the rest of the checkout is not in it).
DISTRIBUTED = ("pyproject.toml", "README.md", "explorer")
#: Variables of the calling session that would leak into the scratch venv's commands.
LEAKS = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTEST_ADDOPTS", "PYTEST_PLUGINS",
         "PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID",
         "PYTEST_CURRENT_TEST", "HYPOTHESIS_PROFILE")


@attrs.frozen
class Ran:
    status: int
    out: str
    err: str


@attrs.frozen
class Venv:
    """A venv at ``path``; ``run`` runs one of its commands in ``cwd``."""

    path: Path

    @property
    def bin(self) -> Path:
        return self.path / "bin"

    def run(self, command: str, *args: str | Path, cwd: Path, check: bool = True) -> Ran:
        env = {k: v for k, v in os.environ.items() if k not in LEAKS}
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        done = subprocess.run([str(self.bin / command), *map(str, args)], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=600, check=False)
        ran = Ran(done.returncode, done.stdout, done.stderr)
        if check and ran.status != 0:
            raise AssertionError(f"{command} {' '.join(map(str, args))} exited {ran.status}:\n"
                                 f"{ran.out}\n{ran.err}")
        return ran

    def pip_install(self, *args: str | Path, cwd: Path) -> Ran:
        return self.run("python", "-m", "pip", "install", "-q", *args, cwd=cwd)


def make_venv(path: Path) -> Venv:
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=300)
    return Venv(path)


def build_wheel(work: Path) -> Path:
    """race-explorer's wheel, built (by pip, from the package index) from a copy of the
    distributed files in ``work``."""
    source = work / "race-explorer"
    source.mkdir()
    for name in DISTRIBUTED:
        original = REPO / name
        if original.is_dir():
            shutil.copytree(original, source / name,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(original, source / name)
    dist = work / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist),
                    str(source)], check=True, capture_output=True, timeout=600)
    (wheel,) = dist.glob("race_explorer-*.whl")
    return wheel
