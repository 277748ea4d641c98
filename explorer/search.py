"""A Hypothesis-driven search over scenarios and schedules for one model variant.

Invariant: every example is a fresh run (fresh world, fresh ``trio.run``); a finding is the
last failing run Hypothesis made, which is its shrunk example, and it carries what replays it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import hypothesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st

from explorer.model import Model
from explorer.records import OutcomeKind, SearchStats, Settings, Trace
from explorer.runner import RunResult, check_variant, run
from explorer.sources.hypothesis import Schedule, schedules
from explorer.sources.prechosen import PrechosenChoices

_FOUND_CLASSES: dict[str, type[_Found]] = {}


class _Found(Exception):
    """Raised inside the Hypothesis test so that Hypothesis shrinks the failing example."""

    def __init__(self, result: RunResult) -> None:
        super().__init__(result.outcome.headline())
        self.result = result


def _found_class(key: str) -> type[_Found]:
    """One exception class per kind of finding, so Hypothesis keeps them apart while shrinking."""
    if key not in _FOUND_CLASSES:
        _FOUND_CLASSES[key] = type(f"Found_{key}", (_Found,), {})
    return _FOUND_CLASSES[key]


def finding_key(kind: OutcomeKind, invariant: str | None) -> str:
    """``violation:<invariant>``, ``deadlock``, ``crash`` or ``step-bound``."""
    return f"{kind.value}:{invariant}" if invariant else kind.value


@attrs.frozen
class Finding:
    """The shrunk failing run, and how the search got there."""

    trace: Trace
    stats: SearchStats
    task_names: tuple[str, ...]

    @property
    def key(self) -> str:
        return finding_key(self.trace.outcome.kind, self.trace.outcome.invariant)


@attrs.frozen
class Exploration:
    """What a search explored, and its finding if it made one."""

    name: str
    model: str
    variant: str
    examples: int
    steps: int
    finding: Finding | None

    def summary(self) -> str:
        if self.finding is None:
            return (
                f"{self.name}: no finding in {self.examples} examples ({self.steps} steps explored)"
            )
        return f"{self.name}: {self.finding.trace.outcome.headline()}"


class _Tally:
    """Counts runs and remembers the first and the last failing run."""

    def __init__(self) -> None:
        self.examples = 0
        self.steps = 0
        self.first: RunResult | None = None
        self.first_at: int | None = None
        self.last: RunResult | None = None

    def record(self, result: RunResult) -> None:
        self.examples += 1
        self.steps += result.steps
        if result.outcome.is_finding:
            if self.first is None:
                self.first, self.first_at = result, self.examples
            self.last = result


@attrs.frozen
class SearchBudget:
    """Hypothesis-side limits of one search."""

    max_examples: int = 200
    derandomize: bool = False
    seed: int | None = None
    database: bool = True
    settings: Settings = attrs.field(factory=Settings)


def restrict(model: Model, invariants: Sequence[str] | None) -> Model:
    """The model checking only the named invariants (crashes and deadlocks are always findings)."""
    if invariants is None:
        return model
    chosen = tuple(model.invariant_named(name) for name in invariants)
    return attrs.evolve(model, invariants=chosen)


def explore(
    model: Model,
    variant: str,
    *,
    name: str | None = None,
    scenarios: st.SearchStrategy[Any] | None = None,
    schedule_strategy: st.SearchStrategy[Schedule] | None = None,
    invariants: Sequence[str] | None = None,
    budget: SearchBudget | None = None,
    **budget_fields: Any,
) -> Exploration:
    """Search ``model``/``variant`` for a finding; shrink the first one Hypothesis meets."""
    check_variant(model, variant)
    budget = budget or SearchBudget(**budget_fields)
    name = name or f"{model.name}-{variant}"
    target = restrict(model, invariants)
    tally = _Tally()
    probe = _make_probe(target, variant, tally, budget.settings)
    probe._hypothesis_internal_add_digest = name.encode()
    test = _hypothesis_settings(budget)(
        hypothesis.given(
            scenarios if scenarios is not None else st.none(),
            schedule_strategy if schedule_strategy is not None else schedules(),
        )(probe)
    )
    if budget.seed is not None:
        test = hypothesis.seed(budget.seed)(test)
    try:
        test()
    except _Found as found:
        tally.last = minimize_choices(target, variant, found.result, budget.settings, tally)
    else:
        tally.last = None
    return Exploration(
        name, model.name, variant, tally.examples, tally.steps, _finding(name, tally)
    )


def _make_probe(model: Model, variant: str, tally: _Tally, settings: Settings) -> Any:
    def probe(scenario: Any, schedule: Schedule) -> None:
        result = run(model, variant, scenario, schedule.source(), settings)
        tally.record(result)
        outcome = result.outcome
        if outcome.is_finding:
            raise _found_class(finding_key(outcome.kind, outcome.invariant))(result)

    return probe


def _hypothesis_settings(budget: SearchBudget) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=budget.max_examples,
        derandomize=budget.derandomize,
        database=hypothesis.settings().database if budget.database else None,
        deadline=None,
        phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        print_blob=False,
        verbosity=hypothesis.Verbosity.quiet,
    )


def _finding(name: str, tally: _Tally) -> Finding | None:
    if tally.last is None or tally.first is None:
        return None
    first, last = tally.first.trace(), tally.last.trace()
    stats = SearchStats(
        search=name,
        examples=tally.examples,
        examples_to_first_failure=tally.first_at,
        first_steps=len(first.steps),
        first_preemptions=first.preemptions,
        final_steps=len(last.steps),
        final_preemptions=last.preemptions,
        shrink_runs=tally.examples - (tally.first_at or 0),
    )
    return Finding(last, stats, tally.last.task_names)


def minimize_choices(model: Model, variant: str, found: RunResult, settings: Settings,
                     tally: _Tally | None = None) -> RunResult:
    """Zero each context switch in turn, keeping it zeroed while the same finding remains.

    Hypothesis shrinks the schedule it drew (a PCT permutation, a list); this pass shrinks the
    decisions the run actually made, so the result is 1-minimal: undoing any one remaining
    preemption makes the finding go away.
    """
    key = finding_key(found.outcome.kind, found.outcome.invariant)
    scenario = found.trace().scenario
    best, choices = found, list(found.choices)
    changed = True
    while changed:
        changed = False
        for k in reversed(range(len(choices))):
            if choices[k] == 0:
                continue
            trial = [*choices[:k], 0, *choices[k + 1:]]
            result = run(model, variant, scenario, PrechosenChoices(trial), settings)
            if tally is not None:
                tally.examples += 1
            outcome = result.outcome
            if outcome.is_finding and finding_key(outcome.kind, outcome.invariant) == key:
                best, choices, changed = result, list(result.choices), True
                break
    return best
