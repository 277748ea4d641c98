"""Searches as pytest tests: verdicts, reports where the project says, statistics, xdist, and
nothing changed for tests that are not searches."""

from __future__ import annotations

import importlib.util

import pytest

MODEL = '''
import explorer


class Counter:
    def __init__(self) -> None:
        self.value = 0


async def increment(world: Counter) -> None:
    await explorer.point("read", touches="value")
    seen = world.value
    await explorer.point("write", touches="value")
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


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyprojecttoml('[tool.race-explorer]\nreports = "found"\n')
    pytester.makepyfile(counter=MODEL)
    return pytester


def test_a_known_race_is_a_strict_xfail_and_its_report_goes_where_the_project_says(
        project: pytest.Pytester) -> None:
    project.makepyfile(test_counter='''
import explorer
from counter import MODEL

@explorer.search(MODEL, "racy", max_examples=200,
                 expect={"violation:no_lost_update": "no lock"})
def test_counter(exploration):
    pass
''')
    result = project.runpytest("-p", "no:cacheprovider", "--explorer-seed", "1")
    result.assert_outcomes(xfailed=1)
    result.stdout.fnmatch_lines(["*race-explorer: what each search explored*",
                                 "counter-racy: 1 finding(s) in 200 examples*"])
    reports = sorted(p.name for p in (project.path / "found").iterdir())
    assert any(name.endswith(".md") for name in reports) and any(
        name.endswith(".json") for name in reports)


def test_an_unexpected_finding_fails_with_the_command_that_replays_it(
        project: pytest.Pytester) -> None:
    project.makepyfile(test_counter='''
import explorer
from counter import MODEL

test_counter = explorer.Search(MODEL, "racy", max_examples=200).test()
''')
    result = project.runpytest("-p", "no:cacheprovider", "--explorer-seed", "1")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*RaceFound*", "*violation:no_lost_update*",
                                 "*replay: python -m explorer replay *--model counter:MODEL*"])


def test_a_required_race_that_is_not_found_fails(project: pytest.Pytester) -> None:
    project.makepyfile(test_counter='''
import explorer
from counter import MODEL

@explorer.search(MODEL, "racy", max_examples=5, invariants=(),
                 expect={"violation:no_lost_update": "no lock"})
def test_counter(exploration):
    pass
''')
    result = project.runpytest("-p", "no:cacheprovider", "--explorer-seed", "1")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*did not find 1 race(s) it is expected to find*"])


def test_nothing_is_written_when_there_is_nothing_to_write(project: pytest.Pytester) -> None:
    project.makepyfile(test_counter='''
import explorer
from counter import MODEL

test_clean = explorer.Search(MODEL, "racy", max_examples=20, invariants=()).test()
''')
    project.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    assert not (project.path / "found").exists()
    assert not (project.path / "reports").exists()


def test_the_plugin_changes_nothing_for_ordinary_hypothesis_tests(
        project: pytest.Pytester) -> None:
    project.makeconftest('''
from hypothesis import settings
settings.register_profile("mine", max_examples=7)
settings.load_profile("mine")
''')
    project.makepyfile(test_plain='''
from hypothesis import given, settings, strategies as st

seen = []

@given(st.integers())
def test_plain(x):
    seen.append(x)

def test_the_users_profile_is_in_force():
    assert settings.get_current_profile_name() == "mine"
    assert settings().max_examples == 7
''')
    # in a process of its own: a loaded profile is Hypothesis's process-wide state
    project.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_a_search_shows_its_hypothesis_statistics(project: pytest.Pytester) -> None:
    project.makepyfile(test_counter='''
import explorer
from counter import MODEL

test_clean = explorer.Search(MODEL, "racy", max_examples=20, invariants=()).test()
''')
    result = project.runpytest("-p", "no:cacheprovider", "--hypothesis-show-statistics")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*Hypothesis Statistics*", "*test_clean*",
                                 "*generate phase*"])


@pytest.mark.skipif(importlib.util.find_spec("xdist") is None, reason="pytest-xdist not installed")
def test_under_xdist_the_summary_gathers_every_worker(project: pytest.Pytester) -> None:
    project.makepyfile(test_counter='''
import explorer
from counter import MODEL

test_one = explorer.Search(MODEL, "racy", name="one", max_examples=20, invariants=()).test()
test_two = explorer.Search(MODEL, "racy", name="two", max_examples=20, invariants=()).test()
''')
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*race-explorer: what each search explored*"])
    result.stdout.fnmatch_lines(["one: no finding in 20 examples*"])
    result.stdout.fnmatch_lines(["two: no finding in 20 examples*"])


def test_the_command_line_overrides_where_the_project_says_reports_go(
        project: pytest.Pytester) -> None:
    project.makepyfile(test_counter='''
