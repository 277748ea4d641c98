"""Key steps: at most 15 steps that tell the race, every other step folded, nothing lost."""

from __future__ import annotations

import re
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from key_checks import check_rows, keys
from report_samples import FINDINGS, labelled_trace, litmus_trace

import explorer
from explorer.records import Trace
from explorer.render import action_text, previous_steps
from explorer.report.keysteps import (
    FOOTPRINT,
    LIMIT,
    PREEMPTED,
    RESUMES,
    RUNS_INSTEAD,
    Fold,
    KeyStep,
    fold_text,
    key_steps,
    render_key_steps,
)
from explorer.sources import PrechosenChoices, SeededRandomSource
from models.litmus import MODELS

NUMBERED = re.compile(r"^ *(\d+)\. \[step (\d+)\] ")


@pytest.mark.parametrize("kind", ["violation", "pass", "deadlock", "crash", "step-bound",
                                  "labels"])
def test_every_sample_keeps_the_key_step_invariants(traces: dict[str, Trace], kind: str) -> None:
    check_rows(traces[kind])


@pytest.mark.parametrize(("name", "variant"), sorted(FINDINGS))
def test_every_litmus_finding_keeps_the_key_step_invariants(name: str, variant: str) -> None:
    check_rows(litmus_trace(name, variant))


@settings(max_examples=30, deadline=None)
@given(model=st.sampled_from([m for m in MODELS if m.name != "litmus.nondeterministic"]),
       seed=st.integers(0, 2**16), max_steps=st.sampled_from([40, 200]))
def test_random_runs_of_the_litmus_corpus_keep_the_invariants(model: explorer.Model, seed: int,
                                                               max_steps: int) -> None:
    variant = model.variants[0][0]
    trace = explorer.run(model, variant, None, SeededRandomSource(seed),
                         explorer.Settings(max_steps=max_steps)).trace()
    check_rows(trace)


def test_a_short_trace_is_all_key_steps(traces: dict[str, Trace]) -> None:
    trace = traces["violation"]
    assert len(trace.steps) <= LIMIT
    assert all(isinstance(r, KeyStep) for r in key_steps(trace))


def test_a_lost_update_keeps_both_reads_and_the_stale_write() -> None:
    trace = litmus_trace("litmus.lost-update", "two")
    previous = previous_steps(trace)
    chosen = keys(check_rows(trace))
    told = {i: f"{trace.steps[i].task}: {action_text(trace.steps[i], previous[i])}"
            for i in chosen}
    preempted = next(i for i, why in chosen.items() if PREEMPTED in why)
    assert told[preempted] == "t1/increment: read — value (0)"
    assert told[preempted + 1] == "t2/increment: starts"
    assert RUNS_INSTEAD in chosen[preempted + 1]
    resumed = next(i for i, why in chosen.items() if RESUMES in why)
    assert told[resumed] == "t1/increment: write — value = 1"


def test_past_the_limit_folds_count_the_preemptions_they_hold(traces: dict[str, Trace]) -> None:
    trace = traces["step-bound"]  # two pollers switching back and forth: hundreds of them
    assert trace.preemptions > LIMIT
    rows = check_rows(trace)
    folded = sum(len(r.preemptions) for r in rows if isinstance(r, Fold))
    assert folded == trace.preemptions - sum(1 for why in keys(rows).values() if PREEMPTED in why)
    assert any("preemptions)" in fold_text(r) for r in rows if isinstance(r, Fold))


def test_a_step_naming_what_the_outcome_names_is_a_key_step() -> None:
    ticks = [["tick", ""]] * 40
    points = [*ticks, ["store", "slot#7"], *ticks]
    trace = labelled_trace(["worker/a"], points, "slot#7 was overwritten")
    chosen = keys(check_rows(trace))
    previous = previous_steps(trace)
    named = [i for i in chosen if "slot#7" in action_text(trace.steps[i], previous[i])]
    assert named and "names slot#7" in chosen[named[0]]


@attrs.define
class Shared:
    stale: bool = False


