"""A search's verdict does not depend on where its reports can go: a folder that cannot be
written is a warning; reports follow the user's umask; ``--explorer-replay`` of a known race
keeps the search's expectation (a strict xfail, not a failure)."""

from __future__ import annotations

import os
import stat

import pytest

MODEL = '''
import explorer


class Counter:
    def __init__(self) -> None:
        self.value = 0


async def increment(world: Counter) -> None:
    await explorer.point("read")
    seen = world.value
    await explorer.point("write")
    world.value = seen + 1


async def main(world: Counter) -> None:
    tasks = [explorer.spawn(increment, world, name=f"worker/{i}") for i in range(2)]
    for task in tasks:
        await task.join()


@explorer.invariant(at="quiescence")
def no_lost_update(world: Counter) -> str | None:
    """Every increment is counted."""
    return None if world.value == 2 else f"value is {world.value} after 2 increments"


MODEL = explorer.Model("counter", "two unlocked increments", (("racy", "no lock"),),
                       lambda variant, scenario: Counter(), main, (no_lost_update,))
'''

KNOWN_RACE = '''
import explorer
from counter import MODEL

@explorer.search(MODEL, "racy", max_examples=200,
                 expect={"violation:no_lost_update": "no lock"})
def test_counter(exploration):
    pass
'''


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    # As this project's own configuration does: every warning is an error.
    pytester.makepyprojecttoml('[tool.race-explorer]\nreports = "found"\n\n'
                               '[tool.pytest.ini_options]\nfilterwarnings = ["error", '
                               '"ignore::pytest.PytestAssertRewriteWarning"]\n')
    pytester.makepyfile(counter=MODEL, test_counter=KNOWN_RACE)
    return pytester


@pytest.mark.timeout(120, method="thread")
@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_reports_folder_is_a_warning_not_a_changed_verdict(
        project: pytest.Pytester) -> None:
    found = project.path / "found"
    found.mkdir()
    found.chmod(0o555)
    try:
        result = project.runpytest("-p", "no:cacheprovider", "--explorer-seed", "1")
    finally:
        found.chmod(0o755)
    result.assert_outcomes(xfailed=1, warnings=1)
    result.stdout.fnmatch_lines(["*could not write the report of violation:no_lost_update*"])


@pytest.mark.timeout(120, method="thread")
def test_a_reports_path_that_is_a_file_is_a_warning_not_a_changed_verdict(
        project: pytest.Pytester) -> None:
    (project.path / "found").write_text("not a folder\n")
    result = project.runpytest("-p", "no:cacheprovider", "--explorer-seed", "1")
    result.assert_outcomes(xfailed=1, warnings=1)


@pytest.mark.timeout(120, method="thread")
def test_reports_are_written_with_the_users_umask(project: pytest.Pytester) -> None:
    previous = os.umask(0o022)
    try:
        project.runpytest("-p", "no:cacheprovider", "--explorer-seed", "1")
    finally:
        os.umask(previous)
    written = list((project.path / "found").iterdir())
    assert written
    assert {stat.S_IMODE(p.stat().st_mode) for p in written} == {0o644}


@pytest.mark.timeout(120, method="thread")
def test_replaying_a_known_race_in_its_search_keeps_the_expectation(
        project: pytest.Pytester) -> None:
    project.runpytest("-p", "no:cacheprovider", "--explorer-seed", "1").assert_outcomes(
        xfailed=1)
    trace = next(p for p in (project.path / "found").iterdir() if p.suffix == ".json")
    result = project.runpytest("-p", "no:cacheprovider", "--explorer-replay", str(trace))
    result.assert_outcomes(xfailed=1)
