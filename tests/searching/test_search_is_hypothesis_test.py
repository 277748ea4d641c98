"""A search is a real Hypothesis test, as a fuzzer finds and drives one: it asks for no
fixture, pytest's ``-m hypothesis`` selects it, and its ``.hypothesis.inner_test`` is one
example of the search that fails on a finding. Calling it inside a running Trio loop is a
user error, not an engine bug."""

from __future__ import annotations

import inspect
from typing import Any

import hypothesis
import pytest
import trio
from hypothesis import HealthCheck, given, settings
from hypothesis.internal.detection import is_hypothesis_test

import explorer
from models.litmus import lost_update


def fuzz(test: Any, examples: int) -> None:
    """Drive a test's inner test as a fuzzer does: its own draws, its own examples."""
    handle = test.hypothesis

    @settings(max_examples=examples, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(**handle._given_kwargs)
    def fuzzed(**drawn: Any) -> None:
        handle.inner_test(**drawn)

    fuzzed()


def test_a_search_test_is_a_hypothesis_test_that_asks_for_no_fixture() -> None:
    test = explorer.Search(lost_update.MODEL, "locked", max_examples=5).test()
    assert is_hypothesis_test(test)
    assert inspect.signature(test).parameters == {}
    assert callable(test.hypothesis.inner_test)


def test_a_fuzzer_driving_the_inner_test_fails_on_the_race() -> None:
    racy = explorer.Search(lost_update.MODEL, "two", max_examples=5).test()
    with pytest.raises(AssertionError, match="no_lost_update"):
        fuzz(racy, 300)


def test_a_fuzzer_driving_the_inner_test_of_a_correct_variant_passes() -> None:
    fuzz(explorer.Search(lost_update.MODEL, "locked", max_examples=5).test(), 30)


def test_called_directly_a_search_test_runs_its_search_with_the_defaults() -> None:
    seen: list[int] = []

    @explorer.search(lost_update.MODEL, "locked", max_examples=7)
    def test_locked(exploration: explorer.Exploration) -> None:
        seen.append(exploration.examples)

    test_locked()
    assert seen == [round(7 * hypothesis.settings().max_examples / 100)]


def test_pytest_selects_searches_as_hypothesis_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_counter='''
import explorer
from models.litmus import lost_update

test_locked = explorer.Search(lost_update.MODEL, "locked", max_examples=5).test()

def test_not_hypothesis():
    pass
''')
    result = pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q",
                                "-m", "hypothesis")
    result.stdout.fnmatch_lines(["*test_counter.py::test_locked", "*1/2 tests collected*"])


def test_a_search_test_inside_a_running_trio_loop_is_a_user_error() -> None:
    test = explorer.Search(lost_update.MODEL, "locked", max_examples=5).test()

    async def an_async_test() -> None:
        test()

    with pytest.raises(explorer.UserError, match="inside a running Trio loop"):
        trio.run(an_async_test)
