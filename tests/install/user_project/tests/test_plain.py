"""Ordinary tests: the project's own imports and profile, whatever race-explorer is."""

from hypothesis import given, settings
from hypothesis import strategies as st

import models
import strategies

RUNS: list[int] = []


def test_the_imports_are_the_projects_own() -> None:
    assert models.OWNER == strategies.OWNER == "bank-user-project"


@given(st.integers())
def test_a_plain_property(number: int) -> None:
    RUNS.append(number)


def test_the_projects_profile_ran_the_plain_property() -> None:
    assert settings.get_current_profile_name() == "bank"
    assert len(RUNS) == settings().max_examples == 13
