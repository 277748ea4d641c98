"""Running one async callable under a given schedule, and its result as the engine's records.

Invariant: a native run is a pure function of the callable, the choices and the settings;
its ``Trace`` has the same shape as a model run's (decisions, steps, outcome), so shrinking,
reports and replay treat both executions alike.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from explorer.errors import ExplorerInternalError, UserError
from explorer.native.execution import (
    FAIRNESS,
    NATIVE_SETTINGS,
    Controller,
    as_source,
    run_controlled,
)
from explorer.records import Decision, Outcome, Settings, Trace
from explorer.sources.base import ChoiceSource
from explorer.sources.rules import Rule, rules_of

#: The variant name native traces carry (a native run has one program, no variants).
VARIANT = "trio"


class NativeRun:
    """What one controlled ``trio.run`` produced (the shrinker's view of a run)."""

    def __init__(self, name: str, controller: Controller) -> None:
        assert controller.outcome is not None
        self.name = name
        self.outcome: Outcome = controller.outcome
        self.findings = (self.outcome,) if self.outcome.is_finding else ()
        self._controller = controller
        self.scenario: Any = None

    @property
    def choices(self) -> tuple[int, ...]:
        return self._controller.choices()

    @property
    def steps(self) -> int:
        return len(self._controller.steps)

    @property
    def decisions(self) -> int:
        return len(self._controller.decisions)

    @property
    def decision_list(self) -> tuple[Decision, ...]:
        """The run's decisions in order (the k-th is read from ``choices[k]``)."""
        return tuple(self._controller.decisions)

    @property
    def rules(self) -> tuple[Rule, ...]:
        return rules_of(self._controller.decisions)

    @property
    def preemptions(self) -> int:
        return sum(1 for d in self._controller.decisions if d.is_preemption)

    @property
    def switches(self) -> int:
        return sum(1 for d in self._controller.decisions if d.is_switch)

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.findings)

    @property
    def task_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self._controller.views)

    def trace(self) -> Trace:
        c = self._controller
        return Trace(self.name, VARIANT, None, c.choices(), tuple(c.steps), self.outcome,
                     c.settings, ())


def run_trio(fn: Callable[[], Awaitable[object]],
             choices: Sequence[int] | ChoiceSource = (), *,
             settings: Settings = NATIVE_SETTINGS, fairness: int = FAIRNESS,
             name: str | None = None) -> NativeRun:
    """Run the async callable ``fn`` once in a controlled ``trio.run``.

    ``choices`` is a list of option indices (decision k takes ``choices[k] % options``, 0 once
    the list runs out: "no context switch") or any choice source. The result's ``outcome``
    says how the run ended and ``trace()`` gives every step and decision.
    """
    controller = run_controlled(fn, as_source(choices), settings, fairness)
    if controller.failure is not None:
        if isinstance(controller.failure, UserError):
            raise controller.failure
        raise ExplorerInternalError(f"engine failed: {controller.failure!r}") \
            from controller.failure
    return NativeRun(name or str(getattr(fn, "__qualname__", "trio")), controller)