import explorer
from counter import MODEL

test_counter = explorer.Search(MODEL, "racy", max_examples=200).test()
''')
    project.runpytest("-p", "no:cacheprovider", "--explorer-seed", "1",
                      "--explorer-reports", "elsewhere").assert_outcomes(failed=1)
    assert not (project.path / "found").exists()
    assert sorted(p.suffix for p in (project.path / "elsewhere").iterdir()) == [".json", ".md"]


@pytest.mark.parametrize("where", ["command line", "pyproject"])
def test_reports_none_writes_nothing_even_for_a_finding(project: pytest.Pytester,
                                                          where: str) -> None:
    project.makepyfile(test_counter='''
import explorer
from counter import MODEL

test_counter = explorer.Search(MODEL, "racy", max_examples=200).test()
''')
    options = ["--explorer-reports", "none"] if where == "command line" else []
    if where == "pyproject":
        project.makepyprojecttoml('[tool.race-explorer]\nreports = "none"\n')
    before = sorted(p.name for p in project.path.iterdir())
    project.runpytest("-p", "no:cacheprovider", "--explorer-seed", "1",
                      *options).assert_outcomes(failed=1)
    assert sorted(p.name for p in project.path.iterdir()) == before


PROFILE_SEARCH = '''
import explorer
from counter import MODEL

@explorer.search(MODEL, "racy", max_examples=20, invariants=())
def test_budget(exploration):
    print(f"EXAMPLES={exploration.examples}")
'''


@pytest.mark.parametrize(("options", "conftest", "examples"), [
    ((), "", 20),
    (("--hypothesis-profile", "race-explorer-deep"), "", 500),
    ((), "mine", 1),
    (("--hypothesis-profile", "race-explorer-dev"), "mine", 20),
], ids=["default", "deep", "users-profile", "command-line-over-users"])
def test_a_searchs_budget_follows_the_profile_in_force(
        project: pytest.Pytester, options: tuple[str, ...], conftest: str,
        examples: int) -> None:
    if conftest:
        project.makeconftest('''
from hypothesis import settings
settings.register_profile("mine", max_examples=7)
settings.load_profile("mine")
''')
    project.makepyfile(test_budget=PROFILE_SEARCH)
    result = project.runpytest_subprocess("-p", "no:cacheprovider", "-s", *options)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*EXAMPLES={examples}*"])


def test_the_plugin_loads_no_profile_of_its_own(project: pytest.Pytester) -> None:
    project.makepyfile(test_profile='''
from hypothesis import settings

def test_the_profile_is_hypothesis_own():
    assert settings.get_current_profile_name() in ("default", "ci")
''')
    project.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_under_ci_searches_are_derandomized(project: pytest.Pytester,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    project.makepyfile(test_counter='''
import explorer
from counter import MODEL

test_clean = explorer.Search(MODEL, "racy", max_examples=30, invariants=()).test()
''')
    summaries = []
    for _ in range(2):
        result = project.runpytest_subprocess("-p", "no:cacheprovider")
        result.assert_outcomes(passed=1)
        summaries += [line for line in result.stdout.lines if line.startswith("counter-racy:")]
    assert len(summaries) == 2 and summaries[0] == summaries[1]


@pytest.mark.parametrize(("config", "flag", "seed"), [
    ("seed = 7\n", (), "7"), ("seed = 7\n", ("--explorer-seed", "3"), "3"), ("", (), "None")])
def test_the_project_seed_is_every_searchs_seed_unless_the_command_line_gives_one(
        pytester: pytest.Pytester, config: str, flag: tuple[str, ...], seed: str) -> None:
    pytester.makepyprojecttoml(f'[tool.race-explorer]\nreports = "none"\n{config}')
    pytester.makepyfile(test_seed='''
from explorer.plugin import options_for

def test_seed(request):
    print("seed is", options_for(request).seed)
''')
    result = pytester.runpytest("-p", "no:cacheprovider", "-s", *flag)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"*seed is {seed}"])


def test_a_seed_that_is_not_a_whole_number_is_one_clear_error(pytester: pytest.Pytester) -> None:
    pytester.makepyprojecttoml('[tool.race-explorer]\nseed = "zero"\n')
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret != 0
    assert "seed must be a whole number" in result.stderr.str() + result.stdout.str()
