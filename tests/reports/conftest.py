"""Fixtures for the report tests: one trace of every outcome kind, built once."""

from __future__ import annotations

import pytest
from report_samples import every_kind

from explorer.records import Trace


@pytest.fixture(scope="session")
def traces() -> dict[str, Trace]:
    """One trace of every outcome kind, by name (see ``report_samples``)."""
    return every_kind()
