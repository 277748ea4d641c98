"""Exploring one model variant with Hypothesis: every distinct finding, each shrunk.

Invariant: a search runs its whole budget of examples (a finding never ends it), keeps the best
example of every distinct finding key, and shrinks each one afterwards; with a seed (or
derandomized) and no example database its result is a pure function of the model, variant,
strategies and settings. Wall-clock time is measured only around whole stages, for people.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import attrs
import hypothesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from hypothesis.database import ExampleDatabase

from explorer import corpus
from explorer._gc import old_objects_frozen
from explorer.errors import ExplorerInternalError
from explorer.model import Model
from explorer.observing import run_targets
from explorer.records import OutcomeKind, SearchStats, Settings, Trace
from explorer.runner import RunResult, check_variant, checked_invariants, run_checked
from explorer.shrinking import SHRINK_RUNS, Shrinker, quality
from explorer.sources.base import ChoiceSource
from explorer.sources.hypothesis import Schedule, schedules
from explorer.sources.prechosen import PrechosenChoices

if TYPE_CHECKING:
    from explorer.search_verification import ScenarioVerification

Progress = Callable[["Tally"], None]


@attrs.frozen
class SearchSettings:
    """Everything a search needs besides the model and strategies, in one record.

    ``database`` is where shrunk findings are kept between runs (replayed first next time);
    it is not used when ``seed`` is given, so a seeded search depends on nothing but its
    inputs. ``base`` is the Hypothesis profile to start from (default: the active one).
    """

    max_examples: int = 100
    seed: int | None = None
    derandomize: bool = False
    database: ExampleDatabase | None = attrs.field(default=None, eq=False)
    run: Settings = attrs.field(factory=Settings)
    shrink_runs: int = SHRINK_RUNS
    base: hypothesis.settings | None = attrs.field(default=None, eq=False)

    def __attrs_post_init__(self) -> None:
        if self.max_examples < 1:
            raise ValueError(f"max_examples must be at least 1, got {self.max_examples}")

    @property
    def uses_database(self) -> bool:
        return self.database is not None and self.seed is None and not self.derandomize


@attrs.frozen
class Finding:
    """One distinct finding of a search: its shrunk trace, and how the search got there."""

    trace: Trace
    stats: SearchStats
    task_names: tuple[str, ...]
    from_database: bool = False
    #: Found by a required verification at this preemption bound (None: by an example).
    bound: int | None = None

    @property
    def key(self) -> str:
        return self.trace.outcome.key


@attrs.frozen
class Exploration:
    """What a search explored, and every distinct finding it made (first seen first)."""

    name: str
    model: str
    variant: str
    examples: int
    steps: int
    findings: tuple[Finding, ...]
    horizon: int = 0
    seconds: float = attrs.field(default=0.0, eq=False)
    unshrunk: tuple[str, ...] = ()  # keys found but not shrunk (see ``explore``'s ``shrink``)
    #: The verifications the search's declaration requires, one per scenario, in order.
    verifications: tuple[ScenarioVerification, ...] = ()

    @property
    def finding(self) -> Finding | None:
        return self.findings[0] if self.findings else None

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(f.key for f in self.findings)

    @property
    def unproven(self) -> tuple[ScenarioVerification, ...]:
        """Required verifications that ran out of budget with nothing found."""
        return tuple(v for v in self.verifications if v.unproven)

    def summary(self) -> str:
        """One line of what the examples found, then one line per required verification."""
        return "\n".join([self._examples_line(), *(f"  {v.line()}" for v in self.verifications)])

    def _examples_line(self) -> str:
        explored = f"{self.examples} examples, {self.steps} steps"
        named = f"; also found, not shrunk: {', '.join(self.unshrunk)}" if self.unshrunk else ""
        if not self.findings:
            return f"{self.name}: no finding {'shrunk ' if named else ''}in {explored}{named}"
        found = "; ".join(_finding_line(f) for f in self.findings)
        return f"{self.name}: {len(self.findings)} finding(s) in {explored}: {found}{named}"


def _finding_line(finding: Finding) -> str:
    stats = finding.stats
    where = ("from the example database" if finding.from_database
             else f"first at example {stats.examples_to_first_failure}")
    if finding.bound is not None:
        where = (f"by verification at bound {finding.bound}, schedule "
                 f"{stats.examples_to_first_failure}")
    return f"{finding.key} ({where}, shrunk to {stats.final_steps} steps)"


class Seen:
    """The first and the best example of one finding key."""

    def __init__(self, result: RunResult, example: int) -> None:
        self.first = result
        self.first_at = example
        self.best = result
        self.from_database = False
        self.stats: SearchStats | None = None  # kept from the database, when it came from there

    def offer(self, result: RunResult) -> None:
        if quality(result) < quality(self.best):
            self.best = result


class Tally:
    """What the search has run so far; the PCT horizon is the longest run seen."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.examples = 0
        self.steps = 0
        self.horizon = 0
        self.seen: dict[str, Seen] = {}

    def record(self, result: RunResult) -> None:
        self.examples += 1
        self.steps += result.steps
        if result.outcome.kind is not OutcomeKind.STEP_BOUND:
            self.horizon = max(self.horizon, result.decisions)
        for key in result.keys:
            if key in self.seen:
                self.seen[key].offer(result)
            else:
                self.seen[key] = Seen(result, self.examples)


