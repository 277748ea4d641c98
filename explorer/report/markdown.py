"""A finding as Markdown that reads well as a GitHub pull-request review comment.

The report opens with one sentence (what broke, whom it hurts, which decision made it
happen), then the key steps (at most 15, the rest folded) and their sequence diagram; the
facts of the finding, the full trace, the replay command and the scenario follow.

Invariant: every piece of model text goes through ``markdown_text``, ``markdown_code`` or
``markdown_doc`` (prose, table cells) or ``mermaid_text`` (the diagram), so the report's
structure (headings, one table row per shown step or folded stretch, one diagram) is the same
whatever the labels hold.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterable

from explorer.records import OutcomeKind, SearchStats, Step, Trace
from explorer.render import (
    Selection,
    action_text,
    counts,
    gap_size,
    previous_steps,
    reached_text,
    select_steps,
    switch_note,
    task_names,
)
from explorer.report.escape import fenced, markdown_doc, markdown_text
from explorer.report.keysteps import PREEMPTED, Fold, KeyStep, Row, fold_text, key_steps
from explorer.report.mermaid import sequence_diagram
from explorer.report.summary import early_timers, end_step, plain, summary_markdown

#: A trace with at most this many steps is shown whole under "Full trace"; a longer one by its
#: switches, their neighbours and its latest steps, this many in all.
MAX_ROWS = 250

SECTIONS = ("Key steps", "Sequence diagram", "Finding", "Full trace", "Replay", "Scenario")
KEY_HEADER = ("step", "task", "action", "then at", "why")
FULL_HEADER = ("step", "task", "action", "reached")


def render_markdown(trace: Trace, *, stats: SearchStats | None = None,
                    versions: Iterable[tuple[str, str]] = (), trace_path: str | None = None,
                    invariant_doc: str | None = None, replay_options: str = "") -> str:
    """The whole report. ``trace_path`` is where the trace file lives (for the replay command,
    followed by ``replay_options``, e.g. the ``--model`` that names the model's code);
    ``invariant_doc`` says what a violation of the trace's invariant means, when known."""
    rows = key_steps(trace)
    selection = select_steps(trace, short=MAX_ROWS, cap=MAX_ROWS, fill=True)
    parts = [
        f"### race-explorer: {_title(trace)}",
        f"> {summary_markdown(trace, invariant_doc)}",
        "#### Key steps",
        _key_intro(trace, rows),
        _key_table(trace, rows),
        "#### Sequence diagram",
        fenced(sequence_diagram(trace, rows), "mermaid"),
        "#### Finding",
        _finding(trace, stats, invariant_doc),
        "#### Full trace",
        _trace_intro(trace, selection),
        _trace_table(trace, selection),
        "#### Replay",
        _replay(trace_path, replay_options),
        "#### Scenario",
        fenced(json.dumps(trace.scenario, indent=2, ensure_ascii=True), "json"),
        _versions(versions),
    ]
    return "\n\n".join(parts) + "\n"


def _title(trace: Trace) -> str:
    what = {
        OutcomeKind.VIOLATION: f"invariant {trace.outcome.invariant} violated",
        OutcomeKind.DEADLOCK: "deadlock",
        OutcomeKind.STEP_BOUND: "step bound exceeded",
        OutcomeKind.CRASH: "model crash",
        OutcomeKind.UNCONTROLLED: "a task left the explorer's control",
        OutcomeKind.PASS: "no finding",
    }[trace.outcome.kind]
    return markdown_text(f"{what} in {trace.model} ({trace.variant})")


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _header(names: tuple[str, ...]) -> list[str]:
    align = ["---:" if n == "step" else "---" for n in names]
    return [_row(names), _row(align)]


# ----- key steps -------------------------------------------------------------------------


def _key_intro(trace: Trace, rows: tuple[Row, ...]) -> str:
    shown = sum(1 for r in rows if isinstance(r, KeyStep))
    folded = sum(1 for r in rows if isinstance(r, Fold))
    scope = (f"All {shown} steps" if not folded else
             f"{shown} of {len(trace.steps)} steps tell the race; the other "
             f"{len(trace.steps) - shown} are folded into {folded} rows (… *n steps*)")
    return (f"{scope}. A row shows what the task did (*action*) and the point it then reached; "
            "↷ marks a switch away from the default schedule, *preempted* when the task "
            "could have gone on. The full trace is below.")


def _key_table(trace: Trace, rows: tuple[Row, ...]) -> str:
    previous = previous_steps(trace)
    names = task_names(trace)
    lines = _header(KEY_HEADER)
    for row in rows:
        if isinstance(row, Fold):
            span = f"{row.first}\N{EN DASH}{row.last}" if row.size > 1 else str(row.first)
            lines.append(_row([span, "", f"*… {markdown_text(fold_text(row))} …*", "", ""]))
            continue
        step = trace.steps[row.index]
        note = switch_note(step, names)
        lines.append(_row([
            f"{step.index}{' ↷' if note else ''}",
            markdown_text(step.task),
            markdown_text(action_text(step, previous[row.index])),
            "" if step.tid < 0 else markdown_text(step.label),
            _why(trace, row, note),
        ]))
    return "\n".join(lines)


def _why(trace: Trace, row: KeyStep, note: str | None) -> str:
    reasons = [markdown_text(note)] if note else []
    for why in row.why:
        if why == PREEMPTED and note:
            continue
        reasons.append(f"**{markdown_text(why)}**" if row.index == end_step(trace)
                       and why == row.why[0] else markdown_text(why))
    return "; ".join(reasons)


# ----- the finding -----------------------------------------------------------------------


def _finding(trace: Trace, stats: SearchStats | None, invariant_doc: str | None) -> str:
    rows = [
        ("Model", markdown_text(trace.model)),
        ("Variant", markdown_text(trace.variant)),
        ("Outcome", markdown_text(trace.outcome.kind.value)),
    ]
    if trace.outcome.invariant:
        doc = f" — {markdown_doc(invariant_doc, in_table=True)}" if invariant_doc else ""
        rows.append(("Invariant", f"**{markdown_text(trace.outcome.invariant)}**{doc}"))
    rows.append(("Steps", counts(trace)))
    timers = early_timers(trace)
    if timers:
        rows.append(("Early timers", "; ".join(markdown_text(plain(p)) for _, p in timers)))
    rows.extend(_search_rows(stats))
    body = "\n".join(_row(row) for row in rows)
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
        ("Shrunk (preemptions)", f"{stats.first_preemptions} → {stats.final_preemptions}"),
        ("Shrink runs", str(stats.shrink_runs)),
    ]


