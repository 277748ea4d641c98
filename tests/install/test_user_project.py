"""race-explorer installed from its wheel, as a user installs it, beside a project of the
user's own that has its own ``models`` and ``strategies`` packages and its own Hypothesis
profile: the project's imports and profile stay its own, and its search finds, shrinks,
reports and replays its race.

One scratch venv (in the test's temporary folder) serves the whole module; each test checks
one promise. Building and installing takes about a minute and needs the package index.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from scratch_venv import Venv, build_wheel, make_venv

pytestmark = pytest.mark.install

PROJECT = Path(__file__).parent / "user_project"
WHERE = ("import importlib.util, explorer; print(explorer.__file__); "
         "print(importlib.util.find_spec('models'), importlib.util.find_spec('strategies'))")
OWNERS = "import models, strategies; print(models.OWNER, strategies.OWNER, models.__file__)"


@attrs.frozen
class Installed:
    venv: Venv
    wheel: Path
    project: Path  # the user project's folder (a copy), where its tests run
    elsewhere: Path  # a folder that is neither project: what is importable from anywhere
    bare: str  # what `WHERE` printed before the user project was installed


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    work = tmp_path_factory.mktemp("install")
    elsewhere = work / "elsewhere"
    elsewhere.mkdir()
    wheel = build_wheel(work)
    venv = make_venv(work / "venv")
    venv.pip_install(wheel, cwd=elsewhere)
    bare = venv.run("python", "-c", WHERE, cwd=elsewhere).out
    project = work / "project"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("__pycache__"))
    venv.pip_install(project, cwd=elsewhere)  # non-editable, as race-explorer is
    yield Installed(venv, wheel, project, elsewhere, bare)


def test_the_wheel_holds_only_the_explorer_package_and_its_type_marker(
        installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    top = {name.split("/")[0] for name in names}
    assert {t for t in top if not t.endswith(".dist-info")} == {"explorer"}
    assert "explorer/py.typed" in names


def test_installing_race_explorer_adds_no_models_or_strategies_package(
        installed: Installed) -> None:
    explorer_file, specs = installed.bare.splitlines()
    assert "site-packages" in explorer_file
    assert specs == "None None"


def test_the_user_projects_packages_are_its_own(installed: Installed) -> None:
    owners = installed.venv.run("python", "-c", OWNERS, cwd=installed.elsewhere).out.split()
    assert owners[:2] == ["bank-user-project", "bank-user-project"]
    assert "site-packages" in owners[2]


def test_a_clean_search_beside_plain_tests_writes_nothing_and_keeps_the_users_profile(
        installed: Installed) -> None:
    ran = installed.venv.run("pytest", "tests/test_plain.py", "tests/test_locked.py",
                             "--explorer-seed", "1", cwd=installed.project)
    assert "4 passed" in ran.out, ran.out
    assert "bank.account-locked: no finding in 13 examples" in ran.out
    assert not (installed.project / "reports").exists()


@pytest.fixture(scope="module")
def found(installed: Installed) -> Path:
    """The trace file the project's racy search wrote (after the clean run above)."""
    ran = installed.venv.run("pytest", "--explorer-seed", "1", cwd=installed.project)
    assert "4 passed, 1 xfailed" in ran.out, ran.out
    (trace,) = (installed.project / "reports").glob("bank.account-racy-*.json")
    assert trace.with_suffix(".md").is_file()
    return trace


def test_the_racy_search_finds_and_shrinks_the_lost_deposit(found: Path) -> None:
    trace = json.loads(found.read_text(encoding="utf-8"))
    assert trace["outcome"]["invariant"] == "no_lost_deposit"
    stats = trace["search"]
    assert stats["final_preemptions"] == 1
    assert stats["final_steps"] == 9  # two deposits: main, the two tasks' starts, reads, writes
    assert len(trace["scenario"]) == 2 <= stats["first_steps"] // 4


def test_the_report_tells_the_race(found: Path) -> None:
    report = found.with_suffix(".md").read_text(encoding="utf-8")
    assert "no\\_lost\\_deposit" in report and "```mermaid" in report
    assert "--model" in report


def test_the_trace_replays_with_the_model_the_user_names(installed: Installed,
                                                          found: Path) -> None:
    venv, project = installed.venv, installed.project
    ran = venv.run("python", "-m", "explorer", "replay", found, "--model", "models.bank:MODEL",
                   cwd=project, check=False)
    assert (ran.status, ran.out.splitlines()[-1]) == (1, "the finding reproduces"), ran
    fixed = venv.run("python", "-m", "explorer", "replay", found, "--model", "models.bank:MODEL",
                     "--variant", "locked", cwd=project, check=False)
    assert fixed.status == 0, fixed


def test_without_the_model_named_the_replay_is_one_line_exit_2(installed: Installed,
                                                                found: Path) -> None:
    ran = installed.venv.run("python", "-m", "explorer", "replay", found,
                             cwd=installed.elsewhere, check=False)
    assert ran.status == 2
    assert len(ran.err.strip().splitlines()) == 1 and "--model" in ran.err


def test_a_model_registered_by_entry_point_needs_no_name(installed: Installed,
                                                         found: Path) -> None:
    registration = installed.elsewhere / "registration"
    registration.mkdir()
    (registration / "pyproject.toml").write_text(REGISTRATION, encoding="utf-8")
    installed.venv.pip_install(registration, cwd=installed.elsewhere)
    listed = installed.venv.run("python", "-m", "explorer", "list", cwd=installed.elsewhere)
    assert "bank.account" in listed.out
    ran = installed.venv.run("python", "-m", "explorer", "replay", found,
                             cwd=installed.elsewhere, check=False)
    assert ran.status == 1, ran


REGISTRATION = '''
[build-system]
requires = ["setuptools>=68"]
build-backend = "setuptools.build_meta"

[project]
name = "bank-registration"
version = "0.0.1"

[project.entry-points."race_explorer.models"]
bank = "models.bank:MODEL"

[tool.setuptools]
packages = []
'''
