"""The benchmark: how fast the engine schedules, against plain Trio, and how many examples a
search runs per second.

Invariant: every figure is the median of several timed repetitions in this one process, and
wall-clock time is read here only (``time.perf_counter``), never by the engine or a model.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

import attrs
import trio

import explorer
from explorer.sources.seeded import SeededRandomSource

TASKS = 3
POINTS = 2000
SEARCH_POINTS = 10
TARGET_RATIO = 0.3
TARGET_EXAMPLES_PER_S = 500.0


@attrs.frozen
class Figures:
    """Medians over ``repeats`` repetitions."""

    repeats: int
    engine_steps_per_s: float
    trio_steps_per_s: float
    examples_per_s: float | None  # None when the search module is not available

    @property
    def ratio(self) -> float:
        return self.engine_steps_per_s / self.trio_steps_per_s

    def meets_targets(self) -> bool:
        examples = self.examples_per_s
        examples_ok = examples is not None and examples >= TARGET_EXAMPLES_PER_S
        return self.ratio >= TARGET_RATIO and examples_ok


def points_model(points: int) -> explorer.Model:
    """``TASKS`` tasks of ``points`` plain scheduling points each; nothing can fail."""

    async def worker() -> None:
        for _ in range(points):
            await explorer.point("tick")

    async def main(world: None) -> None:
        handles = [explorer.spawn(worker, name=f"w{i}/tick") for i in range(TASKS)]
        for handle in handles:
            await handle.join()

    return explorer.Model(f"bench-{TASKS}x{points}", "benchmark load", (("plain", ""),),
                          lambda variant, scenario: None, main)


def _timed(fn: Callable[[], int]) -> float:
    """Units of work per second for one call of ``fn``, which returns how many it did."""
    start = time.perf_counter()
    done = fn()
    return done / (time.perf_counter() - start)


def engine_steps_per_s(seed: int, model: explorer.Model) -> float:
    return _timed(lambda: explorer.run(model, "plain", None, SeededRandomSource(seed)).steps)


async def _trio_checkpoints() -> None:
    async def worker() -> None:
        for _ in range(POINTS):
            await trio.lowlevel.checkpoint()

    async with trio.open_nursery() as nursery:
        for _ in range(TASKS):
            nursery.start_soon(worker)


def trio_steps_per_s() -> float:
    def loop() -> int:
        trio.run(_trio_checkpoints)
        return TASKS * POINTS

    return _timed(loop)


def search_examples_per_s(seed: int, examples: int) -> float | None:
    from explorer.exploration import SearchSettings, explore

    model = points_model(SEARCH_POINTS)

    def search() -> int:
        exploration = explore(model, "plain",
                              settings=SearchSettings(max_examples=examples, seed=seed))
        assert not exploration.findings, "the benchmark model must pass"
        return exploration.examples

    return _timed(search)


def _median(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def measure(repeats: int = 5, examples: int = 500) -> Figures:
    """Run every measurement ``repeats`` times, interleaved, and keep the medians."""
    model = points_model(POINTS)
    engine, plain, search = [], [], []
    for rep in range(repeats):
        engine.append(engine_steps_per_s(rep, model))
        plain.append(trio_steps_per_s())
        search.append(search_examples_per_s(rep, examples))
    return Figures(repeats, statistics.median(engine), statistics.median(plain), _median(search))


def as_json(figures: Figures) -> dict[str, Any]:
    return {
        "repeats": figures.repeats,
        "load": {"tasks": TASKS, "points": POINTS, "search_points": SEARCH_POINTS},
        "engine_steps_per_s": round(figures.engine_steps_per_s),
        "trio_steps_per_s": round(figures.trio_steps_per_s),
        "ratio": round(figures.ratio, 3),
        "examples_per_s": None if figures.examples_per_s is None else round(figures.examples_per_s),
        "targets": {"ratio": TARGET_RATIO, "examples_per_s": TARGET_EXAMPLES_PER_S},
        "meets_targets": figures.meets_targets(),
    }


def as_table(figures: Figures) -> str:
    def mark(ok: bool) -> str:
        return "ok" if ok else "BELOW TARGET"

    examples = figures.examples_per_s
    rows = [
        ("engine steps/s", f"{figures.engine_steps_per_s:,.0f}",
         f"{TASKS} tasks x {POINTS} points"),
        ("trio steps/s", f"{figures.trio_steps_per_s:,.0f}", "uncontrolled checkpoints"),
        ("ratio", f"{figures.ratio:.3f}",
         f"target >= {TARGET_RATIO}: {mark(figures.ratio >= TARGET_RATIO)}"),
        ("examples/s", "n/a" if examples is None else f"{examples:,.0f}",
         f"target >= {TARGET_EXAMPLES_PER_S:g}: "
         + mark(examples is not None and examples >= TARGET_EXAMPLES_PER_S)),
    ]
    lines = [f"median of {figures.repeats} repetitions"]
    lines += [f"{name:<16}{value:>12}  {note}" for name, value, note in rows]
    return "\n".join(lines)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--repeats", type=int, default=5, metavar="N",
                        help="timed repetitions of each measurement (default: 5)")
    parser.add_argument("--examples", type=int, default=500, metavar="N",
                        help="examples per timed search (default: 500)")


def main(args: argparse.Namespace) -> int:
    if args.repeats < 1 or args.examples < 1:
        raise explorer.UserError("--repeats and --examples must be at least 1")
    figures = measure(args.repeats, args.examples)
    print(json.dumps(as_json(figures), indent=2) if args.json else as_table(figures))
    return 0
