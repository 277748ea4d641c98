"""Searches that require verification (``verify=K``): the summary says what was proven, a
verification's finding is judged like the examples' findings, and a verification that ran out
of budget fails the test instead of passing."""

from __future__ import annotations

import pytest

import explorer
from explorer.search_options import SearchOptions
from models.litmus import lost_update

MODEL = '''
import explorer


class Counter:
    def __init__(self, workers: int, locked: bool) -> None:
        self.value = 0
        self.workers = workers
        self.locked = locked
        self.lock = explorer.Lock("counter")


async def read_write(world: Counter) -> None:
    await explorer.point("read", touches="value")
    seen = world.value
    await explorer.point("write", touches="value")
    world.value = seen + 1


async def increment(world: Counter) -> None:
    if world.locked:
        async with world.lock:
            await read_write(world)
    else:
        await read_write(world)


async def main(world: Counter) -> None:
    tasks = [explorer.spawn(increment, world, name=f"worker/{i}") for i in range(world.workers)]
    for task in tasks:
        await task.join()


@explorer.invariant(at="quiescence")
def no_lost_update(world: Counter) -> str | None:
    """Every increment is counted."""
    if world.value == world.workers:
        return None
    return f"value is {world.value} after {world.workers} increments"


MODEL = explorer.Model("counter", "unlocked and locked increments",
                       (("racy", "no lock"), ("locked", "one lock")),
                       lambda variant, scenario: Counter(scenario or 2, variant == "locked"),
                       main, (no_lost_update,))
'''


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makepyprojecttoml('[tool.race-explorer]\nreports = "found"\n')
    pytester.makepyfile(counter=MODEL)
    return pytester


def _run(project: pytest.Pytester, test: str) -> pytest.RunResult:
    project.makepyfile(test_counter="import explorer\nfrom counter import MODEL\n\n" + test)
    return project.runpytest("-p", "no:cacheprovider", "--explorer-seed", "1")


def test_a_verified_clean_search_passes_and_says_what_it_proved(
        project: pytest.Pytester) -> None:
    result = _run(project, 'test_locked = explorer.Search(MODEL, "locked", max_examples=20, '
                           'verify=2, verify_scenarios=[2, 3]).test()\n')
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([
        "*race-explorer: what each search explored*",
        "counter-locked: no finding in * examples*",
        "  verify scenario 1/2 2: complete to 2 preemptions: * schedules (* pruned)",
        "  verify scenario 2/2 3: complete to 2 preemptions: * schedules (* pruned)",
    ])


def test_an_incomplete_verification_fails_and_says_where_the_budget_ran_out(
        project: pytest.Pytester) -> None:
    result = _run(project, 'test_locked = explorer.Search(MODEL, "locked", max_examples=20, '
                           'verify=2, verify_scenarios=[3], verify_budget=5).test()\n')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*VerificationIncomplete*",
        "*could not be verified within the budget*",
        "*verify scenario 1/1 3: incomplete: budget hit after 5 schedules at bound 0",
    ])


def test_an_incomplete_verification_is_no_known_race_xfail(project: pytest.Pytester) -> None:
    """A search that must find a race is a strict xfail on ``KnownRaces`` only: an unproven
    scenario fails it even though the examples found the race."""
    result = _run(project, '''
@explorer.search(MODEL, "racy", max_examples=200, verify=2, verify_scenarios=[3],
                 verify_budget=3, expect={"violation:no_lost_update": "no lock"})
def test_racy(exploration):
    pass
''')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*VerificationIncomplete*"])


def test_a_race_only_verification_finds_fails_with_its_bound_and_replay_command(
        project: pytest.Pytester) -> None:
    result = _run(project, 'test_racy = explorer.Search(MODEL, "racy", max_examples=1, '
                           'verify=1).test()\n')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*RaceFound*",
        "*violation:no_lost_update (by verification at bound 1, schedule *",
        "*found by verification at bound 1 (no schedule with fewer preemptions fails)*",
        "*replay: python -m explorer replay *--model counter:MODEL*",
    ])


def test_a_known_race_found_by_verification_keeps_the_strict_xfail(
        project: pytest.Pytester) -> None:
    result = _run(project, '''
@explorer.search(MODEL, "racy", max_examples=1, verify=1,
                 expect={"violation:no_lost_update": "no lock"})
def test_racy(exploration):
    pass
''')
    result.assert_outcomes(xfailed=1)
    result.stdout.fnmatch_lines(["*verify: finding at bound 1 (no schedule with fewer*"])


def test_the_verifications_reach_the_test_body() -> None:
    search = explorer.Search(lost_update.MODEL, "locked", max_examples=5, verify=1)
    exploration = search.explore(SearchOptions(seed=0))
    (verified,) = exploration.verifications
    assert verified.proven and verified.result.bound == 1
    assert verified.result.schedules > 1 and not exploration.findings
    assert "complete to 1 preemption:" in exploration.summary()


def test_a_verification_finding_is_shrunk_and_keeps_its_minimal_bound() -> None:
    search = explorer.Search(lost_update.MODEL, "three", max_examples=1, verify=1)
    exploration = search.explore(SearchOptions(seed=0))
    (finding,) = exploration.findings
    assert finding.bound == 1 and finding.trace.preemptions == 1
    assert finding.stats.final_steps <= finding.stats.first_steps


@pytest.mark.parametrize(("fields", "message"), [
    ({"verify_scenarios": [1]}, "verify_scenarios given without verify"),
    ({"verify": -1}, "preemption bound of 0 or more"),
    ({"verify": 1, "verify_budget": 0}, "verify_budget must be at least 1"),
])
def test_a_verification_declaration_that_cannot_hold_is_refused(
        fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        explorer.Search(lost_update.MODEL, "two", **fields)  # type: ignore[arg-type]


def test_a_search_that_draws_scenarios_must_list_those_it_verifies() -> None:
    from hypothesis import strategies as st

    with pytest.raises(ValueError, match="needs at least one scenario"):
        explorer.Search(lost_update.MODEL, "two", scenarios=st.none(), verify=1)
