"""A search's result is a pure function of its seed and settings: alone, after other
searches, or with more modules imported (Hypothesis's pool of constants collected from loaded
modules cannot reach the project's schedule strategies)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.exploration import Exploration, SearchSettings, explore
from models.ipc.searches import search
from models.litmus import lock_order, lost_update


def _constants(first: int) -> str:
    return "\n".join(f"C{i} = {i}" for i in range(first, first + 300)) + "\n"


def _import_module_full_of_constants(folder: Path, name: str, first: int) -> None:
    path = folder / f"{name}.py"
    path.write_text(_constants(first), encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    module.__file__ = str(path)
    sys.modules[name] = module
    spec.loader.exec_module(module)


def _flagship() -> Exploration:
    spec = search("pr_v2", "dropped_send")
    return explore(spec.model, spec.variant, name=spec.name, scenarios=spec.scenarios,
                   schedules=spec.schedules,
                   settings=SearchSettings(max_examples=40, seed=11, shrink_runs=20))


def _summary(e: Exploration) -> tuple[object, ...]:
    return (e.keys, e.examples, e.steps, tuple(f.trace for f in e.findings))


def test_a_seeded_search_finds_the_same_alone_after_others_and_with_more_imports(
        tmp_path: Path) -> None:
    alone = _summary(_flagship())
    explore(lost_update.MODEL, "three", settings=SearchSettings(max_examples=50, seed=3))
    explore(lock_order.MODEL, "opposite", settings=SearchSettings(max_examples=50, seed=5))
    after_others = _summary(_flagship())
    _import_module_full_of_constants(tmp_path, "race_explorer_constants_galore", 2)
    with_imports = _summary(_flagship())
    assert alone == after_others == with_imports


def test_plain_integer_draws_do_change_with_imports(tmp_path: Path) -> None:
    """The control: the effect the strategies are immune to is real."""
    def draws() -> list[int]:
        seen: list[int] = []

        @settings(max_examples=300, database=None, derandomize=True)
        @given(st.integers(1_000_000, 1_000_400))
        def record(value: int) -> None:
            seen.append(value)

        record()
        return seen

    before = draws()
    _import_module_full_of_constants(tmp_path, "race_explorer_more_constants", 1_000_000)
    assert draws() != before
