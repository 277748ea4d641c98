"""The bench's figures as JSON (every figure, machine-readable) or as a table for people.

Invariant: both forms show the same figures, rounded for display only; the JSON keeps every
field of ``Figures`` under the same names, with null for a figure this version cannot measure.
"""

from __future__ import annotations

from typing import Any

import attrs

from explorer.bench.figures import Figures, SearchFigures

#: Bumped when a key of the JSON form changes meaning or goes away.
SCHEMA = 1


def _rounded(value: Any) -> Any:
    """Floats to 4 decimals below 10, else to 1; dicts rounded all the way down."""
    if isinstance(value, float):
        return round(value, 4 if abs(value) < 10 else 1)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def as_json(figures: Figures) -> dict[str, Any]:
    return {"schema": SCHEMA, **_rounded(attrs.asdict(figures, recurse=True))}


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "n/a"
    text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3g}"
    return f"{text}{unit}"


def _search_rows(name: str, search: SearchFigures | None) -> list[tuple[str, str, str]]:
    if search is None:
        return [(f"{name} search", "n/a", "not importable here, or left out")]
    return [
        (f"{name} examples/s", _number(search.examples_per_s),
         f"{search.model}, {search.steps_per_example:.0f} steps an example"),
        (f"{name} vs Hypothesis", _number(search.vs_hypothesis_alone, "x"),
         f"Hypothesis alone: {_number(search.hypothesis_alone_examples_per_s)} examples/s"),
        (f"{name} GC share", f"{search.gc_share:.1%}", "cyclic GC's part of the search's CPU"),
    ]


def as_table(figures: Figures) -> str:
    steps, startup = figures.steps, figures.startup
    rates, ratios = steps.steps_per_s, steps.ratios
    rows = [
        ("engine steps/s", _number(rates["engine"]),
         f"{steps.tasks} tasks x {steps.points} points, a random choice at every step"),
        ("vs trio", _number(ratios["engine_vs_trio"], "x"),
         f"uncontrolled checkpoints: {_number(rates['trio'])} steps/s"),
        ("vs generators", _number(ratios["engine_vs_generators"], "x"),
         f"bare round-robin: {_number(rates['generators'])} steps/s"),
        ("vs trio hook", _number(ratios["engine_vs_trio_hook"], "x"),
         "real Trio tasks through a hook (none in this version)"),
        ("run fixed cost", _number(startup.run_us, " us"), "a run whose main returns at once"),
        ("to first step", _number(startup.before_first_step_us, " us"), "explorer.run to main"),
        ("trio.run alone", _number(startup.trio_run_us, " us"),
         f"run cost / trio.run: {startup.run_vs_trio_run:.3f}"),
        *_search_rows("short", figures.short_search),
        *_search_rows("long", figures.long_search),
    ]
    lines = [f"medians of {figures.repeats} repetitions, in {figures.clock}; ratios are "
             "medians of ratios measured within one repetition"]
    lines += [f"{name:<22}{value:>14}  {note}" for name, value, note in rows]
    return "\n".join(lines)
