"""Running a model once: a fresh world, a fresh execution, one outcome and its trace.

Invariant: a run is a pure function of (model, variant, scenario, choices, settings, the
invariants checked). Engine failures surface as ``ExplorerInternalError``, never as an
outcome; an interrupt (Ctrl-C) ends the run, tears it down and propagates. A run notes (without
changing it) whether the model drew from the global ``random`` module.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from typing import Any

from explorer._execution import Execution
from explorer.errors import ExplorerInternalError, UnknownModelError, UserError
from explorer.model import Invariant, Model
from explorer.records import Decision, Outcome, Settings, Step, Trace
from explorer.sources.base import ChoiceSource


class RunResult:
    """What one run produced; the full :class:`Trace` is built only when asked for."""

    def __init__(self, model: Model, variant: str, scenario: Any, execution: Execution,
                 invariants: tuple[str, ...], global_random: bool = False) -> None:
        assert execution.outcome is not None
        #: The model drew from the global ``random`` module during the run: its result depends
        #: on state outside its input (a determinism defect, whatever the trace shows).
        self.used_global_random = global_random
        #: Every finding of the run, in the order they happened (several when the settings
        #: let the run go on past a violation).
        self.findings: tuple[Outcome, ...] = execution.findings()
        ended = execution.outcome
        self.outcome: Outcome = ended if ended.is_finding or not self.findings \
            else self.findings[0]
        self._model, self._variant, self._scenario = model, variant, scenario
        self._execution = execution
        self._invariants = invariants
        self._trace: Trace | None = None

    @property
    def keys(self) -> tuple[str, ...]:
        """The finding keys of the run (``violation:<invariant>``, ``deadlock``, ...)."""
        return tuple(f.key for f in self.findings)

    @property
    def steps(self) -> int:
        return len(self._execution.steps)

    @property
    def choices(self) -> tuple[int, ...]:
        return self._execution.choices()

    @property
    def decisions(self) -> int:
        return len(self._execution.decisions)

    @property
    def decision_list(self) -> tuple[Decision, ...]:
        """The run's decisions in order (the k-th is read from ``choices[k]``)."""
        ex = self._execution
        return tuple(Decision(*ex.decisions[i]) for i in sorted(ex.decisions))

    @property
    def rules(self) -> tuple[tuple[int, int, int], ...]:
        """The run's switches as position-independent rules (see ``sources.rules``)."""
        from explorer.sources.rules import rules_of

        return rules_of(self.decision_list)

    @property
    def preemptions(self) -> int:
        """Switches away from a task that could have continued."""
        return sum(1 for d in self._execution.decisions.values() if d[0] and d[4])

    @property
    def switches(self) -> int:
        return sum(1 for d in self._execution.decisions.values() if d[0])

    @property
    def scenario(self) -> Any:
        return self._scenario

    @property
    def task_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self._execution.tasks)

    def trace(self) -> Trace:
        if self._trace is None:
            ex = self._execution
            self._trace = Trace(self._model.name, self._variant, self._scenario, ex.choices(),
                                build_steps(ex), self.outcome, ex.settings, self._invariants)
        return self._trace


def build_steps(ex: Execution) -> tuple[Step, ...]:
    names = [t.name for t in ex.tasks]
    decisions = ex.decisions
    steps = []
    for i, (tid, label, detail, time, touches) in enumerate(ex.steps):
        raw = decisions.get(i)
        decision = None if raw is None else Decision(*raw)
        name = "clock" if tid < 0 else names[tid]
        steps.append(Step(i, tid, name, label, detail, time, decision,
                          None if touches is None else tuple(touches)))
    return tuple(steps)


def check_variant(model: Model, variant: str) -> None:
    if variant not in model.variant_names():
        known = ", ".join(model.variant_names())
        raise UnknownModelError(f"model {model.name} has no variant {variant!r} (known: {known})")


def checked_invariants(model: Model, variant: str,
                       names: Sequence[str] | None = None) -> tuple[Invariant, ...]:
    """The invariants a run checks: ``names`` (in the model's order), or every one that
    applies to ``variant``. An unknown name is the caller's error."""
    applicable = model.invariants_for(variant)
    if names is None:
        return applicable
    known = {i.name: i for i in model.invariants}
    missing = [n for n in names if n not in known]
    if missing:
        raise UnknownModelError(f"model {model.name} has no invariant "
                                f"{', '.join(map(repr, missing))} (known: {', '.join(known)})")
    wanted = set(names)
    return tuple(i for i in model.invariants if i.name in wanted)


def run(
    model: Model,
    variant: str,
    scenario: Any,
    source: ChoiceSource,
    settings: Settings | None = None,
    *,
    invariants: Sequence[str] | None = None,
) -> RunResult:
    """Run ``model`` once under ``source`` and return its outcome and trace.

    ``invariants`` names the invariants to check (default: every one that applies).
    """
    check_variant(model, variant)
    chosen = checked_invariants(model, variant, invariants)
    return run_checked(model, variant, chosen, scenario, source, settings or Settings())


def run_checked(model: Model, variant: str, chosen: tuple[Invariant, ...], scenario: Any,
                source: ChoiceSource, settings: Settings) -> RunResult:
    """:func:`run` with its variant and invariants already checked: a search checks them
    once, not for every one of its runs."""
    world = model.build(variant, scenario)
    safety = [(i.name, functools.partial(i.check, world)) for i in chosen if i.at == "step"]
    rest = [(i.name, functools.partial(i.check, world)) for i in chosen if i.at != "step"]
    execution = Execution(source, settings, safety, rest,
                          trust_primitives=model.footprints)
    state = random.getstate()
    try:
        execution.run(functools.partial(model.main, world))
    except (KeyboardInterrupt, SystemExit):
        raise
    except Exception as exc:
        raise ExplorerInternalError(f"engine failed: {type(exc).__name__}: {exc}") from exc
    if execution.failure is not None:
        if isinstance(execution.failure, UserError):
            raise execution.failure
        raise ExplorerInternalError(f"engine failed: {execution.failure!r}") from execution.failure
    if execution.outcome is None:
        raise ExplorerInternalError("run ended without an outcome")
    return RunResult(model, variant, scenario, execution, tuple(i.name for i in chosen),
                     random.getstate() != state)
