"""Findings kept between runs: each search's shrunk findings, saved in Hypothesis's example
database and replayed first on the next run.

Invariant: an entry is plain JSON (the finding's key, scenario, decisions and the search
statistics of its discovery) under a key of the search's own; replaying it runs the model, and
an entry that no longer reproduces its finding is deleted. Entries are read in a fixed order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs
from hypothesis.database import ExampleDatabase

from explorer.records import SearchStats
from explorer.sources.prechosen import PrechosenChoices

if TYPE_CHECKING:
    from explorer.exploration import Finding, Tally, Target


def database_key(name: str) -> bytes:
    return b"race-explorer.findings:" + name.encode("utf-8")


def _entries(database: ExampleDatabase, name: str) -> list[bytes]:
    return sorted(database.fetch(database_key(name)))


def _decode(entry: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(entry.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    fields = ("key", "scenario", "choices", "stats")
    return data if isinstance(data, dict) and all(f in data for f in fields) else None


def replay_saved(database: ExampleDatabase | None, name: str, target: Target,
                 tally: Tally) -> None:
    """Replay every saved finding of search ``name``; keep those that still reproduce."""
    from explorer.exploration import Seen

    if database is None:
        return
    for entry in _entries(database, name):
        data = _decode(entry)
        result, stats = None, None
        if data is not None:
            try:
                choices = tuple(int(c) for c in data["choices"])
                stats = SearchStats(**data["stats"])
            except (TypeError, ValueError):
                choices, stats = (), None
            if stats is not None:
                result = target.attempt(data["scenario"], PrechosenChoices(choices), data["key"])
        if (data is None or stats is None or result is None
                or result.outcome.key != data["key"]):
            database.delete(database_key(name), entry)
            continue
        if result.outcome.key not in tally.seen:
            seen = Seen(result, stats.examples_to_first_failure or 0)
            seen.from_database, seen.stats = True, stats
            tally.seen[result.outcome.key] = seen


def save(database: ExampleDatabase | None, name: str, findings: Iterable[Finding]) -> None:
    """Replace the saved findings of search ``name`` by ``findings``."""
    if database is None:
        return
    key = database_key(name)
    for entry in _entries(database, name):
        database.delete(key, entry)
    for finding in findings:
        trace = finding.trace
        data = {"key": finding.key, "scenario": trace.scenario, "choices": list(trace.choices),
                "stats": attrs.asdict(finding.stats)}
        database.save(key, json.dumps(data, sort_keys=True).encode("utf-8"))