async def writer(world: Shared) -> None:
    for round_ in range(2):
        await explorer.point("write", f"x, round {round_}", touches="x")
        for n in range(12):
            await explorer.point("tick", f"a {n}", touches="a")


async def reader(world: Shared) -> None:
    for n in range(12):
        await explorer.point("tick", f"b {n}", touches="b")
    await explorer.point("read", "x", touches="x")
    world.stale = True
    await explorer.point("done", "", touches="b")


async def footprint_main(world: Shared) -> None:
    tasks = [explorer.spawn(writer, world, name="w"), explorer.spawn(reader, world, name="r")]
    for task in tasks:
        await task.join()


@explorer.invariant(at="step")
def fresh(world: Shared) -> str | None:
    """The reader never reads a stale value."""
    return "a stale value was read" if world.stale else None


FOOTPRINTS = explorer.Model("sample.footprints", "A reader and a writer of x.", (("only", ""),),
                            lambda variant, scenario: Shared(), footprint_main, (fresh,))


def test_the_steps_touching_what_the_violation_step_touches_are_key_steps() -> None:
    trace = explorer.run(FOOTPRINTS, "only", None, PrechosenChoices([])).trace()
    chosen = keys(check_rows(trace))
    previous = previous_steps(trace)
    writes = [s.index for s in trace.steps if action_text(s, previous[s.index]).startswith(
        "write — x")]
    assert len(writes) == 2
    # The chain goes back from the read through both writes of x, never through a tick.
    assert FOOTPRINT in chosen[writes[1]] and FOOTPRINT in chosen[writes[0]]
    assert not [i for i, why in chosen.items() if FOOTPRINT in why and i not in writes]


def test_a_fold_names_its_tasks_in_order_and_its_telling_actions() -> None:
    fold = Fold(3, 40, ("app/env", "backend/main", "android/rpc#0", "x", "y"),
                (("app/env", ("env.reload",)), ("backend/main", ("sys.listen", "sys.bind"))),
                preemptions=(7,))
    assert fold_text(fold) == ("38 steps of app/env, backend/main, android/rpc#0 and 2 more "
                               "(1 preemption): app/env env.reload; backend/main sys.listen, "
                               "sys.bind")
    alone = Fold(3, 4, ("app/env",), (("app/env", ("read state", "trySend")),))
    assert fold_text(alone) == "2 steps of app/env: read state, trySend"


def test_the_text_form_numbers_key_steps_and_says_what_folds_hold(
        traces: dict[str, Trace]) -> None:
    for trace in traces.values():
        rows = key_steps(trace)
        lines = render_key_steps(trace).splitlines()
        numbered = [m for line in lines if (m := NUMBERED.match(line))]
        assert [int(m.group(2)) for m in numbered] == list(keys(rows))
        assert [int(m.group(1)) for m in numbered] == list(range(1, len(numbered) + 1))
        folds = [line for line in lines if line.lstrip().startswith("… ")]
        assert len(folds) == sum(1 for r in rows if isinstance(r, Fold))
        assert lines[-1].startswith(trace.outcome.kind.value.upper() + ":")


def test_the_text_form_says_when_a_timer_fired_early(traces: dict[str, Trace]) -> None:
    trace = traces["violation"]
    assert trace.early_timers
    text = render_key_steps(trace)
    assert ("the timer android/rpc#1 sleep 0.05s fired early at step 7 (t=0.05s) while 1 task "
            "was runnable") in text
    assert "fired early" not in render_key_steps(traces["deadlock"])


def test_the_text_form_shows_model_text_on_one_line_per_row(traces: dict[str, Trace]) -> None:
    trace = traces["labels"]
    lines = render_key_steps(trace).splitlines()
    assert len(lines) == len(key_steps(trace)) + 1
    assert "x\\ny" in "\n".join(lines)


def test_key_steps_are_a_pure_function_of_the_trace(traces: dict[str, Any]) -> None:
    for trace in traces.values():
        assert key_steps(trace) == key_steps(attrs.evolve(trace))
        assert render_key_steps(trace) == render_key_steps(trace)
