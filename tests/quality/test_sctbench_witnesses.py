"""Every buggy SCTBench port reaches the finding the catalogue names under its witness
schedule, with exactly the catalogue's minimal number of preemptions, and replays it exactly."""

from __future__ import annotations

import pytest

import explorer
from explorer.determinism import first_difference
from explorer.sources import PrechosenChoices
from models.sctbench import MODELS
from models.sctbench.catalogue import Bug, Program, bugs
from models.sctbench.witness import choices_for

BY_NAME = {m.name: m for m in MODELS}
BUGS = bugs()


@pytest.mark.parametrize(("program", "bug"), BUGS,
                         ids=[f"{p.model}-{b.variant}" for p, b in BUGS])
def test_the_witness_reaches_the_finding_at_the_minimal_bound(program: Program, bug: Bug) -> None:
    model = BY_NAME[program.model]
    choices = choices_for(model, bug.variant, bug.witness)
    result = explorer.run(model, bug.variant, None, PrechosenChoices(choices))
    trace = result.trace()
    assert trace.outcome.key == bug.finding, trace.outcome.headline()
    assert trace.preemptions == bug.bound
    assert len(result.task_names) == bug.threads
    again = explorer.run(model, bug.variant, None, PrechosenChoices(trace.choices)).trace()
    assert first_difference(trace, again) is None


@pytest.mark.parametrize(("program", "bug"), [(p, b) for p, b in BUGS if b.bound > 0],
                         ids=[f"{p.model}-{b.variant}" for p, b in BUGS if b.bound > 0])
def test_the_default_schedule_misses_a_bug_that_needs_a_preemption(program: Program,
                                                                   bug: Bug) -> None:
    result = explorer.run(BY_NAME[program.model], bug.variant, None, PrechosenChoices(()))
    assert result.outcome.kind is explorer.OutcomeKind.PASS


def test_each_witness_switch_is_a_decision_the_schedule_really_changes() -> None:
    """The witness choice list leaves the default exactly where the witness says."""
    for program, bug in BUGS:
        choices = choices_for(BY_NAME[program.model], bug.variant, bug.witness)
        assert sum(1 for c in choices if c != 0) == len(bug.witness), program.model
