"""The verifications a search declaration requires: every schedule of each of its fixed
scenarios up to ``verify`` preemptions, run after the search's examples.

Invariant: a required verification ends in exactly one of three states, and the search's
summary line names it: *proven* (complete to the bound, nothing found), *a finding* (the first
failing schedule of the smallest bound that has one, shrunk like a search's finding), or
*unproven* (the budget ran out first). An unproven verification is never a pass: the search's
verdict fails on it (see ``explorer.pytest_searches``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import attrs

from explorer.errors import ExplorerInternalError
from explorer.exploration import Finding, Target
from explorer.model import Model
from explorer.records import SearchStats, Settings
from explorer.runner import RunResult
from explorer.shrinking import SHRINK_RUNS, Shrinker
from explorer.sources.base import ChoiceSource
from explorer.sources.prechosen import PrechosenChoices
from explorer.verify import Verification, verify


@attrs.frozen
class Requirement:
    """What a declaration asks to have proven: each scenario verified to ``preemptions``."""

    preemptions: int
    scenarios: tuple[Any, ...]
    budget: int

    def __attrs_post_init__(self) -> None:
        if self.preemptions < 0:
            raise ValueError(f"verify must be a preemption bound of 0 or more, "
                             f"got {self.preemptions}")
        if not self.scenarios:
            raise ValueError("verify needs at least one scenario (verify_scenarios) when the "
                             "search draws its scenarios")
        if self.budget < 1:
            raise ValueError(f"verify_budget must be at least 1 schedule, got {self.budget}")


@attrs.frozen
class ScenarioVerification:
    """One scenario's verification, numbered as the declaration lists it (from 1)."""

    number: int
    of: int
    scenario: Any
    result: Verification

    @property
    def proven(self) -> bool:
        return self.result.complete and self.result.finding is None

    @property
    def unproven(self) -> bool:
        """The budget ran out before the bound was covered, and nothing was found."""
        return not self.result.complete and self.result.finding is None

    def line(self) -> str:
        """``verify scenario 2/3 {...}: complete to 2 preemptions: ...`` (``verify: ...``
        for the one scenario of a search that draws none)."""
        if self.of == 1 and self.scenario is None:
            return f"verify: {self.result.summary()}"
        scenario = json.dumps(self.scenario, sort_keys=True, default=repr)
        if len(scenario) > 60:
            scenario = scenario[:57] + "..."
        return (f"verify scenario {self.number}/{self.of} {scenario}: "
                f"{self.result.summary()}")


def run_required(model: Model, variant: str, requirement: Requirement, settings: Settings,
                 invariants: Sequence[str] | None) -> tuple[ScenarioVerification, ...]:
    """Verify every scenario of ``requirement``, in the order declared."""
    count = len(requirement.scenarios)
    return tuple(
        ScenarioVerification(number, count, scenario, verify(
            model, variant, scenario, preemptions=requirement.preemptions,
            budget=requirement.budget, settings=settings, invariants=invariants))
        for number, scenario in enumerate(requirement.scenarios, start=1))


def shrunk_finding(name: str, target: Target, verified: ScenarioVerification) -> Finding:
    """The verification's finding as a search finding: shrunk (it keeps its preemptions, as
    no schedule with fewer fails), and marked with the bound it was found at."""
    result = verified.result
    trace = result.finding
    assert trace is not None and result.finding_bound is not None
    key = trace.outcome.key

    def attempt(scenario: Any, source: ChoiceSource) -> RunResult | None:
        return target.attempt(scenario, source, key)

    start = attempt(trace.scenario, PrechosenChoices(trace.choices))
    if start is None or key not in start.keys:
        raise ExplorerInternalError(f"the verification finding {key} of search {name} did "
                                    "not reproduce: a run is no longer a function of its inputs")
    shrinker = Shrinker(attempt, start, SHRINK_RUNS, key=key)
    best = shrinker.run()
    stats = SearchStats(
        search=name, examples=result.schedules,
        examples_to_first_failure=result.finding_schedule, first_steps=start.steps,
        first_preemptions=start.preemptions, final_steps=best.steps,
        final_preemptions=best.preemptions, shrink_runs=shrinker.runs)
    return Finding(best.trace(), stats, best.task_names, bound=result.finding_bound)


def unproven_message(name: str, unproven: Sequence[ScenarioVerification]) -> str:
    """Why a search that requires verification fails when a verification ran out of budget."""
    lines = [f"search {name} requires verification, and {len(unproven)} scenario(s) could "
             "not be verified within the budget (raise verify_budget, lower verify, or add "
             "footprints so the reduction prunes more):"]
    lines += [f"  {v.line()}" for v in unproven]
    return "\n".join(lines)
