"""The key steps of a trace: at most 15 steps that tell its race, everything else folded.

Key steps are chosen from the trace itself, in this order until the limit is reached: the step
the run ended at; every preemption and every early timer's firing (the latest first); the step
just after each preemption and just before each early timer; each preempted task's resumption;
the steps whose action names what the outcome names (and the steps of the tasks involved whose
action happens once in the run); the steps whose footprint overlaps a later key step's; the
last steps of the tasks involved before the end; the step just before each preemption; up to
half the limit, the steps whose action happens once in the run.

Invariant: every step of the trace is shown exactly once, as a key step or inside one folded
row, in trace order; a folded row never holds a step the limit left room for when it stands
alone, and it says how many preemptions it holds (only when there were more than the limit).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator

import attrs

from explorer.records import TIMER, Decision, OutcomeKind, Trace
from explorer.render import (
    headline,
    numbered_line,
    previous_steps,
    switch_note,
    task_names,
    visible,
)
from explorer.report.relevance import Relevance, relevance
from explorer.report.summary import early_timers, end_step, plain

#: At most this many key steps.
LIMIT = 15
#: A folded row names at most this many of its most telling actions.
HIGHLIGHTS = 4

# Why a step is a key step, as the report says it.
PREEMPTED = "preempted"
RUNS_INSTEAD = "runs after a preemption"
EARLY_TIMER = "timer fired early"
BEFORE_TIMER = "just before an early timer"
RESUMES = "resumes after a preemption"
FOOTPRINT = "touches what a later key step touches"
LEADS_UP = "its task's last step before the end"
BEFORE = "just before a preemption"
_ENDS = {
    OutcomeKind.VIOLATION: "violation",
    OutcomeKind.DEADLOCK: "deadlock",
    OutcomeKind.CRASH: "crash",
    OutcomeKind.STEP_BOUND: "step bound",
    OutcomeKind.UNCONTROLLED: "left control",
    OutcomeKind.PASS: "end",
}


@attrs.frozen
class KeyStep:
    """A step shown on its own, with why it was chosen (empty: it fills a one-step gap)."""

    index: int
    why: tuple[str, ...] = ()


@attrs.frozen
class Fold:
    """Steps ``first`` to ``last`` (inclusive), summarised: every task with a step there (in
    order of its first step), the most telling actions as ``(task, action)`` runs in trace
    order, and the preemptions among them (only when the key steps could not hold them all)."""

    first: int
    last: int
    tasks: tuple[str, ...]
    highlights: tuple[tuple[str, tuple[str, ...]], ...]
    preemptions: tuple[int, ...] = ()

    @property
    def size(self) -> int:
        return self.last - self.first + 1


Row = KeyStep | Fold


def key_steps(trace: Trace, limit: int = LIMIT) -> tuple[Row, ...]:
    """The trace's key steps in trace order, with the steps between them folded."""
    if not trace.steps:
        return ()
    rel = relevance(trace)
    picked = _Picked(limit, len(trace.steps))
    if len(trace.steps) <= limit:
        for index in range(len(trace.steps)):
            picked.offer(index)
    for index, why in _candidates(trace, rel):
        picked.offer(index, why)
    _chain_footprints(picked, rel)
    for index, why in _context(trace, picked):
        picked.offer(index, why)
    # A trace with few telling steps (no preemption, an outcome naming nothing the labels
    # name) is told by what happened only once in it, whichever task did it.
    for index in rel.once(end_step(trace), max(0, limit // 2 - len(picked.why))):
        picked.offer(index, rel.why(index))
    _fill_single_gaps(picked)
    return tuple(_rows(trace, picked, rel))


class _Picked:
    """The key steps chosen so far, with their reasons; full at ``limit``."""

    def __init__(self, limit: int, total: int) -> None:
        self.limit, self.total = limit, total
        self.why: dict[int, list[str]] = {}

    def offer(self, index: int, why: str = "") -> None:
        if not 0 <= index < self.total:
            return
        if index not in self.why:
            if len(self.why) >= self.limit:
                return
            self.why[index] = []
        if why and why not in self.why[index]:
            self.why[index].append(why)

    def full(self) -> bool:
        return len(self.why) >= self.limit

    def indices(self) -> list[int]:
        return sorted(self.why)


def _switches(trace: Trace) -> list[tuple[int, Decision]]:
    """Preemptions and early timers, as ``(step, decision after it)``, the latest first."""
    found = [(s.index, s.decision) for s in trace.steps if s.decision is not None
             and (s.decision.is_preemption or s.decision.is_early_timer)]
    return found[::-1]


def _candidates(trace: Trace, rel: Relevance) -> Iterator[tuple[int, str]]:
    end = end_step(trace)
    yield end, _ENDS[trace.outcome.kind]
    switches = [(i, d) for i, d in _switches(trace) if i < end]
    for index, decision in switches:
        if decision.is_preemption:
            yield index, PREEMPTED
        if decision.is_early_timer:
            yield index + 1, EARLY_TIMER
    for index, decision in switches:
        if decision.is_preemption:
            yield index + 1, RUNS_INSTEAD
        if decision.is_early_timer:
            yield index, BEFORE_TIMER
    for index, decision in switches:
        if decision.is_preemption:
            yield _resumption(trace, index), RESUMES
    for index in rel.telling(end, LIMIT):
        yield index, rel.why(index)


def _resumption(trace: Trace, index: int) -> int:
    """The next step of the task preempted after step ``index`` (-1 when it never ran again)."""
    tid = trace.steps[index].tid
    return next((s.index for s in trace.steps[index + 2:] if s.tid == tid), -1)


def _chain_footprints(picked: _Picked, rel: Relevance) -> None:
    """Add, for each key step with a footprint, the latest earlier step that overlaps it."""
    todo = picked.indices()
    while todo and not picked.full():
        later = todo.pop()
        touched = rel.footprints[later]
        if not touched:
            continue
        earlier = next((i for i in range(later - 1, -1, -1)
                        if (fp := rel.footprints[i]) is not None and fp & touched), None)
        if earlier is not None and earlier not in picked.why:
            picked.offer(earlier, FOOTPRINT)
            todo.append(earlier)
            todo.sort()


def _context(trace: Trace, picked: _Picked) -> Iterator[tuple[int, str]]:
    """The last step before the end of each task involved, then the step before each
    preemption."""
    end = end_step(trace)
    steps = trace.steps
    involved: list[int] = [steps[end].tid]
    for index, decision in _switches(trace):
        if decision.is_preemption:
            involved.extend((steps[index].tid, decision.chosen))
    for tid in dict.fromkeys(involved):
        last = next((i for i in range(end - 1, -1, -1) if steps[i].tid == tid), None)
        if last is not None:
            yield last, LEADS_UP
    for index, decision in _switches(trace):
        if decision.is_preemption:
            yield index - 1, BEFORE


def _fill_single_gaps(picked: _Picked) -> None:
    """A one-step gap costs a row either way: show the step instead of folding it."""
    kept = [-1, *picked.indices(), picked.total]
    for before, after in itertools.pairwise(kept):
        if after - before == 2:
            picked.offer(before + 1)


def _rows(trace: Trace, picked: _Picked, rel: Relevance) -> Iterator[Row]:
    expected = 0
    for index in [*picked.indices(), len(trace.steps)]:
        if index > expected:
            yield _fold(trace, expected, index - 1, rel)
        if index < len(trace.steps):
            yield KeyStep(index, tuple(picked.why[index]))
        expected = index + 1


def _fold(trace: Trace, first: int, last: int, rel: Relevance) -> Fold:
    steps = trace.steps[first:last + 1]
    tasks = tuple(dict.fromkeys(s.task for s in steps))
    runs: list[tuple[str, list[str]]] = []
    for index in sorted(_highlights(trace, first, last, rel)):
        label, detail = rel.actions[index]
        text = f"{label}: {detail}" if trace.steps[index].tid == TIMER else label
        task = trace.steps[index].task
        if runs and runs[-1][0] == task:
            if text not in runs[-1][1]:
                runs[-1][1].append(text)
        else:
            runs.append((task, [text]))
    preemptions = tuple(s.index for s in steps if s.decision and s.decision.is_preemption)
    return Fold(first, last, tasks, tuple((t, tuple(a)) for t, a in runs), preemptions)


def _highlights(trace: Trace, first: int, last: int, rel: Relevance) -> list[int]:
    """The most telling steps of a stretch, spread over its tasks: each pick halves the score
    of the later picks from the same task (ties: the earlier step)."""
    picks: list[int] = []
    seen: Counter[int] = Counter()
    left = set(range(first, last + 1))
    while left and len(picks) < HIGHLIGHTS:
        best = max(left, key=lambda i: (rel.score[i] / 2 ** seen[trace.steps[i].tid], -i))
        picks.append(best)
        left.discard(best)
        seen[trace.steps[best].tid] += 1
    return picks


# ----- as plain text ---------------------------------------------------------------------


#: A folded row names at most this many of its tasks.
NAMED_TASKS = 3


def fold_text(fold: Fold, actions: int = HIGHLIGHTS) -> str:
    """A folded row in words (unescaped), with at most ``actions`` of its telling actions:
    ``12 steps of app/env, backend/main: app/env env.app_start, write connectJob; backend/main
    sys.listen``; one task's actions are not prefixed with its name again."""
    more = len(fold.tasks) - NAMED_TASKS
    shown = ", ".join(fold.tasks[:NAMED_TASKS]) + (f" and {more} more" if more > 0 else "")
    text = f"{fold.size} {'step' if fold.size == 1 else 'steps'} of {shown}"
    if fold.preemptions:
        count = len(fold.preemptions)
        text += f" ({count} {'preemption' if count == 1 else 'preemptions'})"
    kept: list[tuple[str, tuple[str, ...]]] = []
    for task, done in fold.highlights:
        room = actions - sum(len(d) for _, d in kept)
        if room > 0:
            kept.append((task, done[:room]))
    if len(fold.tasks) == 1:
        runs = ", ".join(a for _, done in kept for a in done)
    else:
        runs = "; ".join(f"{task} {', '.join(done)}" for task, done in kept)
    return f"{text}: {runs}" if runs else text


def render_key_steps(trace: Trace, limit: int = LIMIT) -> str:
    """The key steps as a numbered list for a terminal or a pytest failure message: one line
    per key step (task, action → point reached, the switch after it), one ``…`` line per
    folded stretch, any early timer said in words, then the outcome's headline."""
    names = task_names(trace)
    previous = previous_steps(trace)
    lines = []
    number = 0
    for row in key_steps(trace, limit):
        if isinstance(row, Fold):
            lines.append(f"     … {visible(fold_text(row))} …")
            continue
        number += 1
        step = trace.steps[row.index]
        lines.append(numbered_line(number, step, previous[row.index], switch_note(step, names)))
    lines.extend(plain(parts) for _, parts in early_timers(trace))
    lines.append(headline(trace.outcome))
    return "\n".join(lines)
