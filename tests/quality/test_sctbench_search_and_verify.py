"""Every SCTBench bug is found by the default search (the sources of a pytest search) within
10,000 examples, and by ``verify`` at its minimal preemption bound; every control is verified
clean at its program's bound. Where ``verify`` cannot cover the bound within the catalogue's
budget (``BEYOND_BUDGET``), it must say so and claim nothing.

The default run checks seed 0 of the search and the verifications that take a few seconds;
``--quality-full`` adds seeds 1-4 (5 of 5 seeds) and the slow verifications (CI runs the
default; the full run is ``pytest tests/quality --quality-full``)."""

from __future__ import annotations

import pytest

from explorer.exploration import SearchSettings, examples_to_first
from explorer.verify import verify
from models.sctbench import MODELS
from models.sctbench.catalogue import (
    BEYOND_BUDGET,
    VERIFY_BUDGET,
    Bug,
    Control,
    Program,
    bugs,
    controls,
    verify_bound,
)

BY_NAME = {m.name: m for m in MODELS}
EXAMPLES = 10_000
SEEDS = 5
#: Verifications that take more than a few seconds of CPU (measured: 6 to 35 s each).
SLOW_VERIFY = {("sctbench.reorder", "bad_5"), ("sctbench.wsq", "bad"), ("sctbench.iwsq", "bad"),
               ("sctbench.wsq", "ok"), ("sctbench.iwsq", "ok")}
#: Searches whose seeds take more than a few seconds each (runs of 21 and 101 threads).
SLOW_SEARCH = {("sctbench.twostage", "bad_20"), ("sctbench.twostage", "bad_100")}
#: Schedules a verification beyond the budget runs here to show it claims nothing.
SHORT_BUDGET = 30


def _marks(key: tuple[str, str], slow: set[tuple[str, str]]) -> list[pytest.MarkDecorator]:
    return [pytest.mark.quality_full] if key in slow else []


def _search_cases() -> list[object]:
    cases = []
    for program, bug in bugs():
        key = (program.model, bug.variant)
        for seed in range(SEEDS):
            full = seed > 0 or key in SLOW_SEARCH
            cases.append(pytest.param(program, bug, seed, id=f"{program.model}-{bug.variant}-"
                                      f"seed{seed}", marks=_marks(key, {key} if full else set())))
    return cases


@pytest.mark.parametrize(("program", "bug", "seed"), _search_cases())
def test_the_default_search_finds_the_bug(program: Program, bug: Bug, seed: int) -> None:
    found = examples_to_first(BY_NAME[program.model], bug.variant, bug.finding,
                              settings=SearchSettings(max_examples=EXAMPLES, seed=seed))
    assert found is not None, f"not found in {EXAMPLES} examples with seed {seed}"


def _cases(pairs: object, *, beyond: bool) -> list[object]:
    cases = []
    for program, variant in pairs:  # type: ignore[attr-defined]
        key = (program.model, variant.variant)
        if (key in BEYOND_BUDGET) == beyond:
            cases.append(pytest.param(program, variant, id="-".join(key),
                                      marks=_marks(key, SLOW_VERIFY)))
    return cases


@pytest.mark.parametrize(("program", "bug"), _cases(bugs(), beyond=False))
def test_verify_finds_the_bug_at_its_minimal_bound(program: Program, bug: Bug) -> None:
    result = verify(BY_NAME[program.model], bug.variant, preemptions=bug.bound,
                    budget=VERIFY_BUDGET, finish_bound=False)
    assert result.finding is not None, result.summary()
    assert result.finding.outcome.key == bug.finding
    assert result.finding_bound == bug.bound and result.finding.preemptions == bug.bound


@pytest.mark.parametrize(("program", "control"), _cases(controls(), beyond=False))
def test_the_control_is_verified_clean_at_its_programs_bound(program: Program,
                                                            control: Control) -> None:
    result = verify(BY_NAME[program.model], control.variant, preemptions=verify_bound(program),
                    budget=VERIFY_BUDGET)
    assert result.complete and result.finding is None, result.summary()
    assert result.summary().startswith(f"complete to {verify_bound(program)} preemption")


@pytest.mark.parametrize(("program", "variant"), _cases(bugs(), beyond=True)
                         + _cases(controls(), beyond=True))
def test_beyond_its_budget_verify_says_incomplete_and_claims_nothing(
        program: Program, variant: Bug | Control) -> None:
    result = verify(BY_NAME[program.model], variant.variant, preemptions=verify_bound(program),
                    budget=SHORT_BUDGET)
    assert not result.complete and result.finding is None
    assert result.summary().startswith(f"incomplete: budget hit after {SHORT_BUDGET} schedules "
                                       "at bound ")
