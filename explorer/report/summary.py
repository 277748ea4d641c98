"""The one-sentence summary of a finding: what broke, whom it hurts, which decision made it.

The sentence comes from the outcome, the invariant's doc (the clause saying what a violation
means) and the trace's last preemption before the end (which task ran while which other task
was between which two of its points), plus any timer that fired while tasks could still run.

Invariant: the sentence is built once, as a list of parts (prose, code, emphasis); the plain
text and the Markdown renderings only escape those parts, so both say the same thing.
"""

from __future__ import annotations

import re
from typing import Literal

from explorer.records import TIMER, OutcomeKind, Trace
from explorer.render import STARTS, action, doc_parts, previous_steps, task_names, visible
from explorer.report.escape import markdown_code, markdown_text

Kind = Literal["text", "code", "strong"]
Parts = list[tuple[Kind, str]]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`])")
_VIOLATION = re.compile(r"^an? violation\s+", re.IGNORECASE)
_MEANS = re.compile(r"\bmeans\s+")
_CLAUSE_END = re.compile(r"[:;]\s")


def end_step(trace: Trace) -> int:
    """The index of the step the run ended at (the violation's step, for a violation)."""
    return max(0, min(trace.outcome.step, len(trace.steps) - 1))


def plain(parts: Parts) -> str:
    """Parts as plain text, shown with :func:`visible`."""
    return visible("".join(text for _, text in parts))


def summary_parts(trace: Trace, invariant_doc: str | None = None) -> Parts:
    """The summary as parts: what broke, what a violation means, the decision behind it."""
    parts = _what_broke(trace)
    if trace.outcome.kind is OutcomeKind.PASS:
        return parts
    if trace.outcome.kind is OutcomeKind.VIOLATION and invariant_doc:
        clause = meaning(invariant_doc)
        if clause:
            parts += [("text", " — "), *clause]
    parts += [("text", "; "), *_decision(trace), ("text", ".")]
    return parts


def summary_text(trace: Trace, invariant_doc: str | None = None) -> str:
    """The summary as one line of plain text (for a terminal or a pytest failure message)."""
    return plain(summary_parts(trace, invariant_doc))


def summary_markdown(trace: Trace, invariant_doc: str | None = None) -> str:
    """The summary as one line of Markdown: labels as code spans, names in bold."""
    rendered = []
    for kind, text in summary_parts(trace, invariant_doc):
        if kind == "code":
            rendered.append(markdown_code(text))
        elif kind == "strong":
            rendered.append(f"**{markdown_text(text)}**")
        else:
            rendered.append(markdown_text(text))
    return "".join(rendered)


def meaning(doc: str) -> Parts | None:
    """What a violation means, from an invariant's doc: the clause of its sentence starting
    "A violation …" (as "which …"), else what its first sentence says after "means", else its
    first sentence; each cut at its first colon or semicolon."""
    sentences = [s.strip() for s in _SENTENCE_END.split(doc.strip()) if s.strip()]
    if not sentences:
        return None
    chosen = next((s for s in sentences if _VIOLATION.match(s)), None)
    if chosen is not None:
        clause = "which " + _VIOLATION.sub("", chosen, count=1)
    elif (found := _MEANS.search(sentences[0])) is not None:
        clause = "which means " + sentences[0][found.end():]
    else:
        clause = _lower_first(sentences[0])
    clause = _CLAUSE_END.split(clause, maxsplit=1)[0].rstrip(" .")
    return [("code" if code else "text", text) for code, text in doc_parts(clause)]


def _lower_first(text: str) -> str:
    """``The waiter …`` → ``the waiter …``; an acronym (``JS state …``) stays as it is."""
    if len(text) > 1 and text[0].isupper() and text[1].islower():
        return text[0].lower() + text[1:]
    return text


def _what_broke(trace: Trace) -> Parts:
    outcome = trace.outcome
    at = f" at step {outcome.step}"
    if outcome.kind is OutcomeKind.VIOLATION:
        return [("strong", outcome.invariant or "?"), ("text", f" broke{at}: {outcome.message}")]
    if outcome.kind is OutcomeKind.DEADLOCK:
        who = "; ".join(f"{b.task} waits on {b.waits_on}" for b in outcome.blocked)
        return [("strong", "Deadlock"), ("text", f"{at}: {who or outcome.message}")]
    if outcome.kind is OutcomeKind.STEP_BOUND:
        return [("strong", "Step bound exceeded"),
                ("text", f"{at}, a livelock is suspected: {outcome.message}")]
    if outcome.kind is OutcomeKind.CRASH:
        return [("strong", "The model crashed"), ("text", f"{at}: {outcome.message}")]
    if outcome.kind is OutcomeKind.UNCONTROLLED:
        return [("strong", "A task left the explorer's control"),
                ("text", f"{at}: {outcome.message}")]
    return [("strong", "No finding"), ("text", f": the run passed after {len(trace.steps)} steps.")]


def last_preemption(trace: Trace) -> int | None:
    """The step after which the last preemption before the end happened, if any."""
    end = end_step(trace)
    return next((s.index for s in reversed(trace.steps[:end])
                 if s.decision is not None and s.decision.is_preemption), None)


def _decision(trace: Trace) -> Parts:
    parts: Parts = []
    index = last_preemption(trace)
    if index is not None:
        parts += [("text", "it happened because "), *_preemption(trace, index)]
    timers = [t for t in early_timers(trace) if t[0] != index]
    if timers:
        parts += [("text", ", and " if parts else "it happened because "), *timers[-1][1]]
        if len(timers) > 1:
            parts.append(("text", f" ({len(timers) - 1} more timers fired early)"))
    if parts:
        return parts
    if trace.switches:
        return [("text", "it needs no preemption, only the choice of who runs after a task "
                         f"blocks or finishes ({trace.switches} free "
                         f"{'switch' if trace.switches == 1 else 'switches'})")]
    return [("text", "it needs no preemption: the default schedule gets there from this "
                     "scenario alone")]


def _preemption(trace: Trace, index: int) -> Parts:
    step = trace.steps[index]
    decision = step.decision
    assert decision is not None
    left, _ = action(step, previous_steps(trace)[index])
    right = "its next " if left == step.label else "its "
    between: Parts = [("text", " was between "), *_point("its ", left),
                      ("text", f" and {right}"), ("code", step.label)]
    if decision.chosen == TIMER:
        timer = trace.steps[index + 1]
        return [("text", "the timer "), ("code", timer.detail), ("text", " fired early while "),
                ("text", step.task), *between, ("text", f" ({_runnable(decision.count - 1)})")]
    runner = task_names(trace).get(decision.chosen, f"task #{decision.chosen}")
    return [("text", f"{runner} ran while {step.task}"), *between]


def _point(prefix: str, label: str) -> Parts:
    if label == STARTS:
        return [("text", f"{prefix}start")]
    return [("text", prefix), ("code", label)]


def early_timers(trace: Trace) -> list[tuple[int, Parts]]:
    """Each timer that fired while tasks could still run, as ``(step before it, parts)``:
    "the timer ``X`` fired early at step 85 (t=1.000s) while 3 tasks were runnable"."""
    found: list[tuple[int, Parts]] = []
    for step in trace.steps[:-1]:
        decision = step.decision
        if decision is None or not decision.is_early_timer:
            continue
        timer = trace.steps[step.index + 1]
        found.append((step.index, [
            ("text", "the timer "), ("code", timer.detail or "timer"),
            ("text", f" fired early at step {timer.index} (t={timer.time:g}s) while "
                     f"{_runnable(decision.count - 1)}"),
        ]))
    return found


def _runnable(count: int) -> str:
    return f"{count} {'task was' if count == 1 else 'tasks were'} runnable"
