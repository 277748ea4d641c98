"""Every measurement of the bench, repeated and interleaved, reduced to medians and ratios.

Invariant: a ratio is the median over repetitions of the ratio measured *within* one
repetition (both sides run back to back in this process, in CPU time), never a ratio of
medians taken at different moments; nothing here judges a figure (the bench has no pass/fail).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import attrs

from explorer.bench import baselines
from explorer.bench.cpu import cpu_seconds
from explorer.bench.searches import (
    SearchLoad,
    SearchTiming,
    long_load,
    short_load,
    time_hypothesis_alone,
    time_search,
)
from explorer.bench.startup import StartupTiming, time_startup


@attrs.frozen
class Config:
    """What the bench runs: repetitions, the scheduling load, the searches' budgets."""

    repeats: int = 5
    tasks: int = 3
    points: int = 2000
    startup_runs: int = 2000
    short_examples: int = 200
    long_examples: int = 20  # 0: no long search


@attrs.frozen
class StepFigures:
    tasks: int
    points: int
    steps_per_s: dict[str, float | None]
    #: The engine's steps/s over each baseline's (above 1: the engine is faster).
    ratios: dict[str, float | None]


@attrs.frozen
class StartupFigures:
    run_us: float
    before_first_step_us: float
    trio_run_us: float
    run_vs_trio_run: float


@attrs.frozen
class SearchFigures:
    model: str
    examples: int
    steps_per_example: float
    examples_per_s: float
    hypothesis_alone_examples_per_s: float
    #: The search's examples/s over Hypothesis's alone: the part of an example that is
    #: Hypothesis's own (1.0 would mean the runs cost nothing).
    vs_hypothesis_alone: float
    gc_share: float


@attrs.frozen
class Figures:
    clock: str
    repeats: int
    steps: StepFigures
    startup: StartupFigures
    short_search: SearchFigures
    long_search: SearchFigures | None


@attrs.frozen
class _Repetition:
    steps: dict[str, float | None]  # CPU seconds of the load, per scheduler
    startup: StartupTiming
    short: tuple[SearchTiming, SearchTiming]  # the search, and Hypothesis alone
    long: tuple[SearchTiming, SearchTiming] | None


def _time_steps(config: Config, seed: int) -> dict[str, float | None]:
    loads: dict[str, baselines.Load | None] = {
        "engine": baselines.engine_load(seed), "trio": baselines.trio_load,
        "generators": baselines.generator_load, "trio_hook": baselines.trio_hook_load()}
    return {name: _time_load(load, config) for name, load in loads.items()}


def _time_load(load: baselines.Load | None, config: Config) -> float | None:
    if load is None:
        return None
    return cpu_seconds(lambda: load(config.tasks, config.points))


def _time_searches(load: SearchLoad, examples: int,
                   seed: int) -> tuple[SearchTiming, SearchTiming]:
    return time_search(load, examples, seed), time_hypothesis_alone(load, examples, seed)


def _repetition(config: Config, seed: int, short: SearchLoad,
                long: SearchLoad | None) -> _Repetition:
    return _Repetition(
        steps=_time_steps(config, seed),
        startup=time_startup(config.startup_runs),
        short=_time_searches(short, config.short_examples, seed),
        long=None if long is None else _time_searches(long, config.long_examples, seed),
    )


def _median(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if len(known) == len(values) and known else None


def _step_figures(config: Config, reps: Sequence[_Repetition]) -> StepFigures:
    work = config.tasks * config.points
    names = list(reps[0].steps)
    rates = {n: _median([None if (s := r.steps[n]) is None else work / s for r in reps])
             for n in names}

    def ratio(base: str) -> float | None:
        return _median([None if (b := r.steps[base]) is None or (e := r.steps["engine"]) is None
                        else b / e for r in reps])

    return StepFigures(config.tasks, config.points, rates,
                       {f"engine_vs_{n}": ratio(n) for n in names if n != "engine"})


def _startup_figures(reps: Sequence[_Repetition]) -> StartupFigures:
    timings = [r.startup for r in reps]
    return StartupFigures(
        statistics.median(t.run_us for t in timings),
        statistics.median(t.before_first_step_us for t in timings),
        statistics.median(t.trio_run_us for t in timings),
        statistics.median(t.run_us / t.trio_run_us for t in timings),
    )


def _rate(timing: SearchTiming) -> float:
    return timing.examples / timing.seconds if timing.seconds > 0 else float("inf")


def _search_figures(label: str,
                    pairs: Sequence[tuple[SearchTiming, SearchTiming]]) -> SearchFigures:
    searches = [s for s, _ in pairs]
    return SearchFigures(
        model=label,
        examples=searches[0].examples,
        steps_per_example=statistics.median(s.steps / max(1, s.examples) for s in searches),
        examples_per_s=statistics.median(_rate(s) for s in searches),
        hypothesis_alone_examples_per_s=statistics.median(_rate(a) for _, a in pairs),
        vs_hypothesis_alone=statistics.median(_rate(s) / _rate(a) for s, a in pairs),
        gc_share=statistics.median(s.gc_seconds / s.seconds if s.seconds > 0 else 0.0
                                   for s in searches),
    )


def measure(config: Config) -> Figures:
    """Run every measurement ``config.repeats`` times, interleaved, and reduce them."""
    short = short_load()
    long = long_load() if config.long_examples > 0 else None
    reps = [_repetition(config, seed, short, long) for seed in range(config.repeats)]
    long_pairs = [r.long for r in reps if r.long is not None]
    return Figures(
        clock="thread CPU time (time.thread_time)",
        repeats=config.repeats,
        steps=_step_figures(config, reps),
        startup=_startup_figures(reps),
        short_search=_search_figures(short.label, [r.short for r in reps]),
        long_search=None if long is None else _search_figures(long.label, long_pairs),
    )
