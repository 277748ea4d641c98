"""Plain-text renderings: aligned step lines, the minimal numbered form, the outcome headline."""

from __future__ import annotations

import re

import pytest

from explorer.records import Outcome, OutcomeKind, Trace
from explorer.render import (
    SHORT_TRACE,
    action_text,
    headline,
    plain_doc,
    previous_steps,
    render_minimal,
    render_trace,
    select_steps,
    switch_target,
    task_names,
)

NUMBERED = re.compile(r"^ *(\d+)\. \[step (\d+)\] ")


def test_one_line_per_step_between_a_header_and_the_outcome(traces: dict[str, Trace]) -> None:
    trace = traces["violation"]
    lines = render_trace(trace).splitlines()
    assert len(lines) == 1 + len(trace.steps) + 1
    assert lines[0].startswith(f"sample.pipe / racy: {len(trace.steps)} steps")
    assert lines[-1].startswith(
        f"VIOLATION: invariant delivered violated at step {len(trace.steps) - 1}")


def test_columns_line_up(traces: dict[str, Trace]) -> None:
    trace = traces["violation"]
    step_lines = render_trace(trace).splitlines()[1:-1]
    assert len({line.index(" t=") for line in step_lines}) == 1
    previous = previous_steps(trace)
    starts = {line.index(action_text(step, before), 8) for line, step, before
              in zip(step_lines, trace.steps, previous, strict=True)}
    assert len(starts) == 1


def test_a_step_line_shows_task_action_point_reached_and_time(
        traces: dict[str, Trace]) -> None:
    trace = traces["violation"]
    index = next(s.index for s in trace.steps[1:] if s.task == "android/rpc#1"
                 and s.label == "sys.connect")
    line = render_trace(trace).splitlines()[1 + index]
    # The task did its socket() call (the point it left), then reached its connect() point.
    assert re.search(rf"\b{index}\S? +android/rpc#1 +sys\.socket — AF_UNIX → fd 5 +"
                     rf"at sys\.connect — fd 5 → ok +t=0\.000s", line), line


def test_a_task_s_first_step_starts_it(traces: dict[str, Trace]) -> None:
    trace = traces["violation"]
    firsts = {s.tid: s for s in reversed(trace.steps) if s.tid >= 0}
    lines = render_trace(trace).splitlines()[1:-1]
    for step in firsts.values():
        assert re.search(rf" {re.escape(step.task)} +starts +at {re.escape(step.label)}",
                         lines[step.index]), lines[step.index]


def test_switches_away_from_the_default_are_marked_with_the_next_task(
        traces: dict[str, Trace]) -> None:
    trace = traces["violation"]
    names = task_names(trace)
    for step, line in zip(trace.steps, render_trace(trace).splitlines()[1:-1], strict=True):
        target = switch_target(step, names)
        assert ("↷" in line) == (target is not None)
        if target is not None:
            assert step.decision is not None
            said = "preempted, then" if step.decision.is_preemption else "then"
            assert line.endswith(f"↷ {said} {target}")


def test_preemptions_and_free_switches_are_told_apart(traces: dict[str, Trace]) -> None:
    trace = traces["violation"]
    text = render_trace(trace)
    preempted = text.count("↷ preempted, then")
    assert preempted == trace.preemptions > 0
    assert text.count("↷ then") == trace.switches - trace.preemptions > 0
    assert text.splitlines()[0].endswith(
        f"{len(trace.steps)} steps, {trace.preemptions} preemptions, {trace.switches} "
        "switches from the default schedule")


def test_a_timer_chosen_early_is_named_as_the_clock(traces: dict[str, Trace]) -> None:
    lines = render_trace(traces["violation"]).splitlines()
    assert any(line.endswith("then the clock (a timer fires early)") for line in lines)
    assert any(" clock " in line and "timer fires — android/rpc#1 sleep 0.05s" in line
               and "t=0.050s" in line for line in lines)


def test_labels_with_line_breaks_stay_on_their_line(traces: dict[str, Trace]) -> None:
    trace = traces["labels"]
    assert len(render_trace(trace).splitlines()) == len(trace.steps) + 2
    assert "x\\ny" in render_trace(trace)


def test_a_deadlock_lists_every_blocked_task(traces: dict[str, Trace]) -> None:
    text = render_trace(traces["deadlock"])
    assert "  blocked: main waits on task app/env to finish" in text
    assert "  blocked: app/env waits on reply on fd 5" in text


def test_a_crash_shows_the_model_traceback(traces: dict[str, Trace]) -> None:
    text = render_trace(traces["crash"])
    assert "CRASH: model crashed at step 1: ConnectionRefusedError" in text
    assert "    ConnectionRefusedError: [Errno 111] connection refused" in text
    assert "traceback" not in render_trace(traces["crash"], traceback=False)


def test_a_docstring_reads_as_plain_text_in_a_terminal() -> None:
    doc = "A ``connect()`` on :class:`Lock` that ``close()`` tore down; ``a`b``."
    assert plain_doc(doc) == "A connect() on Lock that close() tore down; a`b."
    assert plain_doc("no markup, `one` backtick") == "no markup, `one` backtick"


def test_a_short_trace_is_shown_whole_in_the_minimal_form(traces: dict[str, Trace]) -> None:
    trace = traces["violation"]
    assert len(trace.steps) <= SHORT_TRACE
    lines = render_minimal(trace).splitlines()
    numbered = [NUMBERED.match(line) for line in lines[:-1]]
    assert [int(m.group(2)) for m in numbered if m] == [s.index for s in trace.steps]
    assert lines[-1] == headline(trace.outcome)


def test_a_long_trace_keeps_switches_their_neighbours_and_the_end(
        traces: dict[str, Trace]) -> None:
    trace = traces["step-bound"]
    lines = render_minimal(trace).splitlines()
    matches = [m for line in lines if (m := NUMBERED.match(line))]
    numbers = [int(m.group(1)) for m in matches]
    shown = [int(m.group(2)) for m in matches]
    assert numbers == list(range(1, len(numbers) + 1))
    assert shown[-1] == len(trace.steps) - 1
    assert any("steps …" in line for line in lines)
    switches = [s.index for s in trace.steps if s.decision and s.decision.index]
    for index in switches:
        if index >= shown[0] + 1:
            assert {index, index + 1} <= set(shown)


def test_selection_gaps_stand_for_the_steps_left_out(traces: dict[str, Trace]) -> None:
    trace = traces["step-bound"]
    selection = select_steps(trace)
    kept = [i for i in selection if i is not None]
    assert kept == sorted(kept) and len(kept) <= 60
    for position, index in enumerate(selection):
        if index is None:
            assert selection[position + 1] is not None


@pytest.mark.parametrize(("kind", "start"), [
    (OutcomeKind.PASS, "PASS: pass after 3 steps"),
    (OutcomeKind.DEADLOCK, "DEADLOCK: deadlock at step 3"),
    (OutcomeKind.STEP_BOUND, "STEP-BOUND: step bound exceeded at step 3"),
    (OutcomeKind.CRASH, "CRASH: model crashed at step 3: boom"),
])
def test_the_headline_leads_with_the_kind(kind: OutcomeKind, start: str) -> None:
    assert headline(Outcome(kind, "boom", step=3)).startswith(start)
