"""Plain-text renderings of a trace: one aligned line per step, a short numbered form, a headline.

A step is shown by what its task *did* (the action between two points: the label of the point
the task left, or ``starts`` for its first step), then the point it reached.

Invariant: every rendering is one line per step, whatever the model put in its labels: control
characters, line breaks, unusual spaces and lone surrogates are shown as visible escapes, never
written raw.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from explorer.records import TIMER, Outcome, OutcomeKind, Step, Trace

#: A trace this short is shown whole in its minimal form.
SHORT_TRACE = 20
#: At most this many steps are shown in a minimal form; the latest are kept.
MAX_SHOWN = 60
#: Steps kept on each side of a step that matters.
CONTEXT = 1

# Invisible, line-breaking or look-alike characters (every space but " " among them).
_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"})
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
_WIDTHS = {"task": 28, "action": 48, "reached": 44}
#: The action of a task's first step (it left no point before it).
STARTS = "starts"
#: The action of a timer's firing (the clock has no points).
TIMER_FIRES = "timer fires"

#: One entry per shown step, or ``None`` where steps were left out.
Selection = list[int | None]


def visible(text: str) -> str:
    """``text`` with every character that is invisible or breaks a line shown as an escape."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(_visible_char(ch) for ch in text)


def _visible_char(ch: str) -> str:
    if ch in _NAMED:
        return _NAMED[ch]
    if ch == " " or unicodedata.category(ch) not in _HIDDEN:
        return ch
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


# reST inline literals (``close()``) and roles (:class:`Lock`) in docstrings.
_DOC_CODE = re.compile(r"``(.+?)``|:[a-z:]+:`([^`]+)`", re.DOTALL)

#: A docstring cut into ``(is_code, text)`` runs.
DocParts = list[tuple[bool, str]]


def doc_parts(doc: str) -> DocParts:
    """``doc`` cut into prose and inline code (reST ````code```` and ``:role:`target```)."""
    parts: DocParts = []
    end = 0
    for match in _DOC_CODE.finditer(doc):
        if match.start() > end:
            parts.append((False, doc[end:match.start()]))
        parts.append((True, match.group(1) or match.group(2)))
        end = match.end()
    if end < len(doc):
        parts.append((False, doc[end:]))
    return parts


def plain_doc(doc: str) -> str:
    """A docstring as terminal text: reST markup dropped (````close()```` reads ``close()``)."""
    return visible("".join(text for _, text in doc_parts(doc)))


def task_names(trace: Trace) -> dict[int, str]:
    """Task id → name, for every task that took a step, and ``TIMER`` → ``"clock"``."""
    names = {TIMER: "clock"}
    for step in trace.steps:
        names.setdefault(step.tid, step.task)
    return names


def switch_target(step: Step, names: dict[int, str]) -> str | None:
    """Who ran next when the decision after ``step`` switched away from the default, else None."""
    decision = step.decision
    if decision is None or decision.index == 0:
        return None
    chosen = decision.chosen
    if chosen == TIMER:
        return "the clock (a timer fires early)"
    return names.get(chosen, f"task #{chosen}")


def headline(outcome: Outcome) -> str:
    """The outcome in one line, its kind first: ``VIOLATION: invariant … violated at step …``."""
    return f"{outcome.kind.value.upper()}: {visible(outcome.headline())}"


def previous_steps(trace: Trace) -> tuple[Step | None, ...]:
    """For each step, the step at which its task reached the point the step starts from: the
    task's previous step (None for a task's first step and for a timer's firing)."""
    last: dict[int, Step] = {}
    found: list[Step | None] = []
    for step in trace.steps:
        found.append(None if step.tid == TIMER else last.get(step.tid))
        if step.tid != TIMER:
            last[step.tid] = step
    return tuple(found)


def action(step: Step, previous: Step | None) -> tuple[str, str]:
    """What ``step`` did, as ``(label, detail)``: the point its task left (``previous``, from
    :func:`previous_steps`), ``starts`` for its first step, ``timer fires`` for the clock."""
    if step.tid == TIMER:
        return TIMER_FIRES, step.detail
    if previous is None:
        return STARTS, ""
    return previous.label, previous.detail


def joined(label: str, detail: str) -> str:
    """``label — detail``, or the label alone (shown with :func:`visible`)."""
    return visible(label) + (f" — {visible(detail)}" if detail else "")


def action_text(step: Step, previous: Step | None) -> str:
    """The action of ``step`` as one line: ``label — detail``."""
    return joined(*action(step, previous))


def reached_text(step: Step) -> str:
    """The point ``step`` reached, with its detail (nothing for a timer's firing)."""
    return "" if step.tid == TIMER else joined(step.label, step.detail)


def switch_note(step: Step, names: dict[int, str]) -> str | None:
    """``↷ preempted, then T`` after a preemption, ``↷ then T`` after a free switch (the task
    had blocked or finished), None when the decision after ``step`` kept the default."""
    target = switch_target(step, names)
    if target is None:
        return None
    preempted = step.decision is not None and step.decision.is_preemption
    return f"↷ {'preempted, then' if preempted else 'then'} {visible(target)}"


# ----- the whole trace -------------------------------------------------------------------


def counts(trace: Trace) -> str:
    """``N steps, P preemptions, S switches from the default schedule``."""
    return (f"{len(trace.steps)} steps, {trace.preemptions} preemptions, {trace.switches} "
            "switches from the default schedule")


