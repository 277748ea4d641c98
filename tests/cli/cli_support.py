"""Helpers for the CLI tests: running the CLI in-process or as ``python -m explorer``, writing
trace files, and a model that breaks the determinism rule on purpose."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest

import explorer
from explorer import registry, tracefile
from explorer.records import Trace
from explorer.registry import Registry

#: Six switches make three unlocked increments lose one (a finding on ``three``).
LOST_UPDATE_CHOICES = [0, 0, 0, 0, 0, 1]


@attrs.frozen
class Ran:
    """What one CLI invocation did."""

    status: int
    out: str
    err: str


def litmus_models() -> dict[str, explorer.Model]:
    """The litmus corpus by name, imported directly (not through the entry points)."""
    from models.litmus import MODELS

    return {model.name: model for model in MODELS}


def litmus(name: str) -> explorer.Model:
    model = litmus_models().get(name)
    if model is None:
        pytest.skip(f"the litmus corpus has no model {name}")
    return model


def write_trace(folder: Path, name: str, trace: Trace) -> Path:
    path = folder / name
    path.write_text(tracefile.dumps(trace), encoding="utf-8")
    return path


_REGISTERED_MODELS = registry.all_models  # kept before any test swaps it


def fixed_registry(models: Callable[[], dict[str, explorer.Model]]) -> Callable[..., Registry]:
    """A stand-in for ``registry.registry`` that knows exactly ``models()``."""
    return lambda references=(): Registry.of(models())


def run_module(*argv: str | Path) -> Ran:
    """Run ``python -m explorer`` in a child process (slow: use sparingly).

    The child sees every installed model package; if one of them fails to import, no command
    that needs a model can work, and the test is skipped naming the broken package.
    """
    try:
        _REGISTERED_MODELS()
    except Exception as exc:
        pytest.skip(f"the registered models do not load ({type(exc).__name__}: {exc})")
    done = subprocess.run([sys.executable, "-m", "explorer", *map(str, argv)],
                          capture_output=True, text=True, timeout=120, check=False)
    return Ran(done.returncode, done.stdout, done.stderr)


# ----- a model that breaks the determinism rule on purpose, registered only by tests ------


@attrs.define
class Drifting:
    run: int
    shape: bool


async def drifting_worker(world: Drifting, name: str) -> None:
    await explorer.point("step", f"{name} in run {world.run}")
    if world.shape and world.run % 3 == 2:
        await explorer.point("extra", "only in every third run")
    await explorer.point("step", "done")


async def drifting_main(world: Drifting) -> None:
    first = explorer.spawn(drifting_worker, world, "a", name="w/a")
    second = explorer.spawn(drifting_worker, world, "b", name="w/b")
    await first.join()
    await second.join()


def drifting_model() -> explorer.Model:
    runs = itertools.count()

    def build(variant: str, scenario: Any) -> Drifting:
        return Drifting(next(runs), shape=variant == "shape")

    variants = (("detail", "a detail changes"), ("shape", "every third run takes more points"))
    return explorer.Model("test.drifting", "Hidden state changes every run.", variants, build,
                          drifting_main)
