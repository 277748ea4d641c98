"""Running a model once: a fresh world, a fresh Trio run, one outcome and its trace.

Invariant: a run is a pure function of (model, variant, scenario, choices). Engine failures
surface as ``ExplorerInternalError``, never as an outcome.
"""

from __future__ import annotations

import functools
from typing import Any

import trio

from explorer._execution import Execution
from explorer.errors import ExplorerInternalError, UnknownModelError, UserError
from explorer.model import Model
from explorer.records import Outcome, Settings, Trace
from explorer.sources.base import ChoiceSource


class RunResult:
    """What one run produced; the full :class:`Trace` is built only when asked for."""

    def __init__(self, model: Model, variant: str, scenario: Any, execution: Execution) -> None:
        assert execution.outcome is not None
        self.outcome: Outcome = execution.outcome
        self._model, self._variant, self._scenario = model, variant, scenario
        self._execution = execution
        self._trace: Trace | None = None

    @property
    def steps(self) -> int:
        return len(self._execution.steps)

    @property
    def choices(self) -> tuple[int, ...]:
        return self._execution.choices()

    @property
    def task_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self._execution.tasks)

    def trace(self) -> Trace:
        if self._trace is None:
            ex = self._execution
            self._trace = Trace(
                self._model.name,
                self._variant,
                self._scenario,
                ex.choices(),
                ex.build_steps(),
                self.outcome,
            )
        return self._trace


def check_variant(model: Model, variant: str) -> None:
    if variant not in model.variant_names():
        known = ", ".join(model.variant_names())
        raise UnknownModelError(f"model {model.name} has no variant {variant!r} (known: {known})")


def run(
    model: Model,
    variant: str,
    scenario: Any,
    source: ChoiceSource,
    settings: Settings | None = None,
) -> RunResult:
    """Run ``model`` once under ``source`` and return its outcome and trace."""
    check_variant(model, variant)
    world = model.build(variant, scenario)
    safety = [
        (i.name, functools.partial(i.check, world)) for i in model.invariants if i.at == "step"
    ]
    rest = [(i.name, functools.partial(i.check, world)) for i in model.invariants if i.at != "step"]
    execution = Execution(source, settings or Settings(), safety, rest)
    try:
        trio.run(execution.run, functools.partial(model.main, world))
    except Exception as exc:
        raise ExplorerInternalError(f"engine failed: {type(exc).__name__}: {exc}") from exc
    if execution.failure is not None:
        if isinstance(execution.failure, UserError):
            raise execution.failure
        raise ExplorerInternalError(f"engine failed: {execution.failure!r}") from execution.failure
    if execution.outcome is None:
        raise ExplorerInternalError("run ended without an outcome")
    return RunResult(model, variant, scenario, execution)
