"""A finding as Markdown that reads well as a GitHub pull-request review comment.

Invariant: every piece of model text goes through ``markdown_text`` (prose and table cells) or
``mermaid_text`` (the diagram), so the report's structure (headings, one table row per shown
step, one diagram) is the same whatever the labels hold.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable

from explorer.records import OutcomeKind, SearchStats, Trace
from explorer.render import Selection, gap_size, select_steps, switch_target, task_names
from explorer.report.escape import fenced, markdown_text
from explorer.report.mermaid import sequence_diagram

#: A trace with at most this many steps is shown whole; a longer one in its minimal form.
MAX_ROWS = 200

SECTIONS = ("Summary", "Minimal trace", "Sequence diagram", "Replay", "Scenario")


def render_markdown(trace: Trace, *, stats: SearchStats | None = None,
                    versions: Iterable[tuple[str, str]] = (), trace_path: str | None = None,
                    invariant_doc: str | None = None) -> str:
    """The whole report. ``trace_path`` is where the trace file lives (for the replay command);
    ``invariant_doc`` says what a violation of the trace's invariant means, when known."""
    selection = select_steps(trace, short=MAX_ROWS, cap=MAX_ROWS)
    parts = [
        f"### race-explorer: {_title(trace)}",
        f"> {what_broke(trace)}",
        "#### Summary",
        _summary(trace, stats, invariant_doc),
        "#### Minimal trace",
        _trace_intro(trace, selection),
        _trace_table(trace, selection),
        "#### Sequence diagram",
        fenced(sequence_diagram(trace, selection), "mermaid"),
        "#### Replay",
        _replay(trace_path),
        "#### Scenario",
        fenced(json.dumps(trace.scenario, indent=2, ensure_ascii=True), "json"),
        _versions(versions),
    ]
    return "\n\n".join(parts) + "\n"


def _title(trace: Trace) -> str:
    kind = trace.outcome.kind
    what = {
        OutcomeKind.VIOLATION: f"invariant {trace.outcome.invariant} violated",
        OutcomeKind.DEADLOCK: "deadlock",
        OutcomeKind.STEP_BOUND: "step bound exceeded",
        OutcomeKind.CRASH: "model crash",
        OutcomeKind.PASS: "no finding",
    }[kind]
    return markdown_text(f"{what} in {trace.model} ({trace.variant})")


def what_broke(trace: Trace) -> str:
    """One sentence saying what went wrong, in Markdown."""
    outcome = trace.outcome
    message = markdown_text(outcome.message)
    if outcome.kind is OutcomeKind.VIOLATION:
        name = markdown_text(outcome.invariant or "?")
        return f"**{name}** does not hold after step {outcome.step}: {message}."
    if outcome.kind is OutcomeKind.DEADLOCK:
        who = "; ".join(markdown_text(f"{b.task} waits on {b.waits_on}") for b in outcome.blocked)
        return f"**Deadlock** at step {outcome.step}: {message} ({who})."
    if outcome.kind is OutcomeKind.STEP_BOUND:
        return (f"**Step bound exceeded** at step {outcome.step}, a livelock is suspected: "
                f"{message}.")
    if outcome.kind is OutcomeKind.CRASH:
        return f"**The model crashed** at step {outcome.step}: {message}."
    return f"**No finding**: the run passed after {len(trace.steps)} steps."


def _summary(trace: Trace, stats: SearchStats | None, invariant_doc: str | None) -> str:
    rows = [
        ("Model", markdown_text(trace.model)),
        ("Variant", markdown_text(trace.variant)),
        ("Outcome", markdown_text(trace.outcome.kind.value)),
    ]
    if trace.outcome.invariant:
        doc = f" — {markdown_text(invariant_doc)}" if invariant_doc else ""
        rows.append(("Invariant", f"**{markdown_text(trace.outcome.invariant)}**{doc}"))
    rows.append(("Steps, switches", f"{len(trace.steps)} steps, {trace.preemptions} switches "
                                     "from the default schedule"))
    rows.extend(_search_rows(stats))
    body = "\n".join(f"| {name} | {value} |" for name, value in rows)
    return f"| | |\n|---|---|\n{body}"


def _search_rows(stats: SearchStats | None) -> list[tuple[str, str]]:
    if stats is None:
        return [("Search", "not recorded (the trace was saved without search statistics)")]
    first = stats.examples_to_first_failure
    return [
        ("Search", markdown_text(stats.search)),
        ("Examples to first failure",
         f"{first} (of {stats.examples} examples run)" if first is not None
         else f"not recorded ({stats.examples} examples run)"),
        ("Shrunk (steps)", f"{stats.first_steps} → {stats.final_steps}"),
        ("Shrunk (switches)", f"{stats.first_preemptions} → {stats.final_preemptions}"),
        ("Shrink runs", str(stats.shrink_runs)),
    ]


def _trace_intro(trace: Trace, selection: Selection) -> str:
    shown = sum(1 for i in selection if i is not None)
    scope = ("every step" if shown == len(trace.steps) else
             f"{shown} of {len(trace.steps)} steps: the switches, their neighbours and the end")
    return (f"{scope.capitalize()}. ↷ marks a step after which the schedule switched away "
            "from its default (a preemption).")


def _trace_table(trace: Trace, selection: Selection) -> str:
    names = task_names(trace)
    rows = ["| step | task | action | effect |", "|---:|---|---|---|"]
    for position, index in enumerate(selection):
        if index is None:
            hidden = gap_size(selection, position, len(trace.steps))
            rows.append(f"| … | | | *{hidden} steps not shown* |")
            continue
        step = trace.steps[index]
        target = switch_target(step, names)
        mark = f" ↷ *then {markdown_text(target)}*" if target else ""
        rows.append(f"| {step.index}{' ↷' if target else ''} | {markdown_text(step.task)} "
                    f"| {markdown_text(step.label)} | {markdown_text(step.detail)}{mark} |")
    return "\n".join(rows)


def replay_command(trace_path: str) -> str:
    return f"python -m explorer replay {shlex.quote(trace_path)}"


def _replay(trace_path: str | None) -> str:
    if trace_path is None:
        return "Save this trace with its report to get a replay command."
    path = shlex.quote(trace_path)
    against_fix = f"python -m explorer replay {path} --variant <fixed-variant>"
    return (fenced(replay_command(trace_path), "sh")
            + "\n\nDoes a fix (another variant of the model) fix this trace?\n\n"
            + fenced(against_fix, "sh"))


def _versions(versions: Iterable[tuple[str, str]]) -> str:
    found = ", ".join(f"{markdown_text(name)} {markdown_text(v)}" for name, v in versions)
    return f"<sub>Found with {found or 'unrecorded tool versions'}.</sub>"
