"""The pytest plugin: search options, Hypothesis profiles, and a summary of what was explored.

Invariant: the plugin only configures and reports; a search's verdict is its own.
"""

from __future__ import annotations

from pathlib import Path

import hypothesis
import pytest

from explorer.searching import CONFIG

SOURCES = ("hypothesis", "pct", "random", "sparse", "list")

hypothesis.settings.register_profile("dev", deadline=None, max_examples=200)
hypothesis.settings.register_profile(
    "ci", deadline=None, max_examples=200, derandomize=True, database=None, print_blob=False
)
hypothesis.settings.register_profile("deep", deadline=None, max_examples=5000)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("race-explorer")
    group.addoption(
        "--explorer-reports",
        default="reports",
        metavar="DIR",
        help="where findings are written (default: reports/; 'none' to write nothing)",
    )
    group.addoption(
        "--explorer-examples",
        type=int,
        default=None,
        metavar="N",
        help="examples per search (default: the Hypothesis profile's max_examples)",
    )
    group.addoption(
        "--explorer-seed",
        type=int,
        default=None,
        metavar="N",
        help="seed every search (a run with the same seed explores the same examples)",
    )
    group.addoption(
        "--explorer-source",
        choices=SOURCES,
        default="hypothesis",
        help="schedules: the default mix, or only pct / random / sparse / list",
    )
    group.addoption(
        "--explorer-replay",
        default=None,
        metavar="PATH",
        help="replay this saved trace in the search for its model and variant",
    )


def pytest_configure(config: pytest.Config) -> None:
    if not config.getoption("hypothesis_profile", default=None):
        hypothesis.settings.load_profile("dev")
    reports = config.getoption("explorer_reports")
    CONFIG.reports = None if reports == "none" else Path(reports)
    CONFIG.max_examples = config.getoption("explorer_examples")
    CONFIG.seed = config.getoption("explorer_seed")
    CONFIG.source = config.getoption("explorer_source")
    replay = config.getoption("explorer_replay")
    CONFIG.replay = Path(replay) if replay else None
    CONFIG.explorations.clear()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not CONFIG.explorations:
        return
    terminalreporter.section("race-explorer: what each search explored")
    for exploration in CONFIG.explorations:
        terminalreporter.write_line(exploration.summary())
