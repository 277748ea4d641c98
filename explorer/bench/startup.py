"""What a run costs before and around its first step, beside what ``trio.run`` alone costs.

Invariant: every figure is mean CPU microseconds per call over many calls of the same run, in
this process; the empty model's ``main`` returns at once, so its run is all fixed cost.
"""

from __future__ import annotations

import attrs
import trio

import explorer
from explorer.bench.cpu import CLOCK, per_call_us
from explorer.sources.prechosen import PrechosenChoices


@attrs.frozen
class StartupTiming:
    run_us: float
    before_first_step_us: float
    trio_run_us: float


def _empty_model() -> explorer.Model:
    async def main(world: None) -> None:
        return None

    return explorer.Model("bench-empty", "a main that returns at once", (("plain", ""),),
                          lambda variant, scenario: None, main)


def _first_step_model(entered: list[float]) -> explorer.Model:
    async def main(world: None) -> None:
        entered.append(CLOCK())

    return explorer.Model("bench-first-step", "a main that notes when it starts",
                          (("plain", ""),), lambda variant, scenario: None, main)


def before_first_step_us(runs: int) -> float:
    """Mean CPU microseconds from calling ``explorer.run`` to its first task's first line."""
    entered: list[float] = []
    model = _first_step_model(entered)
    total = 0.0
    for _ in range(runs):
        start = CLOCK()
        explorer.run(model, "plain", None, PrechosenChoices(()))
        total += entered.pop() - start
    return total / runs * 1e6


async def _nothing() -> None:
    return None


def time_startup(runs: int) -> StartupTiming:
    """``runs`` engine runs of each kind; a tenth as many ``trio.run`` calls (each costs more)."""
    model = _empty_model()
    run_us = per_call_us(lambda: explorer.run(model, "plain", None, PrechosenChoices(())), runs)
    trio_us = per_call_us(lambda: trio.run(_nothing), max(1, runs // 10))
    return StartupTiming(run_us, before_first_step_us(runs), trio_us)
