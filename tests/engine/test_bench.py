"""The benchmark runs its three measurements and reports them as a table or as JSON."""

from __future__ import annotations

import argparse
import json

import pytest

import explorer
from explorer import bench
from explorer.sources import SeededRandomSource


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    bench.add_arguments(parser)
    return parser.parse_args(argv)


def test_measure_gives_positive_medians_and_their_ratio() -> None:
    figures = bench.measure(repeats=1, examples=20)
    assert figures.engine_steps_per_s > 0
    assert figures.trio_steps_per_s > 0
    assert figures.examples_per_s is not None and figures.examples_per_s > 0
    assert figures.ratio == figures.engine_steps_per_s / figures.trio_steps_per_s


def test_json_output_names_every_figure_and_the_targets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert bench.main(parse("--json", "--repeats", "1", "--examples", "20")) == 0
    figures = json.loads(capsys.readouterr().out)
    assert set(figures) >= {
        "engine_steps_per_s", "trio_steps_per_s", "ratio", "examples_per_s", "targets",
        "meets_targets",
    }
    assert figures["targets"] == {"ratio": 0.3, "examples_per_s": 500.0}


def test_table_output_has_one_row_per_figure(capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(parse("--repeats", "1", "--examples", "20")) == 0
    out = capsys.readouterr().out
    for row in ("engine steps/s", "trio steps/s", "ratio", "examples/s"):
        assert row in out


def test_a_count_below_one_is_a_user_error() -> None:
    with pytest.raises(explorer.UserError):
        bench.main(parse("--repeats", "0"))


def test_the_benchmark_load_is_a_passing_model_of_the_stated_size() -> None:
    model = bench.points_model(bench.POINTS)
    result = explorer.run(model, "plain", None, SeededRandomSource(1))
    assert result.outcome.kind is explorer.OutcomeKind.PASS
    # Each task's points and finish, main's three joins and finish.
    assert result.steps == bench.TASKS * (bench.POINTS + 1) + bench.TASKS + 1
