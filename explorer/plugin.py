"""The pytest plugin: search options, a progress line, and a summary of what was explored.

Invariant: the plugin changes nothing for tests that are not searches: it loads no Hypothesis
profile and sets no global state; it builds one frozen ``SearchOptions`` per session (kept in
pytest's stash) that search tests read through their ``request``, and it only reports.

Which Hypothesis settings a search starts from is Hypothesis's own order: ``--hypothesis-
profile``, else the profile the project loaded, else Hypothesis's ``ci`` profile under CI
(derandomized), else its default. A search's declared budget is for 100 examples; a profile
with another ``max_examples`` scales it. The profiles ``race-explorer-dev`` (as declared),
``race-explorer-ci`` (derandomized, no database) and ``race-explorer-deep`` (25 times the
examples) are registered for ``--hypothesis-profile`` and never loaded by themselves.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hypothesis
import pytest

from explorer import config as project_config
from explorer.records import TIMER_POLICIES
from explorer.search_options import SearchOptions
from explorer.sources.hypothesis import SOURCES

_OPTIONS = pytest.StashKey[SearchOptions]()
_PROPERTY = "race-explorer"

hypothesis.settings.register_profile("race-explorer-dev", deadline=None, max_examples=100)
hypothesis.settings.register_profile("race-explorer-ci", deadline=None, max_examples=100,
                                     derandomize=True, database=None, print_blob=False)
hypothesis.settings.register_profile("race-explorer-deep", deadline=None, max_examples=2500)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("race-explorer")
    group.addoption("--explorer-reports", default=None, metavar="DIR",
                    help="where findings are written (default: [tool.race-explorer] reports, "
                         "else reports/ beside pyproject.toml; 'none' to write nothing)")
    group.addoption("--explorer-examples", type=int, default=None, metavar="N",
                    help="examples per search (default: each search's own budget, scaled by "
                         "the Hypothesis profile's max_examples / 100)")
    group.addoption("--explorer-seed", type=int, default=None, metavar="N",
                    help="seed every search (default: [tool.race-explorer] seed, else none); "
                         "the example database is then not used, so the same seed explores "
                         "the same examples")
    group.addoption("--explorer-source", choices=SOURCES, default="hypothesis",
                    help="schedules: the default mix, or only pct / random / sparse / list")
    group.addoption("--explorer-timers", choices=TIMER_POLICIES, default=None,
                    help="timer policy of every search: early (a timer may fire while tasks "
                         "can run) or idle (only when none can); default: each search's own")
    group.addoption("--explorer-replay", default=None, metavar="PATH",
                    help="replay this saved trace in the search for its model and variant")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_OPTIONS] = _options(config)


def _options(config: pytest.Config) -> SearchOptions:
    project = project_config.load(root=Path(config.rootpath))
    reports = config.getoption("explorer_reports")
    if reports is None:
        folder = project.reports
    else:
        folder = project_config.reports_path(reports, Path.cwd())
    replay = config.getoption("explorer_replay")
    seed = config.getoption("explorer_seed")
    return SearchOptions(reports=folder, examples=config.getoption("explorer_examples"),
                         seed=project.seed if seed is None else seed,
                         source=config.getoption("explorer_source"),
                         replay=Path(replay) if replay else None,
                         timers=config.getoption("explorer_timers"),
                         progress=_progress_line(config))


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    """Run a search test with the session's options; leave every other test alone."""
    run = getattr(pyfuncitem.obj, "race_explorer_run", None)
    if run is None:
        return None
    arguments = {name: pyfuncitem.funcargs[name] for name in pyfuncitem._fixtureinfo.argnames}
    properties = pyfuncitem.user_properties
    run(options_for(pyfuncitem), arguments,
        lambda exploration: properties.append((_PROPERTY, exploration.summary())))
    return True


def options_for(request: Any) -> SearchOptions:
    """The session's options, as a search test sees them (defaults outside a session)."""
    config = getattr(request, "config", None)
    if config is None or _OPTIONS not in config.stash:
        return SearchOptions()
    options: SearchOptions = config.stash[_OPTIONS]
    return options


def _progress_line(config: pytest.Config) -> Any:
    """One updating line per running search, on a terminal, unless -q or a worker process."""
    if hasattr(config, "workerinput") or config.getoption("verbose") < 0:
        return None
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or not getattr(reporter, "isatty", False):
        return None
    step = {"next": 0}

    def show(name: str, done: int, budget: int, keys: tuple[str, ...]) -> None:
        if done < step["next"] and done != budget:
            return
        step["next"] = done + max(1, budget // 50)
        found = f", {len(keys)} finding(s)" if keys else ""
        reporter.rewrite(f"  {name}: {done}/{budget} examples{found}", erase=True)
        reporter.currentfspath = None  # the next result starts a fresh line
        if done == budget:
            reporter.rewrite("", erase=True)
            step["next"] = 0

    return show


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    lines = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            properties = getattr(report, "user_properties", ())
            if getattr(report, "when", "call") != "call":
                continue
            lines += [value for name, value in properties if name == _PROPERTY]
    if not lines:
        return
    terminalreporter.section("race-explorer: what each search explored")
    for line in sorted(set(lines)):
        terminalreporter.write_line(line)
