"""A Hypothesis-driven search over scenarios and schedules for one model variant.

Invariant: every example is a fresh run (fresh world, fresh ``trio.run``); a finding is the
last failing run Hypothesis made, which is its shrunk example, and it carries what replays it.
"""

from __future__ import annotations

import time
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
    seconds_to_first: float | None = attrs.field(default=None, eq=False)

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
        self.started = time.perf_counter()  # a measurement of the search, never of a model
        self.seconds_to_first: float | None = None

    def record(self, result: RunResult) -> None:
        self.examples += 1
        self.steps += result.steps
        if result.outcome.is_finding:
            if self.first is None:
                self.first, self.first_at = result, self.examples
                self.seconds_to_first = time.perf_counter() - self.started
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
    return Exploration(name, model.name, variant, tally.examples, tally.steps,
                       _finding(name, tally), tally.seconds_to_first)


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
    """Shrink the decisions a finding made until each remaining context switch is needed.

    Hypothesis shrinks the schedule it drew (a PCT permutation, a sparse list); this pass
    shrinks the decisions the run actually made. First the longest tail of switches that can
    go is cut, then each switch is zeroed in turn, latest first, while the same finding
    remains, until a whole pass changes nothing: the result is 1-minimal.
    """
    trial = _Trial(model, variant, found, settings, tally)
    if found.outcome.kind is OutcomeKind.STEP_BOUND:
        return found  # each trial would run to the bound; a livelock has no minimal schedule
    trial.cut_tail()
    while trial.zero_each() and trial.runs < MINIMIZE_RUNS:
        pass
    return trial.best


#: Runs the choice-level shrink may make after Hypothesis: past it, the result is kept as is.
MINIMIZE_RUNS = 2_000


class _Trial:
    """The best failing run so far, and runs of candidate decision lists against it."""

    def __init__(self, model: Model, variant: str, found: RunResult, settings: Settings,
                 tally: _Tally | None) -> None:
        self.model, self.variant, self.settings, self.tally = model, variant, settings, tally
        self.key = finding_key(found.outcome.kind, found.outcome.invariant)
        self.scenario = found.trace().scenario
        self.best = found
        self.runs = 0

    @property
    def choices(self) -> list[int]:
        return list(self.best.choices)

    def attempt(self, choices: list[int]) -> bool:
        result = run(self.model, self.variant, self.scenario, PrechosenChoices(choices),
                     self.settings)
        self.runs += 1
        if self.tally is not None:
            self.tally.examples += 1
        outcome = result.outcome
        if outcome.is_finding and finding_key(outcome.kind, outcome.invariant) == self.key:
            self.best = result
            return True
        return False

    def cut_tail(self) -> None:
        """Keep the shortest prefix of the decisions (then all "no switch") that still fails."""
        low, high = 0, len(self.choices)
        while low < high:
            middle = (low + high) // 2
            if self.attempt(self.choices[:middle]):
                high = min(middle, len(self.choices))
            else:
                low = middle + 1

    def zero_each(self) -> bool:
        """One pass from the last switch to the first; True if any switch could go."""
        changed = False
        k = len(self.choices) - 1
        while k >= 0:
            choices = self.choices
            if k < len(choices) and choices[k] != 0:
                # Decisions before k are unchanged by a change at k: the pass goes on from k - 1.
                changed |= self.attempt([*choices[:k], 0, *choices[k + 1:]])
            k -= 1
        return changed
