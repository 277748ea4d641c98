"""Every SCTBench control (the program fixed the obvious way) passes under many seeded random
and PCT schedules, and a run of it is a pure function of its choices."""

from __future__ import annotations

import random

import pytest

import explorer
from explorer.determinism import first_difference
from explorer.sources import PrechosenChoices, SeededRandomSource
from models.sctbench import MODELS
from models.sctbench.catalogue import Control, Program, controls
from models.sctbench.measure import pct_source, probe

BY_NAME = {m.name: m for m in MODELS}
CONTROLS = controls()
IDS = [f"{p.model}-{c.variant}" for p, c in CONTROLS]
SCHEDULES = 100


@pytest.mark.parametrize(("program", "control"), CONTROLS, ids=IDS)
def test_the_control_passes_under_seeded_random_schedules(program: Program,
                                                           control: Control) -> None:
    model = BY_NAME[program.model]
    preempted = 0
    for seed in range(SCHEDULES):
        trace = explorer.run(model, control.variant, None, SeededRandomSource(seed)).trace()
        assert trace.outcome.kind is explorer.OutcomeKind.PASS, (seed, trace.outcome.headline())
        preempted += trace.preemptions > 0
    assert preempted > SCHEDULES // 2  # the schedules really interleaved the threads


@pytest.mark.parametrize(("program", "control"), CONTROLS, ids=IDS)
def test_the_control_passes_under_pct_schedules(program: Program, control: Control) -> None:
    model = BY_NAME[program.model]
    shape = probe(model, control.variant)
    assert shape.tasks == control.threads
    orders = set()
    for seed in range(SCHEDULES):
        source = pct_source(shape, 3, random.Random(seed))
        result = explorer.run(model, control.variant, None, source)
        assert result.outcome.kind is explorer.OutcomeKind.PASS, (seed, result.outcome)
        orders.add(result.choices)
    assert len(orders) > 1


@pytest.mark.parametrize(("program", "control"), CONTROLS, ids=IDS)
def test_the_control_is_deterministic(program: Program, control: Control) -> None:
    model = BY_NAME[program.model]
    first = explorer.run(model, control.variant, None, SeededRandomSource(7)).trace()
    second = explorer.run(model, control.variant, None, SeededRandomSource(7)).trace()
    replayed = explorer.run(model, control.variant, None, PrechosenChoices(first.choices))
    assert first_difference(first, second) is None
    assert first_difference(first, replayed.trace()) is None
    assert first.choices  # the run had decisions to make