def render_trace(trace: Trace, *, traceback: bool = True) -> str:
    """The trace as aligned columns (task, action, ``at`` the point reached), one line per
    step, then the outcome."""
    names = task_names(trace)
    rows = [_columns(s, p) for s, p in zip(trace.steps, previous_steps(trace), strict=True)]
    widths = {k: min(w, max((len(r[k]) for r in rows), default=0)) for k, w in _WIDTHS.items()}
    digits = len(str(max(len(trace.steps) - 1, 0)))
    lines = [f"{visible(trace.model)} / {visible(trace.variant)}: {counts(trace)}"]
    for step, row in zip(trace.steps, rows, strict=True):
        lines.append(_aligned(step, row, widths, digits, switch_note(step, names)))
    lines.extend(outcome_lines(trace.outcome, traceback=traceback))
    return "\n".join(lines)


def _columns(step: Step, previous: Step | None) -> dict[str, str]:
    reached = reached_text(step)
    return {"task": visible(step.task), "action": action_text(step, previous),
            "reached": f"at {reached}" if reached else ""}


def _aligned(step: Step, row: dict[str, str], widths: dict[str, int], digits: int,
             note: str | None) -> str:
    mark = "↷" if note else " "
    cells = "  ".join(row[k].ljust(widths[k]) for k in _WIDTHS)
    line = f"  {step.index:>{digits}}{mark} {cells}  t={step.time:.3f}s"
    return f"{line}  {note}" if note else line


def outcome_lines(outcome: Outcome, *, traceback: bool = True) -> list[str]:
    """The headline, then what a person needs next: blocked tasks, or the model's traceback."""
    lines = [headline(outcome)]
    for blocked in outcome.blocked:
        lines.append(f"  blocked: {visible(blocked.task)} waits on {visible(blocked.waits_on)}")
    if traceback and outcome.kind is OutcomeKind.CRASH and outcome.traceback:
        lines.append("  model traceback:")
        lines.extend(f"    {visible(line)}" for line in outcome.traceback.rstrip().splitlines())
    return lines


# ----- the minimal form ------------------------------------------------------------------


def select_steps(trace: Trace, *, short: int = SHORT_TRACE, cap: int = MAX_SHOWN,
                 handoffs: bool = False, fill: bool = False) -> Selection:
    """The steps that matter: all of a trace of at most ``short`` steps; else every switch from
    the default schedule and the last steps (where the outcome happened), with their neighbours,
    at most ``cap`` of them (the latest, nearest the outcome). With ``handoffs``, also the first
    step of every turn of a task (a run with no preemption is told by who ran when); with
    ``fill``, the latest steps up to ``cap`` (a livelock's last turns of its loop)."""
    count = len(trace.steps)
    if count <= short:
        return list(range(count))
    wanted: set[int] = set(range(max(0, count - 1 - CONTEXT), count))
    for step in trace.steps:
        if step.decision is not None and step.decision.index != 0:
            wanted.update(range(step.index - CONTEXT, step.index + CONTEXT + 2))
    if handoffs:
        steps = trace.steps
        wanted.update(i for i in range(1, count) if steps[i].tid != steps[i - 1].tid)
    wanted = {i for i in wanted if 0 <= i < count}
    latest = count - 1
    while fill and len(wanted) < cap and latest >= 0:
        wanted.add(latest)
        latest -= 1
    kept = sorted(wanted)[-cap:]
    return _with_gaps(kept)


def _with_gaps(kept: Sequence[int]) -> Selection:
    selection: Selection = []
    expected = 0
    for index in kept:
        if index != expected:
            selection.append(None)
        selection.append(index)
        expected = index + 1
    return selection


def gap_size(selection: Selection, position: int, total: int) -> int:
    """How many steps the ``None`` at ``position`` of ``selection`` stands for."""
    before = next((i for i in reversed(selection[:position]) if i is not None), -1)
    after = next((i for i in selection[position + 1:] if i is not None), total)
    return after - before - 1


def render_minimal(trace: Trace) -> str:
    """A short numbered list of the steps that matter (every switch, its neighbours, the end):
    task, action and the point reached, the switches marked, then the outcome headline.
    ``explorer.report.keysteps.render_key_steps`` is the shorter form, for failure messages."""
    names = task_names(trace)
    previous = previous_steps(trace)
    selection = select_steps(trace, handoffs=not any(c != 0 for c in trace.choices))
    lines = []
    number = 0
    for position, index in enumerate(selection):
        if index is None:
            lines.append(f"     … {gap_size(selection, position, len(trace.steps))} steps …")
            continue
        number += 1
        step = trace.steps[index]
        lines.append(numbered_line(number, step, previous[index], switch_note(step, names)))
    lines.append(headline(trace.outcome))
    return "\n".join(lines)


def numbered_line(number: int, step: Step, previous: Step | None, note: str | None) -> str:
    """``  3. [step 7] task: action (now at point)  ↷ …``: one step of a numbered list."""
    reached = "" if step.tid == TIMER else f" (now at {visible(step.label)})"
    line = f"{number:>3}. [step {step.index}] {visible(step.task)}: "
    line += action_text(step, previous) + reached
    return f"{line}  {note}" if note else line
