"""The reduction loses nothing: on the litmus corpus and on generated models, the distinct
outcomes up to every bound and the minimal failing bound are the same with and without it,
and it never runs more schedules (strictly fewer on every model that declares footprints)."""

from __future__ import annotations

import functools

import pytest
from verify_support import Enumerated, Generated, enumerate_bounded, generate

import explorer
from explorer.records import Settings
from explorer.sources import exhaustive
from models.litmus import MODELS

LITMUS = [(m, v) for m in MODELS if m.name != "litmus.nondeterministic"
          for v in m.variant_names()]
#: Cheap seeds whose models together have deadlocks, lost writes (found at bounds 0, 1 and
#: 2), step-invariant violations, sleeps and timed waits, and clean runs.
SEEDS = (19, 20, 21, 22, 23, 28, 32, 40, 45, 50, 61, 66, 67, 70, 73, 76, 89, 107, 111, 117)
#: Seeds of four-task models, one operation per task.
FOUR_TASK_SEEDS = (203, 205, 213, 216)
#: Seeds also run under the ``idle`` timer policy (a pending timer is never offered then).
IDLE_SEEDS = (19, 45, 61, 117)


def corpus() -> list[Generated]:
    return [*map(generate, SEEDS), *(generate(s, tasks=4, ops=1) for s in FOUR_TASK_SEEDS)]


def bound_of(generated: Generated) -> int:
    return 3 if len(generated.programs) == 2 else 2


@functools.cache
def enumerated(index: int, reduction: bool) -> Enumerated:
    """Corpus model ``index`` enumerated to its bound (a pure function: cached so the corpus
    check below does not enumerate the models a second time)."""
    generated = corpus()[index]
    return enumerate_bounded(generated.model, "only", bound_of(generated), reduction=reduction)


def both(model: explorer.Model, variant: str, bound: int,
         settings: Settings | None = None) -> tuple[Enumerated, Enumerated]:
    full = enumerate_bounded(model, variant, bound, reduction=False, settings=settings)
    reduced = enumerate_bounded(model, variant, bound, reduction=True, settings=settings)
    return full, reduced


def assert_nothing_lost(full: Enumerated, reduced: Enumerated, bound: int) -> None:
    for b in range(bound + 1):
        assert reduced.seen_up_to(b) == full.seen_up_to(b), f"outcomes differ up to bound {b}"
    assert reduced.minimal_failing_bound() == full.minimal_failing_bound()
    for b, runs in reduced.choices.items():
        # Every schedule the reduction runs is one of the full search's, at the same bound.
        assert set(runs) <= set(full.choices[b])
    assert sum(reduced.schedules.values()) <= sum(full.schedules.values())


def litmus_settings(model: explorer.Model) -> Settings | None:
    return Settings(max_steps=60) if model.name == "litmus.spin" else None


@pytest.mark.parametrize(("model", "variant"), LITMUS,
                         ids=[f"{m.name}-{v}" for m, v in LITMUS])
def test_litmus_outcomes_are_the_same_with_and_without_the_reduction(
        model: explorer.Model, variant: str) -> None:
    # The order-violation model has 11,435 schedules at bound 2; its bound-2 finding is
    # checked once in test_verify_results.
    bound = 1 if model.name == "litmus.order-violation" else 2
    full, reduced = both(model, variant, bound, litmus_settings(model))
    assert_nothing_lost(full, reduced, bound)


@pytest.mark.parametrize("index", range(len(corpus())),
                         ids=[f"seed-{g.seed}" for g in corpus()])
def test_generated_outcomes_are_the_same_and_the_reduction_runs_fewer(index: int) -> None:
    full, reduced = enumerated(index, False), enumerated(index, True)
    assert_nothing_lost(full, reduced, bound_of(corpus()[index]))
    assert sum(reduced.schedules.values()) < sum(full.schedules.values())


@pytest.mark.parametrize("seed", IDLE_SEEDS)
def test_the_reduction_loses_nothing_under_the_idle_timer_policy(seed: int) -> None:
    full, reduced = both(generate(seed).model, "only", 2, Settings(timers="idle"))
    assert_nothing_lost(full, reduced, 2)


def test_the_generated_corpus_has_what_it_claims() -> None:
    kinds: set[tuple[str, str | None]] = set()
    bounds: set[int | None] = set()
    for index in range(len(corpus())):
        full = enumerated(index, False)
        kinds |= {(kind, inv) for kind, inv, _ in full.seen_up_to(2)}
        bounds.add(full.minimal_failing_bound())
    programs = [op for g in corpus() for program in g.programs for op in program]
    assert ("deadlock", None) in kinds and ("pass", None) in kinds
    assert ("violation", "no_lost_write") in kinds
    assert any(kind == "violation" and inv and inv.startswith("gap_") for kind, inv in kinds)
    assert {0, 1, 2} <= bounds
    assert any(op[0] == "sleep" for op in programs)
    assert any(op[0] == "wait" and op[2] is not None for op in programs)
    assert len(corpus()) + len(LITMUS) >= 20


def test_plain_sleep_sets_would_lose_findings_on_this_corpus(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Pruning every sleeping task (sleep sets without the bound's conditions) makes these
    lost writes look one preemption deeper: the checks above can tell."""
    monkeypatch.setattr(exhaustive.SleepEntry, "prunable", lambda self, *_: True)
    for seed in (19, 78, 108):
        full, naive = both(generate(seed).model, "only", 2)
        assert (full.minimal_failing_bound(), naive.minimal_failing_bound()) == (1, 2)


def test_an_unannotated_step_invariant_makes_every_step_visible() -> None:
    generated = generate(21, step_invariant=True, annotated=False)
    full, reduced = both(generated.model, "only", 2)
    assert reduced.schedules == full.schedules
    annotated = generate(21, step_invariant=True)
    assert (sum(both(annotated.model, "only", 2)[1].schedules.values())
            < sum(full.schedules.values()))
