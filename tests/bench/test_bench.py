"""The bench: its loads do the same work, it measures every figure on tiny budgets, its JSON
keeps one schema, and it exits 0 whatever the figures (2 on bad arguments)."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest

import explorer
from explorer import bench, cli
from explorer.bench import baselines
from explorer.bench.figures import Figures
from explorer.sources import SeededRandomSource

TINY = ("--repeats", "1", "--points", "20", "--runs", "10", "--examples", "5")


@pytest.fixture(scope="module")
def tiny_figures() -> Figures:
    """One repetition of everything, the long (IPC) search included, on tiny budgets."""
    return bench.measure(bench.Config(repeats=1, points=20, startup_runs=10, short_examples=5,
                                      long_examples=2))


def run_bench(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = cli.main(["bench", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_every_load_schedules_the_same_points() -> None:
    work = [load(3, 7) for load in (baselines.engine_load(0), baselines.trio_load,
                                    baselines.generator_load)]
    assert work == [21, 21, 21]


def test_the_engine_load_is_a_passing_model_of_the_stated_size() -> None:
    result = explorer.run(baselines.points_model(3, 50), "plain", None, SeededRandomSource(1))
    assert result.outcome.kind is explorer.OutcomeKind.PASS
    # Each task's points and finish, main's three joins and finish.
    assert result.steps == 3 * (50 + 1) + 3 + 1


def test_every_figure_is_measured_and_positive(tiny_figures: Figures) -> None:
    steps = tiny_figures.steps
    assert steps.steps_per_s["trio_hook"] is None  # no hook in this version
    assert steps.ratios["engine_vs_trio_hook"] is None
    measured = [v for k, v in steps.steps_per_s.items() if k != "trio_hook"]
    measured += [v for k, v in steps.ratios.items() if k != "engine_vs_trio_hook"]
    startup = attrs.asdict(tiny_figures.startup).values()
    assert all(v is not None and v > 0 for v in [*measured, *startup])
    for search in (tiny_figures.short_search, tiny_figures.long_search):
        assert search is not None
        assert search.examples >= 1 and search.examples_per_s > 0
        assert search.hypothesis_alone_examples_per_s > 0
        assert 0.0 <= search.gc_share < 1.0


def test_the_long_search_is_an_ipc_model_and_longer_than_the_short(
        tiny_figures: Figures) -> None:
    long, short = tiny_figures.long_search, tiny_figures.short_search
    assert long is not None and long.model == "ipc proposed"
    assert short.model == "litmus.lost-update locked"
    assert long.steps_per_example > short.steps_per_example


SCHEMA: dict[str, Any] = {
    "schema": None, "clock": None, "repeats": None,
    "steps": {"tasks": None, "points": None,
              "steps_per_s": {"engine": None, "trio": None, "generators": None,
                              "trio_hook": None},
              "ratios": {"engine_vs_trio": None, "engine_vs_generators": None,
                         "engine_vs_trio_hook": None}},
    "startup": {"run_us": None, "before_first_step_us": None, "trio_run_us": None,
                "run_vs_trio_run": None},
    "short_search": {"model": None, "examples": None, "steps_per_example": None,
                     "examples_per_s": None, "hypothesis_alone_examples_per_s": None,
                     "vs_hypothesis_alone": None, "gc_share": None},
    "long_search": None,
}


def keys_of(document: Any) -> Any:
    if isinstance(document, dict):
        return {k: keys_of(v) for k, v in document.items()}
    return None


def test_json_has_every_figure_under_its_schema(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run_bench(capsys, "--json", *TINY, "--long-examples", "0")
    assert (status, err) == (0, "")
    document = json.loads(out)
    assert keys_of(document) == SCHEMA  # the long search left out: null
    assert document["schema"] == 1 and document["repeats"] == 1
    assert document["steps"]["points"] == 20


def test_json_holds_the_long_search_when_it_runs(tiny_figures: Figures) -> None:
    document = bench.as_json(tiny_figures)
    assert keys_of(document["long_search"]) == SCHEMA["short_search"]
    json.dumps(document)  # plain JSON values only


def test_table_has_a_row_per_figure(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run_bench(capsys, *TINY, "--long-examples", "0")
    assert status == 0
    for row in ("engine steps/s", "vs trio", "vs generators", "vs trio hook", "run fixed cost",
                "to first step", "trio.run alone", "short examples/s", "short vs Hypothesis",
                "short GC share", "long search"):
        assert row in out


def test_the_bench_never_fails_on_its_figures(capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch,
                                             tiny_figures: Figures) -> None:
    dreadful = attrs.evolve(tiny_figures.steps, ratios={
        "engine_vs_trio": 1e-6, "engine_vs_generators": 1e-9, "engine_vs_trio_hook": None})
    monkeypatch.setattr(bench, "measure",
                        lambda config: attrs.evolve(tiny_figures, steps=dreadful))
    status, out, _ = run_bench(capsys, "--json")
    assert status == 0
    assert not {"targets", "meets_targets", "ok"} & set(json.loads(out))


@pytest.mark.parametrize("argv", [("--repeats", "0"), ("--points", "0"), ("--runs", "-1"),
                                  ("--examples", "0"), ("--long-examples", "-1"),
                                  ("--repeats", "many"), ("--frobnicate",)])
def test_bad_arguments_exit_2_with_one_line(capsys: pytest.CaptureFixture[str],
                                            argv: tuple[str, ...]) -> None:
    status, out, err = run_bench(capsys, *argv)
    assert status == 2
    assert out == "" and len(err.strip().splitlines()) == 1
