"""One finding per known race, found once per test session and shared by the quality tests."""

from __future__ import annotations

import hypothesis
import pytest

from explorer.search import Finding
from explorer.searching import CONFIG, RaceFound, SearchSpec


def find(spec: SearchSpec) -> Finding:
    """The search's finding with seed 0 and no example database (so runs do not depend on
    earlier ones); the search must make one, since its race is known."""
    CONFIG.seed, CONFIG.reports = 0, None
    saved = hypothesis.settings()
    hypothesis.settings.register_profile("quality", parent=saved, database=None)
    hypothesis.settings.load_profile("quality")
    try:
        spec.run()
    except RaceFound as race:
        return race.finding
    finally:
        hypothesis.settings.register_profile("quality-restore", parent=saved)
        hypothesis.settings.load_profile("quality-restore")
        CONFIG.seed = None
    raise AssertionError(f"search {spec.name} did not find its known race")


_CACHE: dict[str, Finding] = {}


@pytest.fixture
def found(request: pytest.FixtureRequest) -> tuple[SearchSpec, Finding]:
    """``(spec, finding)`` for the known race named by the test's parameter."""
    spec: SearchSpec = request.param
    if spec.name not in _CACHE:
        _CACHE[spec.name] = find(spec)
    return spec, _CACHE[spec.name]
