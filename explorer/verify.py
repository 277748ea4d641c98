"""Bounded-exhaustive verification: every schedule of a scenario up to k preemptions.

``verify`` runs bound 0, then 1, … up to ``preemptions`` (see ``explorer.sources.exhaustive``
for what a preemption costs, how each schedule runs once and what the reduction skips). The
first finding is the first failing run of the smallest bound that has one, so no schedule with
fewer preemptions fails; the search then finishes that bound and stops. The budget counts
runs; nothing here reads a clock.

Invariant: a ``Verification`` never claims more than was run: ``complete`` means every
schedule up to ``bound`` preemptions (or an equivalent of it) ran, and a summary always says
which bound it covers, or that the budget ran out and where.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from explorer.errors import NondeterministicModelError, UserError
from explorer.model import Invariant, Model
from explorer.records import Settings, Trace
from explorer.runner import RunResult, check_variant, checked_invariants, run
from explorer.sources.exhaustive import PreemptionBounding

DEFAULT_BUDGET = 10_000


@attrs.frozen
class BoundCount:
    """What one bound ran: schedules of exactly ``bound`` preemptions, and branches skipped
    because an equivalent schedule ran."""

    bound: int
    schedules: int
    pruned: int


@attrs.frozen
class Verification:
    """The result of :func:`verify`."""

    model: str
    variant: str
    preemptions: int
    complete: bool
    bound: int
    schedules: int
    pruned: int
    finding: Trace | None
    finding_bound: int | None
    per_bound: tuple[BoundCount, ...]
    #: No schedule needs more preemptions than the bounds that ran.
    exhausted: bool
    reduction: bool
    budget: int
    #: How many schedules had run when the finding was made (it is the last of them).
    finding_schedule: int | None = None

    def summary(self) -> str:
        done = (f"complete to {self.bound} preemption{_s(self.bound)}: {self.schedules} "
                f"schedule{_s(self.schedules)} ({self.pruned} pruned)")
        if not self.complete and self.finding is not None and self.schedules < self.budget:
            done = (f"stopped at the finding after {self.schedules} "
                    f"schedule{_s(self.schedules)} at bound {self.bound}")
        elif not self.complete:
            done = (f"incomplete: budget hit after {self.schedules} schedule{_s(self.schedules)} "
                    f"at bound {self.bound}")
            if self.bound > 0:
                done += f" (complete to {self.bound - 1} preemption{_s(self.bound - 1)})"
        elif self.exhausted and self.finding is None:
            most = self.per_bound[-1].bound
            done += f"; every schedule has at most {most} preemption{_s(most)}"
        if self.finding is None:
            return done
        return (f"finding at bound {self.finding_bound} (no schedule with fewer preemptions "
                f"fails): {self.finding.outcome.headline()}; the search stopped at the end of "
                f"that bound: {done}")


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def step_reads(invariants: Sequence[Invariant]) -> frozenset[str] | None:
    """What the step invariants read, together; None when one of them may read anything."""
    names: set[str] = set()
    for inv in invariants:
        if inv.at != "step":
            continue
        if inv.reads is None:
            return None
        names.update(inv.reads)
    return frozenset(names)


class BoundedRuns:
    """The runs of an exhaustive search, bound by bound, as ``(bound, result)`` pairs.

    After the iteration ends, the attributes say how far it got.
    """

    def __init__(self, model: Model, variant: str, scenario: Any = None, *, preemptions: int,
                 budget: int = DEFAULT_BUDGET, reduction: bool = True,
                 settings: Settings | None = None,
                 invariants: Sequence[str] | None = None) -> None:
        if preemptions < 0:
            raise UserError(f"the preemption bound must be 0 or more, got {preemptions}")
        if budget < 1:
            raise UserError(f"the budget must be at least 1 schedule, got {budget}")
        check_variant(model, variant)
        chosen = checked_invariants(model, variant, invariants)
        self.model, self.variant, self.scenario = model, variant, scenario
        self.preemptions, self.budget = preemptions, budget
        self.settings = settings or Settings()
        self.invariants = tuple(i.name for i in chosen)
        self.search = PreemptionBounding(reduction=reduction, reads=step_reads(chosen),
                                         limit=preemptions,
                                         early_timers=self.settings.timers == "early")
        self.counts: dict[int, int] = {0: 0}
        self.schedules = 0
        self.complete = False
        self._stop = False

    def stop_after_bound(self) -> None:
        """Finish the bound being run, then end the iteration."""
        self._stop = True

    def __iter__(self) -> Iterator[tuple[int, RunResult]]:
        search = self.search
        while True:
            source = search.next_run()
            if source is None:
                if self._stop or search.bound >= self.preemptions or not search.next_bound():
                    self.complete = True
                    return
                self.counts[search.bound] = 0
                continue
            if self.schedules >= self.budget:
                return
            result = self._run(source)
            self.schedules += 1
            self.counts[search.bound] += 1
            yield search.bound, result

    def _run(self, source: Any) -> RunResult:
        try:
            result = run(self.model, self.variant, self.scenario, source, self.settings,
                         invariants=self.invariants)
        except ValueError as exc:  # only ``build`` raises it: the scenario does not fit
            raise UserError(f"the scenario does not fit model {self.model.name}: {exc}") from exc
        source.finished()
        if source.divergence is not None:
            step, before, now = source.divergence
            raise NondeterministicModelError(step if step >= 0 else result.steps, before, now)
        return result

    def per_bound(self) -> tuple[BoundCount, ...]:
        pruned = self.search.pruned
        return tuple(BoundCount(b, n, pruned.get(b, 0)) for b, n in sorted(self.counts.items()))


def verify(model: Model, variant: str, scenario: Any = None, *, preemptions: int,
           budget: int = DEFAULT_BUDGET, reduction: bool = True,
           settings: Settings | None = None,
           invariants: Sequence[str] | None = None,
           finish_bound: bool = True) -> Verification:
    """Run every schedule of ``scenario`` with at most ``preemptions`` preemptions (early timer
    fires count as preemptions), fewest first, until a bound has a finding or ``budget``
    schedules have run. ``finish_bound=False`` stops at the finding itself (its bound is still
    the smallest that fails: every smaller one ran to its end), leaving its bound incomplete."""
    runs = BoundedRuns(model, variant, scenario, preemptions=preemptions, budget=budget,
                       reduction=reduction, settings=settings, invariants=invariants)
    finding: Trace | None = None
    finding_bound: int | None = None
    finding_schedule: int | None = None
    for bound, result in runs:
        if finding is None and result.outcome.is_finding:
            finding, finding_bound, finding_schedule = result.trace(), bound, runs.schedules
            runs.stop_after_bound()
            if not finish_bound:
                break
    per_bound = runs.per_bound()
    exhausted = runs.complete and not runs.search.has_next_bound
    # Every schedule ran: the verdict holds to the bound asked for, whatever the last one run.
    bound = preemptions if exhausted and finding is None else runs.search.bound
    return Verification(
        model=model.name, variant=variant, preemptions=preemptions, complete=runs.complete,
        bound=bound, schedules=runs.schedules,
        pruned=sum(c.pruned for c in per_bound), finding=finding, finding_bound=finding_bound,
        per_bound=per_bound, exhausted=exhausted, reduction=reduction, budget=budget,
        finding_schedule=finding_schedule)


def verification_json(verification: Verification, trace_path: str | None) -> dict[str, Any]:
    """The ``--json`` form of a verification (``trace_path``: where its finding was saved)."""
    v = verification
    finding = None
    if v.finding is not None:
        outcome = v.finding.outcome
        finding = {"kind": outcome.kind.value, "invariant": outcome.invariant,
                   "message": outcome.message, "trace_path": trace_path}
    return {
        "model": v.model, "variant": v.variant, "preemptions": v.preemptions,
        "complete": v.complete, "bound": v.bound, "schedules": v.schedules,
        "pruned": v.pruned, "exhausted": v.exhausted, "reduction": v.reduction,
        "budget": v.budget, "finding_bound": v.finding_bound,
        "per_bound": [attrs.asdict(c) for c in v.per_bound],
        "finding": finding, "summary": v.summary(),
    }