class Target:
    """One model variant and what a search checks on it; runs one example.

    A search's examples collect: a violation is recorded and the run goes on, so one run
    reports every invariant it breaks (``Settings.stop_on = ()``). A finding's own runs (its
    shrinking, its trace) stop at its violation.
    """

    def __init__(self, model: Model, variant: str, settings: Settings,
                 invariants: Sequence[str] | None) -> None:
        check_variant(model, variant)
        self.model, self.variant = model, variant
        self.settings = attrs.evolve(settings, stop_on=())
        self.checked = checked_invariants(model, variant, invariants)
        self.invariants = tuple(i.name for i in self.checked)

    def run(self, scenario: Any, source: Any, settings: Settings | None = None) -> RunResult:
        return run_checked(self.model, self.variant, self.checked, scenario, source,
                           settings or self.settings)

    def settings_for(self, key: str) -> Settings:
        """Runs about finding ``key`` end at its violation (or go on to the deadlock, crash or
        bound it names)."""
        invariant = key.partition(":")[2]
        return attrs.evolve(self.settings, stop_on=(invariant,) if invariant else ())

    def attempt(self, scenario: Any, source: ChoiceSource,
                key: str | None = None) -> RunResult | None:
        settings = None if key is None else self.settings_for(key)
        try:
            return self.run(scenario, source, settings)
        except ValueError:
            return None  # a scenario the model's build refuses: not a candidate


def explore(model: Model, variant: str, *, name: str | None = None,
            scenarios: st.SearchStrategy[Any] | None = None,
            schedules: st.SearchStrategy[Schedule] | None = None,
            invariants: Sequence[str] | None = None,
            settings: SearchSettings | None = None,
            progress: Progress | None = None,
            test: Any = None,
            shrink: Callable[[str], bool] | None = None) -> Exploration:
    """Search ``model``/``variant`` to the end of its budget; shrink every distinct finding.

    ``invariants`` restricts what is checked (default: every invariant of the variant).
    ``test`` is the Hypothesis test to drive (see :func:`inner_test`; default: a fresh one).
    ``shrink`` picks the finding keys to shrink and return (default: all); the others are
    only named, in ``Exploration.unshrunk``.
    """
    _refuse_inside_trio()
    settings = settings or SearchSettings()
    name = name or f"{model.name}-{variant}"
    target = Target(model, variant, settings.run, invariants)
    started = time.perf_counter()  # for people only: never part of a result that is compared
    tally = Tally(name)
    if settings.uses_database:
        corpus.replay_saved(settings.database, name, target, tally)
    if test is None:
        test = inner_test(name, scenarios, schedules, lambda: target)
    with old_objects_frozen():  # the collector scans the search's objects, not the heap
        Probe(target, tally, progress, collecting=True).drive(test, settings)
        findings = tuple(_shrunk(name, target, key, seen, tally, settings)
                         for key, seen in tally.seen.items() if shrink is None or shrink(key))
    unshrunk = tuple(key for key in tally.seen if shrink is not None and not shrink(key))
    if settings.uses_database:
        corpus.save(settings.database, name, findings)
    return Exploration(name, model.name, variant, tally.examples, tally.steps, findings,
                       tally.horizon, time.perf_counter() - started, unshrunk)


def _shrunk(name: str, target: Target, key: str, seen: Seen, tally: Tally,
            settings: SearchSettings) -> Finding:
    def attempt(scenario: Any, source: ChoiceSource) -> RunResult | None:
        return target.attempt(scenario, source, key)

    start = attempt(seen.best.scenario, PrechosenChoices(seen.best.choices))
    if start is None or key not in start.keys:
        raise ExplorerInternalError(f"finding {key} of search {name} did not reproduce: "
                                    "a run is no longer a function of its inputs")
    shrinker = Shrinker(attempt, start, settings.shrink_runs, key=key)
    best = shrinker.run()
    trace = best.trace()
    first = attempt(seen.first.scenario, PrechosenChoices(seen.first.choices)) or seen.first
    stats = seen.stats or SearchStats(
        search=name, examples=tally.examples, examples_to_first_failure=seen.first_at,
        first_steps=first.steps, first_preemptions=first.preemptions,
        final_steps=best.steps, final_preemptions=best.preemptions,
        shrink_runs=shrinker.runs)
    if seen.stats is not None:
        stats = attrs.evolve(stats, examples=tally.examples, final_steps=best.steps,
                             final_preemptions=best.preemptions)
    return Finding(trace, stats, best.task_names, seen.from_database)


