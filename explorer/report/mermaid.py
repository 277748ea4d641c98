"""The key steps of a trace as a Mermaid ``sequenceDiagram``: one lane per task, a Kernel lane.

Each key step is a message from its task's lane: to the Kernel when its action is a syscall
(``sys.<call>``), to itself otherwise; a timer's firing is a note over every lane, a folded
stretch a note saying what it holds, the outcome a highlighted note at the end.

Invariant: every line written is a whole Mermaid statement whose free text went through
``mermaid_text``, and every participant is declared before it is used, so the diagram parses
whatever the model's labels hold; it has one message or note per key-step row, plus the
outcome.
"""

from __future__ import annotations

from collections.abc import Sequence

from explorer.records import TIMER, Trace
from explorer.render import action, previous_steps, switch_target, task_names
from explorer.report.escape import mermaid_text
from explorer.report.keysteps import Fold, KeyStep, Row, fold_text

KERNEL = "Kernel"
_KERNEL_ID = "K"
_SYSCALL = "sys."
_OUTCOME_COLOUR = "rgb(255, 228, 225)"
#: A folded stretch's note names this many of its telling actions (a note is one line wide).
DIAGRAM_ACTIONS = 2


class Lanes:
    """The diagram's participants: one per task of a key step, in order of first appearance,
    then the Kernel when a syscall is drawn (or when nothing else is, so a diagram is never
    empty)."""

    def __init__(self, trace: Trace, rows: Sequence[Row]) -> None:
        self.ids: dict[int, str] = {}
        self.names: dict[int, str] = {}
        self.kernel = False
        previous = previous_steps(trace)
        for row in rows:
            if not isinstance(row, KeyStep):
                continue
            step = trace.steps[row.index]
            if step.tid == TIMER:
                continue
            self.ids.setdefault(step.tid, f"P{len(self.ids)}")
            self.names.setdefault(step.tid, step.task)
            label, _ = action(step, previous[row.index])
            self.kernel = self.kernel or label.startswith(_SYSCALL)
        self.kernel = self.kernel or not self.ids

    def participants(self) -> list[tuple[str, str]]:
        """``(id, name)`` of every lane, in drawing order."""
        found = [(pid, self.names[tid]) for tid, pid in self.ids.items()]
        return [*found, (_KERNEL_ID, KERNEL)] if self.kernel else found

    def lane_of(self, tid: int) -> str | None:
        return self.ids.get(tid)

    def span(self) -> str:
        """``first,last``: a note over every lane."""
        given = [p for p, _ in self.participants()]
        first, last = given[0], given[-1]
        return first if first == last else f"{first},{last}"


def sequence_diagram(trace: Trace, rows: Sequence[Row]) -> str:
    """The diagram's source (without the code fence) for the key-step ``rows`` of ``trace``."""
    lanes = Lanes(trace, rows)
    lines = ["sequenceDiagram"]
    lines.extend(f"    participant {pid} as {mermaid_text(name).strip() or '(blank)'}"
                 for pid, name in lanes.participants())
    statement = _Statements(trace, lanes)
    for row in rows:
        lines.append("    " + statement(row))
    lines.extend(_outcome(trace, lanes))
    return "\n".join(lines)


class _Statements:
    """One Mermaid statement per key-step row."""

    def __init__(self, trace: Trace, lanes: Lanes) -> None:
        self.trace, self.lanes = trace, lanes
        self.previous = previous_steps(trace)
        self.names = task_names(trace)

    def __call__(self, row: Row) -> str:
        if isinstance(row, Fold):
            text = f"… {fold_text(row, DIAGRAM_ACTIONS)} …"
            return f"Note over {self.lanes.span()}: {mermaid_text(text)}"
        step = self.trace.steps[row.index]
        label, detail = action(step, self.previous[row.index])
        text = f"[{step.index}] {label}" + (f" — {detail}" if detail else "")
        pid = self.lanes.lane_of(step.tid)
        if step.tid == TIMER or pid is None:
            return f"Note over {self.lanes.span()}: {mermaid_text(f'{text} (t={step.time:g}s)')}"
        text += self._switch(row.index)
        if label.startswith(_SYSCALL):
            text = text.replace(f"] {_SYSCALL}", "] ", 1)
            return f"{pid}->>{_KERNEL_ID}: {mermaid_text(text)}"
        return f"{pid}->>{pid}: {mermaid_text(text)}"

    def _switch(self, index: int) -> str:
        step = self.trace.steps[index]
        target = switch_target(step, self.names)
        if target is None or step.decision is None:
            return ""
        return f" ↷ {'preempted, ' if step.decision.is_preemption else ''}then {target}"


def _outcome(trace: Trace, lanes: Lanes) -> list[str]:
    return [
        f"    rect {_OUTCOME_COLOUR}",
        f"        Note over {lanes.span()}: {mermaid_text(trace.outcome.headline())}",
        "    end",
    ]