# ----- the full trace --------------------------------------------------------------------


def _trace_intro(trace: Trace, selection: Selection) -> str:
    shown = sum(1 for i in selection if i is not None)
    scope = ("Every step" if shown == len(trace.steps) else
             f"{shown} of {len(trace.steps)} steps: the switches, their neighbours and the "
             "latest steps")
    return (f"{scope}: what the task did (*action*: the point it left, *starts* for its "
            "first step) and the point it *reached*, with their details.")


def _trace_table(trace: Trace, selection: Selection) -> str:
    names = task_names(trace)
    previous = previous_steps(trace)
    lines = _header(FULL_HEADER)
    for position, index in enumerate(selection):
        if index is None:
            hidden = gap_size(selection, position, len(trace.steps))
            lines.append(_row(["…", "", "", f"*{hidden} steps not shown*"]))
            continue
        lines.append(_full_row(trace.steps[index], previous[index], switch_note(
            trace.steps[index], names)))
    return "\n".join(lines)


def _full_row(step: Step, previous: Step | None, note: str | None) -> str:
    reached = markdown_text(reached_text(step))
    mark = f" *{markdown_text(note)}*" if note else ""
    return _row([f"{step.index}{' ↷' if note else ''}", markdown_text(step.task),
                 markdown_text(action_text(step, previous)), f"{reached}{mark}".strip()])


# ----- replay and versions ---------------------------------------------------------------


def replay_command(trace_path: str, options: str = "") -> str:
    return f"python -m explorer replay {shlex.quote(trace_path)}{options}"


def _replay(trace_path: str | None, options: str) -> str:
    if trace_path is None:
        return "Save this trace with its report to get a replay command."
    against_fix = f"{replay_command(trace_path, options)} --variant <fixed-variant>"
    return (fenced(replay_command(trace_path, options), "sh")
            + "\n\nDoes a fix (another variant of the model) fix this trace?\n\n"
            + fenced(against_fix, "sh"))


def _versions(versions: Iterable[tuple[str, str]]) -> str:
    found = ", ".join(f"{markdown_text(name)} {markdown_text(v)}" for name, v in versions)
    return f"<sub>Found with {found or 'unrecorded tool versions'}.</sub>"
