"""Options of the project's own test run: ``--quality-full`` runs the slow quality checks."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--quality-full", action="store_true", default=False,
                     help="run the quality checks in full: every seed, and the verifications "
                          "that take more than a few seconds (tests/quality)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "quality_full: a slow quality check, run only with "
                                       "--quality-full")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("quality_full"):
        return
    skip = pytest.mark.skip(reason="slow quality check: run with --quality-full")
    for item in items:
        if "quality_full" in item.keywords:
            item.add_marker(skip)
