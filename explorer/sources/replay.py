"""Choices read back from a saved trace, checked against the model as it runs now.

Invariant: decision k runs the task the trace ran at decision k; when that task is not among
the options, strict replay stops with "diverged at step N", lenient replay notes where it
diverged and goes on with the default option.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from explorer.errors import ReplayDivergedError
from explorer.records import TIMER, Decision
from explorer.sources.base import ChoiceSource


def _name(tid: int, names: Mapping[int, str]) -> str:
    if tid == TIMER:
        return "the clock"
    return f"task {names[tid]}" if tid in names else f"task #{tid}"


class ReplaySource(ChoiceSource):
    def __init__(
        self, decisions: Sequence[Decision], task_names: Mapping[int, str] | Sequence[str] = (),
        *, strict: bool = True
    ) -> None:
        self.decisions = list(decisions)
        self.task_names: Mapping[int, str] = (
            task_names if isinstance(task_names, Mapping) else dict(enumerate(task_names)))
        self.strict = strict
        self.diverged_at: int | None = None
        self.divergence = ""
        self._next = 0

    def choose(self, options: Sequence[int], step: int) -> int:
        k = self._next
        self._next = k + 1
        if self.diverged_at is not None or k >= len(self.decisions):
            return 0
        wanted = self.decisions[k].chosen
        if wanted in options:
            return options.index(wanted)
        message = f"expected {_name(wanted, self.task_names)} enabled (decision {k})"
        if self.strict:
            raise ReplayDivergedError(step, message)
        self.diverged_at, self.divergence = step, message
        return 0

    @property
    def unused(self) -> int:
        """Decisions of the trace that this run never reached."""
        return max(0, len(self.decisions) - self._next)