_ACTIVE: ContextVar[Probe | None] = ContextVar("race_explorer_probe", default=None)


class _Reached(BaseException):
    """The finding a first-failure measurement waits for was made: stop the Hypothesis test.

    A ``BaseException`` so that Hypothesis lets it through (as it does ``KeyboardInterrupt``)
    instead of taking it for a failing example to shrink."""


def examples_to_first(model: Model, variant: str, key: str, *,
                      scenarios: st.SearchStrategy[Any] | None = None,
                      schedules: st.SearchStrategy[Schedule] | None = None,
                      settings: SearchSettings | None = None) -> int | None:
    """The example of the search (1 = the first) that first makes finding ``key``, or None
    within ``settings.max_examples``. The examples are exactly those :func:`explore` runs with
    the same inputs; the search stops at that one and shrinks nothing."""
    _refuse_inside_trio()
    settings = settings or SearchSettings()
    name = f"{model.name}-{variant}"
    target = Target(model, variant, settings.run, None)
    tally = Tally(name)
    test = inner_test(name, scenarios, schedules, lambda: target)
    probe = Probe(target, tally, collecting=True, until=key)
    try:
        probe.drive(test, settings)
    except _Reached:
        return tally.seen[key].first_at
    return None


class Probe:
    """What one example of a search does: one run of the target, recorded in the tally.

    While a search collects, a finding is recorded and the example passes, so Hypothesis goes
    on to the end of the budget; when the Hypothesis test is driven some other way (a fuzzer
    calling it), a finding fails the example, as a property test's failure does.
    """

    def __init__(self, target: Target, tally: Tally, progress: Progress | None = None, *,
                 collecting: bool = False, until: str | None = None) -> None:
        self.target, self.tally, self.progress = target, tally, progress
        self.collecting = collecting
        self.until = until  # stop the search at the first example that makes this finding

    def example(self, scenario: Any, schedule: Schedule) -> None:
        tally = self.tally
        if tally.horizon == 0:  # the first example: measure a run's length by a probe run
            tally.horizon = max(1, self.target.run(scenario, PrechosenChoices(())).decisions)
        with run_targets():
            result = self.target.run(scenario, schedule.source(tally.horizon))
        tally.record(result)
        if self.until is not None and self.until in result.keys:
            raise _Reached
        if result.outcome.is_finding:
            hypothesis.event(f"finding {result.outcome.key}")
            if not self.collecting:
                raise AssertionError(result.outcome.headline())
        if self.progress is not None:
            self.progress(tally)

    def drive(self, test: Any, settings: SearchSettings) -> None:
        """Run the Hypothesis ``test`` with this probe behind it."""
        test._hypothesis_internal_use_settings = hypothesis_settings(settings)
        test._hypothesis_internal_use_seed = settings.seed
        token = _ACTIVE.set(self)
        try:
            test()
        finally:
            _ACTIVE.reset(token)


def inner_test(name: str, scenarios: st.SearchStrategy[Any] | None,
               schedule_strategy: st.SearchStrategy[Schedule] | None,
               standalone: Callable[[], Target]) -> Any:
    """The Hypothesis test of a search: ``scenario`` and ``schedule`` drawn, one run each.

    A search drives it with its own probe; anyone else (a fuzzer) calls it directly, and then
    it runs ``standalone()``'s target and fails on a finding.
    """
    scenario_strategy = scenarios if scenarios is not None else st.none()
    drawn = schedule_strategy if schedule_strategy is not None else schedules()

    def race_explorer_search(scenario: Any, schedule: Schedule) -> None:
        probe = _ACTIVE.get()
        if probe is None:
            probe = Probe(standalone(), Tally(name))
        probe.example(scenario, schedule)

    test: Any = hypothesis.given(scenario=scenario_strategy, schedule=drawn)(race_explorer_search)
    test._hypothesis_internal_add_digest = name.encode("utf-8")
    return test


def _refuse_inside_trio() -> None:
    """A search blocks for a long time: calling it from a running Trio loop is a mistake."""
    import trio

    try:
        trio.lowlevel.current_task()
    except RuntimeError:
        return
    from explorer.errors import UserError

    raise UserError("a race-explorer search was called from inside a running Trio loop (an "
                    "async test?): declare it as a plain synchronous test, or call it outside "
                    "trio.run")


def hypothesis_settings(settings: SearchSettings) -> hypothesis.settings:
    """The active profile (or ``settings.base``) with what a search needs on top."""
    return hypothesis.settings(
        parent=settings.base or hypothesis.settings(),
        max_examples=settings.max_examples,
        derandomize=settings.derandomize,
        database=None,
        deadline=None,
        phases=(Phase.explicit, Phase.generate, Phase.target),
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
