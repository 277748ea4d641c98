"""The progress line: one updating line per running search on a terminal, about fifty
updates a search, cleared at its end; nothing under ``-q``, off a terminal, or in an xdist
worker."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

from explorer.plugin import _progress_line


@attrs.define
class Reporter:
    isatty: bool = True
    lines: list[str] = attrs.Factory(list)
    currentfspath: Any = "somewhere"

    def rewrite(self, line: str, erase: bool = False) -> None:
        self.lines.append(line)


@attrs.define
class PluginManager:
    reporter: Reporter

    def get_plugin(self, name: str) -> Reporter | None:
        return self.reporter if name == "terminalreporter" else None


@attrs.define
class Config:
    reporter: Reporter
    verbose: int = 0

    @property
    def pluginmanager(self) -> PluginManager:
        return PluginManager(self.reporter)

    def getoption(self, name: str) -> int:
        assert name == "verbose"
        return self.verbose


class WorkerConfig(Config):
    workerinput: dict[str, str] = {}  # noqa: RUF012 (what xdist sets on a worker's config)


def test_a_search_updates_one_line_about_fifty_times_and_clears_it() -> None:
    reporter = Reporter()
    show = _progress_line(Config(reporter))
    assert show is not None
    for done in range(1, 1001):
        show("search-a", done, 1000, ("violation:x",) if done > 500 else ())
    assert 40 <= len(reporter.lines) <= 60
    assert reporter.lines[-2] == "  search-a: 1000/1000 examples, 1 finding(s)"
    assert reporter.lines[-1] == ""


@pytest.mark.parametrize("config", [
    Config(Reporter(), verbose=-1), Config(Reporter(isatty=False)), WorkerConfig(Reporter())],
    ids=["quiet", "not-a-terminal", "xdist-worker"])
def test_no_progress_line(config: Config) -> None:
    assert _progress_line(config) is None  # type: ignore[arg-type]
