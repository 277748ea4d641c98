"""``report``, ``list`` and ``bench``: re-rendering a trace, describing models, delegating."""

from __future__ import annotations

import argparse
import sys
import types
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_support import Ran, fixed_registry, litmus_models, run_module

import explorer
from explorer import registry, tracefile
from explorer.report.markdown import SECTIONS

RunCli = Callable[..., Ran]


def test_report_renders_markdown_with_the_invariant_and_replay_path(run_cli: RunCli,
                                                                    finding: Path) -> None:
    ran = run_cli("report", finding)
    assert ran.status == 0
    for section in SECTIONS:
        assert f"\n#### {section}\n" in ran.out
    assert "Every increment is visible in the counter" in ran.out  # the invariant's doc
    assert f"python -m explorer replay {finding}" in ran.out
    assert "```mermaid\nsequenceDiagram\n" in ran.out


def test_report_as_json_is_the_same_document(run_cli: RunCli, finding: Path) -> None:
    ran = run_cli("report", finding, "--format", "json")
    assert ran.status == 0
    assert tracefile.loads_document(ran.out) == tracefile.read(finding)


def test_list_names_every_model_variant_and_invariant_with_its_description(
        run_cli: RunCli) -> None:
    ran = run_cli("list")
    assert ran.status == 0
    lines = ran.out.splitlines()
    for model in litmus_models().values():
        assert f"{model.name} — {model.doc}" in lines
        for name, doc in model.variants:
            assert f"  variant {name} — {doc}" in lines
        for inv in model.invariants:
            assert f"  invariant {inv.name} (checked at {inv.at}) — {inv.doc}" in lines


def test_list_shows_docstring_markup_as_plain_text(run_cli: RunCli,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Invariant docs quote code as reST (````close()````); a terminal shows it bare."""

    @explorer.invariant(at="quiescence")
    def closed_once(world: object) -> str | None:
        """``close()`` runs once; a second :func:`close` means ``close()`` raced itself."""
        return None

    model = explorer.Model("marked", "A ``Lock`` model.", (("only", "``one`` variant"),),
                           lambda variant, scenario: None, _idle, (closed_once,))
    monkeypatch.setattr(registry, "registry", fixed_registry(lambda: {model.name: model}))
    lines = run_cli("list").out.splitlines()
    assert lines == [
        "marked — A Lock model.",
        "  variant only — one variant",
        "  invariant closed_once (checked at quiescence) — close() runs once; a second close "
        "means close() raced itself.",
    ]


async def _idle(world: object) -> None:
    await explorer.point("idle")


def test_list_says_when_nothing_is_registered(run_cli: RunCli,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from explorer import registry

    monkeypatch.setattr(registry, "registry", fixed_registry(dict))
    ran = run_cli("list")
    assert ran.status == 0
    assert ran.out.strip().startswith("no models known")


def test_bench_is_delegated_with_its_own_options(run_cli: RunCli,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[argparse.Namespace] = []
    bench = types.ModuleType("explorer.bench")

    def add_arguments(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--json", action="store_true")

    def main(args: argparse.Namespace) -> int:
        seen.append(args)
        return 0

    bench.add_arguments = add_arguments  # type: ignore[attr-defined]
    bench.main = main  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "explorer.bench", bench)
    assert run_cli("bench", "--json").status == 0
    assert seen == [argparse.Namespace(json=True)]
    ran = run_cli("bench", "--frobnicate")
    assert ran.status == 2 and len(ran.err.splitlines()) == 1


def test_help_exits_0_and_documents_the_exit_codes(run_cli: RunCli) -> None:
    ran = run_cli("replay", "--help")
    assert ran.status == 0
    for code in ("0 ", "1 ", "2 ", "3 ", "70 "):
        assert f"\n  {code}" in ran.out


def test_python_m_explorer_lists_the_registered_models() -> None:
    ran = run_module("list")
    assert ran.status == 0, ran.err
    assert "litmus.lost-update — " in ran.out
