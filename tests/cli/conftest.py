"""Fixtures for the CLI tests: trace files made by running registered litmus models, and the
CLI run in-process."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cli_support import (
    LOST_UPDATE_CHOICES,
    Ran,
    drifting_model,
    fixed_registry,
    litmus,
    litmus_models,
    write_trace,
)

import explorer
from explorer import cli, registry
from explorer.records import Settings
from explorer.sources import PrechosenChoices


@pytest.fixture(autouse=True)
def litmus_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process, the registry holds exactly the litmus corpus, whatever else is installed."""
    monkeypatch.setattr(registry, "registry", fixed_registry(litmus_models))


@pytest.fixture
def finding(tmp_path: Path) -> Path:
    """A lost update on the ``three`` variant of ``litmus.lost-update``."""
    model = litmus("litmus.lost-update")
    trace = explorer.run(model, "three", None, PrechosenChoices(LOST_UPDATE_CHOICES)).trace()
    assert trace.outcome.is_finding
    return write_trace(tmp_path, "finding.json", trace)


@pytest.fixture
def passing(tmp_path: Path) -> Path:
    model = litmus("litmus.lost-update")
    trace = explorer.run(model, "three", None, PrechosenChoices([])).trace()
    assert not trace.outcome.is_finding
    return write_trace(tmp_path, "passing.json", trace)


@pytest.fixture
def step_bound(tmp_path: Path) -> Path:
    model = litmus("litmus.spin")
    trace = explorer.run(model, "forever", None, PrechosenChoices([1, 1, 0, 1]),
                         Settings(max_steps=60)).trace()
    return write_trace(tmp_path, "spin.json", trace)


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., Ran]:
    """Run ``explorer.cli.main`` in-process and capture what it printed."""

    def run(*argv: str | Path) -> Ran:
        capsys.readouterr()
        status = cli.main([str(a) for a in argv])
        out, err = capsys.readouterr()
        return Ran(status, out, err)

    return run


@pytest.fixture
def drifting(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[[str], Path]:
    """Register ``test.drifting`` for this test and return a maker of its trace files."""
    model = drifting_model()
    monkeypatch.setattr(registry, "registry", fixed_registry(lambda: {model.name: model}))

    def make(variant: str) -> Path:
        trace = explorer.run(model, variant, None, PrechosenChoices([1])).trace()
        return write_trace(tmp_path, f"drifting-{variant}.json", trace)

    return make
