"""A trace as a Mermaid ``sequenceDiagram``: one lane per component, a Kernel lane, the clock.

Invariant: every line written is a whole Mermaid statement whose free text went through
``mermaid_text``, and every participant is declared before it is used, so the diagram parses
whatever the model's labels hold.
"""

from __future__ import annotations

from explorer.records import TIMER, Step, Trace
from explorer.render import Selection, gap_size, switch_target, task_names
from explorer.report.escape import mermaid_text

KERNEL = "Kernel"
_KERNEL_ID = "K"
_SYSCALL = "sys."
_OUTCOME_COLOUR = "rgb(255, 228, 225)"


def component(task: str) -> str:
    """The lane of a task: the part of its name before ``/``, or the whole name."""
    lane, slash, _ = task.partition("/")
    return lane if slash and lane.strip() else task


def _short(task: str) -> str:
    """The task within its lane: the part after ``/`` (empty when the lane is the task)."""
    lane = component(task)
    return task[len(lane) + 1:] if lane != task else ""


class Lanes:
    """The diagram's participants: one per component in order of first appearance, then the
    Kernel when a syscall is drawn (or when nothing else is, so a diagram is never empty)."""

    def __init__(self, trace: Trace, selection: Selection) -> None:
        self.ids: dict[str, str] = {}
        self.kernel = False
        for index in selection:
            step = None if index is None else trace.steps[index]
            if step is None or step.tid == TIMER:
                continue
            self.ids.setdefault(component(step.task), f"P{len(self.ids)}")
            self.kernel = self.kernel or step.label.startswith(_SYSCALL)
        self.kernel = self.kernel or not self.ids

    def participants(self) -> list[tuple[str, str]]:
        """``(id, name)`` of every lane, in drawing order."""
        found = [(pid, name) for name, pid in self.ids.items()]
        return [*found, (_KERNEL_ID, KERNEL)] if self.kernel else found

    def lane_of(self, task: str) -> str | None:
        return self.ids.get(component(task))

    def span(self, *pids: str | None) -> str:
        """``first,last`` for a note over several lanes; every lane when none is given."""
        given = [p for p in pids if p is not None] or [p for p, _ in self.participants()]
        first, last = given[0], given[-1]
        return first if first == last else f"{first},{last}"


def sequence_diagram(trace: Trace, selection: Selection) -> str:
    """The diagram's source (without the code fence) for the selected steps of ``trace``."""
    lanes = Lanes(trace, selection)
    names = task_names(trace)
    lines = ["sequenceDiagram"]
    lines.extend(f"    participant {pid} as {mermaid_text(name).strip() or '(blank)'}"
                 for pid, name in lanes.participants())
    for position, index in enumerate(selection):
        if index is None:
            hidden = gap_size(selection, position, len(trace.steps))
            lines.append(f"    Note over {lanes.span()}: … {hidden} steps not shown …")
            continue
        step = trace.steps[index]
        lines.append("    " + _statement(step, lanes))
        target = switch_target(step, names)
        if target is not None:
            lines.append("    " + _switch_note(step, target, lanes))
    lines.extend(_outcome(trace, lanes))
    return "\n".join(lines)


def _statement(step: Step, lanes: Lanes) -> str:
    pid = lanes.lane_of(step.task)
    if step.tid == TIMER or pid is None:
        text = f"[{step.index}] t={step.time:.3f}s timer fired — {step.detail}"
        return f"Note over {lanes.span()}: {mermaid_text(text)}"
    syscall = step.label.startswith(_SYSCALL)
    action = step.label[len(_SYSCALL):] if syscall else step.label
    text = " ".join(p for p in (f"[{step.index}]", _short(step.task), action) if p)
    if step.detail:
        text += f" — {step.detail}"
    return f"{pid}->>{_KERNEL_ID if syscall else pid}: {mermaid_text(text)}"


def _switch_note(step: Step, target: str, lanes: Lanes) -> str:
    text = f"↷ switch {step.task} → {target}"
    if step.decision is not None and step.decision.chosen == TIMER:
        return f"Note over {lanes.span()}: {mermaid_text(text)}"
    here = lanes.lane_of(step.task)
    return f"Note over {lanes.span(here, lanes.lane_of(target))}: {mermaid_text(text)}"


def _outcome(trace: Trace, lanes: Lanes) -> list[str]:
    return [
        f"    rect {_OUTCOME_COLOUR}",
        f"        Note over {lanes.span()}: {mermaid_text(trace.outcome.headline())}",
        "    end",
    ]
