"""What every trace's key steps must keep, as assertions shared by the report tests."""

from __future__ import annotations

import itertools

from explorer.records import Trace
from explorer.report.keysteps import LIMIT, Fold, KeyStep, Row, key_steps


def shown(rows: tuple[Row, ...]) -> list[int]:
    """Every step index the rows stand for, in row order."""
    found: list[int] = []
    for row in rows:
        found.extend(range(row.first, row.last + 1) if isinstance(row, Fold) else [row.index])
    return found


def keys(rows: tuple[Row, ...]) -> dict[int, tuple[str, ...]]:
    return {r.index: r.why for r in rows if isinstance(r, KeyStep)}


def check_rows(trace: Trace) -> tuple[Row, ...]:
    """The invariants every trace's key steps keep; returns the rows."""
    rows = key_steps(trace)
    assert shown(rows) == list(range(len(trace.steps)))
    chosen = keys(rows)
    assert len(chosen) <= LIMIT
    assert min(trace.outcome.step, len(trace.steps) - 1) in chosen
    for before, after in itertools.pairwise(rows):
        assert not (isinstance(before, Fold) and isinstance(after, Fold))
    for row in rows:
        if isinstance(row, Fold):
            assert row.size > 1 or len(chosen) == LIMIT  # a lone step is shown when it can be
    check_switches(trace, rows)
    return rows


def check_switches(trace: Trace, rows: tuple[Row, ...]) -> None:
    """Every preemption and early timer is a key step, or (past the limit) counted in a fold:
    the ones kept are the latest, nearest the outcome."""
    chosen = keys(rows)
    end = min(trace.outcome.step, len(trace.steps) - 1)
    preempted = [s.index for s in trace.steps[:end] if s.decision and s.decision.is_preemption]
    timers = [s.index + 1 for s in trace.steps[:end] if s.decision and s.decision.is_early_timer]
    folded = [i for r in rows if isinstance(r, Fold) for i in r.preemptions]
    assert sorted(folded + [i for i in preempted if i in chosen]) == preempted
    wanted = sorted(set(preempted + timers), reverse=True)
    if len(wanted) < LIMIT:
        assert set(wanted) <= set(chosen)
    else:
        assert set(wanted[:LIMIT - 1]) <= set(chosen)
