"""Plain-text renderings of a trace: one aligned line per step, a short numbered form, a headline.

Invariant: every rendering is one line per step, whatever the model put in its labels: control
characters, line breaks, unusual spaces and lone surrogates are shown as visible escapes, never
written raw.
"""

from __future__ import annotations

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
_WIDTHS = {"task": 28, "label": 24, "detail": 48}

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


def effect(step: Step) -> str:
    """What a step did, as shown: the point's detail, or the timer's label for a clock step."""
    return visible(step.detail)


# ----- the whole trace -------------------------------------------------------------------


def render_trace(trace: Trace, *, traceback: bool = True) -> str:
    """The trace as aligned columns, one line per step, then the outcome."""
    names = task_names(trace)
    rows = [_columns(s) for s in trace.steps]
    widths = {k: min(w, max((len(r[k]) for r in rows), default=0)) for k, w in _WIDTHS.items()}
    digits = len(str(max(len(trace.steps) - 1, 0)))
    lines = [f"{visible(trace.model)} / {visible(trace.variant)}: {len(trace.steps)} steps, "
             f"{trace.preemptions} switches from the default schedule"]
    for step, row in zip(trace.steps, rows, strict=True):
        lines.append(_aligned(step, row, widths, digits, switch_target(step, names)))
    lines.extend(outcome_lines(trace.outcome, traceback=traceback))
    return "\n".join(lines)


def _columns(step: Step) -> dict[str, str]:
    return {"task": visible(step.task), "label": visible(step.label), "detail": effect(step)}


def _aligned(step: Step, row: dict[str, str], widths: dict[str, int], digits: int,
             target: str | None) -> str:
    mark = "↷" if target else " "
    cells = "  ".join(row[k].ljust(widths[k]) for k in _WIDTHS)
    line = f"  {step.index:>{digits}}{mark} {cells}  t={step.time:.3f}s"
    return f"{line}  ↷ then {visible(target)}" if target else line


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
                 handoffs: bool = False) -> Selection:
    """The steps that matter: all of a trace of at most ``short`` steps; else every switch from
    the default schedule and the last steps (where the outcome happened), with their neighbours,
    at most ``cap`` of them (the latest, nearest the outcome). With ``handoffs``, also the first
    step of every turn of a task (a run with no preemption is told by who ran when)."""
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
    kept = sorted(i for i in wanted if 0 <= i < count)[-cap:]
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
    """A short numbered list for pytest failure output: task, action, effect of the steps that
    matter, the switches marked, then the outcome headline."""
    names = task_names(trace)
    selection = select_steps(trace, handoffs=not any(c != 0 for c in trace.choices))
    lines = []
    number = 0
    for position, index in enumerate(selection):
        if index is None:
            lines.append(f"     … {gap_size(selection, position, len(trace.steps))} steps …")
            continue
        number += 1
        step = trace.steps[index]
        lines.append(_numbered(number, step, switch_target(step, names)))
    lines.append(headline(trace.outcome))
    return "\n".join(lines)


def _numbered(number: int, step: Step, target: str | None) -> str:
    action = visible(step.label) + (f" — {effect(step)}" if step.detail else "")
    line = f"{number:>3}. [step {step.index}] {visible(step.task)}: {action}"
    return f"{line}  ↷ then {visible(target)}" if target else line
