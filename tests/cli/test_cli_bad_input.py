"""Bad input to the CLI: exit status 2 and one clear line on stderr, never a traceback."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from cli_support import Ran, fixed_registry, run_module, write_trace

import explorer
from explorer import registry
from explorer.sources import PrechosenChoices

RunCli = Callable[..., Ran]
Edit = Callable[[dict[str, Any]], None]


def edited(finding: Path, edit: Edit) -> Path:
    data = json.loads(finding.read_text(encoding="utf-8"))
    edit(data)
    finding.write_text(json.dumps(data), encoding="utf-8")
    return finding


def set_path(path: str, value: Any) -> Edit:
    """An edit that sets ``data[path]``, the path written like ``steps.0.decision.index``."""
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]

    def edit(data: dict[str, Any]) -> None:
        node: Any = data
        for key in parents:
            node = node[key]
        node[last] = value

    return edit


def out_of_range(data: dict[str, Any]) -> None:
    """Decision 0 takes option 7 of 3, and the choices agree, so only the range is wrong."""
    data["steps"][0]["decision"]["index"] = 7
    data["choices"][0] = 7


EDITS: dict[str, tuple[Edit, str]] = {
    "wrong schema version": (set_path("schema", 1), "schema version 1 is not supported"),
    "unknown model": (set_path("model", "no.such-model"), "unknown model 'no.such-model'"),
    "unknown variant in the file": (set_path("variant", "nope"), "has no variant 'nope'"),
    "choice out of range": (out_of_range, "steps[0].decision.index: expected an index into"),
    "missing field": (lambda d: d.pop("steps"), "missing field 'steps'"),
    "wrong type": (set_path("steps.0.time", "soon"), "steps[0].time: expected a virtual time"),
    "choices disagree": (set_path("choices.0", 2), "choices[0]: expected 0"),
}

RAW: dict[str, tuple[bytes, str]] = {
    "malformed JSON": (b'{"schema": 1,, }', "malformed JSON at line 1 column 14"),
    "binary junk": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not UTF-8"),
    "empty file": (b"", "it is empty"),
    "not an object": (b"[1, 2, 3]", "expected an object, got a list of 3"),
}


def assert_one_clear_line(ran: Ran, words: str) -> None:
    assert ran.status == 2
    assert "Traceback" not in ran.err
    lines = ran.err.splitlines()
    assert len(lines) == 1, ran.err
    assert words in lines[0]


@pytest.mark.parametrize("case", EDITS)
def test_a_bad_field_exits_2_naming_it(run_cli: RunCli, finding: Path, case: str) -> None:
    edit, words = EDITS[case]
    assert_one_clear_line(run_cli("replay", edited(finding, edit)), words)


@pytest.mark.parametrize("case", RAW)
def test_a_file_that_is_no_trace_exits_2(run_cli: RunCli, tmp_path: Path, case: str) -> None:
    data, words = RAW[case]
    path = tmp_path / "bad.json"
    path.write_bytes(data)
    assert_one_clear_line(run_cli("replay", path), words)
    assert_one_clear_line(run_cli("report", path), words)


def test_a_truncated_file_exits_2(run_cli: RunCli, finding: Path) -> None:
    text = finding.read_text(encoding="utf-8")
    finding.write_text(text[: len(text) // 2], encoding="utf-8")
    assert_one_clear_line(run_cli("replay", finding), "ends early (truncated file?)")


def test_an_unknown_variant_option_exits_2(run_cli: RunCli, finding: Path) -> None:
    assert_one_clear_line(run_cli("replay", finding, "--variant", "nope"),
                          "has no variant 'nope' (known: two, three, locked)")


@pytest.mark.parametrize(("argv", "words"), [
    (["replay", "missing.json"], "missing.json: no such trace file"),
    (["replay", "."], "cannot read the trace file"),
    (["replay"], "the following arguments are required: PATH"),
    (["replay", "x.json", "--repeat", "0"], "argument --repeat: expected at least 1, got 0"),
    (["replay", "x.json", "--repeat", "many"], "expected a whole number, got 'many'"),
    (["report", "x.json", "--format", "xml"], "invalid choice: 'xml'"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "the following arguments are required: COMMAND"),
])
def test_bad_arguments_exit_2(run_cli: RunCli, argv: list[str], words: str) -> None:
    assert_one_clear_line(run_cli(*argv), words)


def test_a_scenario_the_model_cannot_read_exits_2(run_cli: RunCli, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    def build(variant: str, scenario: Any) -> None:
        if not isinstance(scenario, dict):
            raise ValueError(f"scenario must be an object, got {type(scenario).__name__}")

    async def main(world: None) -> None:
        await explorer.point("work")

    model = explorer.Model("test.picky", "Reads only object scenarios.", (("only", "one"),),
                           build, main)
    monkeypatch.setattr(registry, "registry", fixed_registry(lambda: {model.name: model}))
    trace = explorer.run(model, "only", {}, PrechosenChoices([])).trace()
    path = write_trace(tmp_path, "picky.json", attrs.evolve(trace, scenario=[1, 2]))
    words = "scenario does not fit model test.picky: scenario must be an object, got list"
    assert_one_clear_line(run_cli("replay", path), words)


def test_python_m_explorer_reports_malformed_json_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_bytes(b'{"schema": 1, "model": ')
    assert_one_clear_line(run_module("replay", path), "broken.json: not a trace file")


def test_python_m_explorer_reports_binary_junk_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "junk.json"
    path.write_bytes(bytes(range(255, -1, -1)))
    assert_one_clear_line(run_module("replay", path), "not UTF-8 text (byte 0xff at offset 0)")
