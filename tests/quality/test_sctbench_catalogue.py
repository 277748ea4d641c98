"""The SCTBench catalogue matches the registered models, and the measurement helpers count
examples to the first failure as they claim."""

from __future__ import annotations

import random

import pytest

import explorer
from explorer.records import TIMER
from explorer.registry import get_model
from explorer.sources import PrechosenChoices, SeededRandomSource
from models.sctbench import MODELS, measure
from models.sctbench.catalogue import PROGRAMS, bugs
from models.sctbench.witness import Switch, WitnessError, choices_for

BY_NAME = {m.name: m for m in MODELS}


def test_every_model_is_catalogued_and_every_variant_is_a_bug_or_a_control() -> None:
    assert sorted(p.model for p in PROGRAMS) == sorted(BY_NAME)
    assert len(PROGRAMS) >= 15
    for program in PROGRAMS:
        variants = [b.variant for b in program.bugs] + [c.variant for c in program.controls]
        assert sorted(variants) == sorted(BY_NAME[program.model].variant_names())
        assert program.bugs and program.controls
        for bug in program.bugs:
            kind, _, invariant = bug.finding.partition(":")
            assert kind in ("violation", "deadlock")
            if kind == "violation":
                assert BY_NAME[program.model].invariant_named(invariant)


def test_the_models_are_registered_under_the_entry_point() -> None:
    for name in BY_NAME:
        assert get_model(name) is BY_NAME[name]


def test_the_thread_count_families_reach_twenty_threads() -> None:
    threads = {(p.model, b.variant): b.threads for p, b in bugs()}
    assert threads[("sctbench.reorder", "bad_20")] == 21
    assert threads[("sctbench.twostage", "bad_20")] == 21
    assert threads[("sctbench.twostage", "bad_100")] == 101


def test_a_deterministic_bug_fails_on_the_first_example() -> None:
    model = BY_NAME["sctbench.arithmetic_prog"]
    count = measure.examples_to_failure(model, "bad", "violation:total_assertion",
                                        SeededRandomSource, cap=5)
    assert count == 1


def test_a_control_never_fails_within_the_cap() -> None:
    model = BY_NAME["sctbench.deadlock01"]
    assert measure.examples_to_failure(model, "ok", "deadlock", SeededRandomSource, 50) is None


def test_a_finding_other_than_the_expected_one_is_an_error() -> None:
    model = BY_NAME["sctbench.deadlock01"]
    with pytest.raises(measure.UnexpectedFinding, match="deadlock"):
        measure.examples_to_failure(model, "bad", "violation:nothing", SeededRandomSource, 500)


def test_pct_is_sized_to_the_probed_run() -> None:
    model = BY_NAME["sctbench.twostage"]
    shape = measure.probe(model, "bad_100")
    default = explorer.run(model, "bad_100", None, PrechosenChoices(()))
    assert shape == measure.RunShape(101, default.decisions)
    source = measure.pct_source(shape, 3, random.Random(0))
    ranks = [source.priority(tid) for tid in (*range(101), TIMER)]
    assert sorted(ranks) == list(range(102))  # every task and the clock, all distinct
    assert len(source.change_points) == 2
    assert all(0 <= c < shape.decisions for c in source.change_points)


def test_random_examples_of_different_seeds_do_not_overlap() -> None:
    model = BY_NAME["sctbench.lazy01"]
    first = measure.uniform_random(model, "bad", 0, 100)
    second = measure.uniform_random(model, "bad", 1, 100)
    assert {first(k).seed for k in range(100)}.isdisjoint({second(k).seed for k in range(100)})


def test_the_measurement_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert measure.main(["--only", "sctbench.lazy01", "--cap", "20", "--seeds", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("| program | variant | threads | bound |")
    assert out[2].startswith("| sctbench.lazy01 | bad | 4 | 0 | `violation:data_assertion` |")
    shape = measure.probe(BY_NAME["sctbench.lazy01"], "bad")
    assert out[2].endswith(f"| 1/({shape.tasks}·{shape.decisions}^2) ≈ "
                           f"{1 / (shape.tasks * shape.decisions ** 2):.1e} |")


def test_a_witness_that_does_not_fit_the_run_is_an_error() -> None:
    model = BY_NAME["sctbench.deadlock01"]
    with pytest.raises(WitnessError, match="only 0 times"):
        choices_for(model, "bad", [Switch("thread1", "no such point", "thread2")])
    with pytest.raises(WitnessError, match="no task named"):
        choices_for(model, "bad", [Switch("thread1", "acquire b", "thread9")])
