"""The pytest plugin: options for searches and the failure report of a finding.

Invariant: the plugin only observes and reports; it never changes what a search explores.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("race-explorer")
    group.addoption("--explorer-reports", default="reports", metavar="DIR",
                    help="where findings are written (default: reports/)")
