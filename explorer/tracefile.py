"""Trace files: a trace, and optionally the search that found it, as versioned JSON.

Invariant: ``loads(dumps(trace)) == trace`` for every trace whose scenario is JSON data, and
loading either returns fully checked records or raises ``TraceFormatError`` with one line that
names the field, what was expected and what arrived. A trace file is data: reading one never
imports code.
"""

from __future__ import annotations

import json
import math
import os
import platform
import re
import stat
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any, NoReturn

import attrs

from explorer.errors import TraceFormatError, UserError
from explorer.records import (
    TRACE_SCHEMA,
    BlockedTask,
    Decision,
    Outcome,
    OutcomeKind,
    SearchStats,
    Settings,
    Step,
    Trace,
)

_TOOLS = ("race-explorer", "trio", "hypothesis")
_TOP_REQUIRED = ("schema", "model", "variant", "scenario", "settings", "invariants", "choices",
                 "steps", "outcome")
_TOP_OPTIONAL = ("search", "versions")
_STEP_FIELDS = ("index", "tid", "task", "label", "detail", "time", "decision", "touches")
_DECISION_FIELDS = ("index", "chosen", "count", "default", "continuing", "current")
_SETTINGS_FIELDS = tuple(f.name for f in attrs.fields(Settings))
_OUTCOME_FIELDS = ("kind", "message", "invariant", "step", "blocked", "traceback")
_STATS_FIELDS = tuple(f.name for f in attrs.fields(SearchStats))
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
#: Bounds on what a trace may declare: a task id or option count beyond them is not a run
#: this engine could have made (and would make a replay build lists that large).
MAX_TASKS = 1_000_000
MAX_OPTIONS = MAX_TASKS + 1
#: A trace file larger than this is refused before it is read (the largest real ones are a few
#: megabytes).
MAX_FILE_BYTES = 64 * 2**20
#: Numbers in a scenario must be finite and at most this large in magnitude.
MAX_SCENARIO_NUMBER = 2**63
#: A replay's step bound and watchdog as a trace may declare them.
MAX_STEPS = 10_000_000
MAX_WATCHDOG_SECONDS = 24 * 3600.0


@attrs.frozen
class TraceDocument:
    """What a trace file holds: the trace, the search that found it, the tools that wrote it."""

    trace: Trace
    stats: SearchStats | None = None
    versions: tuple[tuple[str, str], ...] = ()


def tool_versions() -> tuple[tuple[str, str], ...]:
    """The versions of race-explorer, Trio, Hypothesis and Python running now."""
    found = []
    for name in _TOOLS:
        try:
            found.append((name, metadata.version(name)))
        except metadata.PackageNotFoundError:
            found.append((name, "unknown"))
    return (*found, ("python", platform.python_version()))


# ----- writing ---------------------------------------------------------------------------


def dumps(trace: Trace, *, stats: SearchStats | None = None,
          versions: Iterable[tuple[str, str]] | None = None) -> str:
    """The trace file's text: one top-level field per line and one step per line.

    Tuples in the scenario are written as JSON lists. Raises ``ValueError`` when the scenario
    is not JSON data (a set, an object, NaN).
    """
    _check_json(trace.scenario, "scenario")
    fields: dict[str, Any] = {
        "schema": trace.schema,
        "model": trace.model,
        "variant": trace.variant,
        "scenario": trace.scenario,
        "settings": attrs.asdict(trace.settings),
        "invariants": list(trace.invariants),
        "choices": list(trace.choices),
    }
    lines = [f"  {json.dumps(k)}: {_compact(v, k)}," for k, v in fields.items()]
    lines.append('  "steps": [')
    lines.append(",\n".join(f"    {_compact(_step_json(s), 'steps')}" for s in trace.steps))
    lines.append("  ],")
    tail: dict[str, Any] = {"outcome": attrs.asdict(trace.outcome, value_serializer=_plain)}
    if stats is not None:
        tail["search"] = attrs.asdict(stats)
    tail["versions"] = dict(tool_versions() if versions is None else versions)
    lines.append(",\n".join(f"  {json.dumps(k)}: {_compact(v, k)}" for k, v in tail.items()))
    text = "{\n" + "\n".join(line for line in lines if line) + "\n}\n"
    # json leaves lone surrogates raw with ensure_ascii=False; escape them so the file is UTF-8.
    # (A high surrogate right before a low one reads back as the one character they encode.)
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _check_json(value: Any, path: str) -> None:
    """Refuse what JSON would change or cannot hold, so that the scenario reads back equal."""
    problem = None
    if isinstance(value, float) and not math.isfinite(value):
        problem = f"{value} is not a finite number"
    elif isinstance(value, int | float) and abs(value) > MAX_SCENARIO_NUMBER:
        problem = "a number of magnitude above 2**63 would not be read back"
    elif isinstance(value, list | tuple):
        for k, item in enumerate(value):
            _check_json(item, f"{path}[{k}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                problem = f"its key {key!r} is not a string"
                break
            _check_json(item, f"{path}.{key}")
    elif not (value is None or isinstance(value, str | int | float)):
        problem = f"{type(value).__name__} {value!r:.40} is not JSON data"
    if problem is not None:
        raise ValueError(f"trace field {path} cannot be written: {problem}")


def _compact(value: Any, field: str) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"trace field {field} is not JSON data: {exc}") from exc


def _plain(_inst: Any, _field: Any, value: Any) -> Any:
    return value.value if isinstance(value, OutcomeKind) else value


def _step_json(step: Step) -> dict[str, Any]:
    decision = step.decision
    return {
        "index": step.index, "tid": step.tid, "task": step.task, "label": step.label,
        "detail": step.detail, "time": step.time,
        "decision": None if decision is None else attrs.asdict(decision),
        "touches": None if step.touches is None else list(step.touches),
    }


# ----- reading ---------------------------------------------------------------------------


def read(path: str | Path) -> TraceDocument:
    """Load and check the trace file at ``path``; any problem is a ``UserError``."""
    try:
        data = _read_regular(Path(path))
    except FileNotFoundError:
        raise UserError(f"{path}: no such trace file") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read the trace file: {exc.strerror or exc}") from None
    return loads_document(data, origin=str(path))


def _read_regular(path: Path) -> bytes:
    """The bytes of a regular file of at most ``MAX_FILE_BYTES``; a FIFO, device or directory
    is refused without blocking on it."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise UserError(f"{path}: not a trace file: not a regular file "
                            f"({_file_kind(info.st_mode)})")
        if info.st_size > MAX_FILE_BYTES:
            raise UserError(f"{path}: not a trace file: {info.st_size} bytes, more than the "
                            f"limit of {MAX_FILE_BYTES}")
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:  # it grew while being read
        raise UserError(f"{path}: not a trace file: more than {MAX_FILE_BYTES} bytes")
    return data


def _file_kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
             (stat.S_ISSOCK, "a socket"))
    return next((name for test, name in kinds if test(mode)), "a special file")


def loads(data: str | bytes, *, origin: str = "trace") -> Trace:
    """The trace in a trace file's text (see :func:`loads_document`)."""
    return loads_document(data, origin=origin).trace


def loads_document(data: str | bytes, *, origin: str = "trace") -> TraceDocument:
    """Parse and check a trace file; raises ``TraceFormatError`` naming the first bad field."""
    reader = _Reader(origin)
    top = reader.fields(_parse_json(data, origin), "the file", _TOP_REQUIRED, _TOP_OPTIONAL)
    reader.schema(top["schema"])
    steps = reader.steps(reader.as_list(top["steps"], "steps"))
    trace = Trace(
        model=reader.name(top["model"], "model"),
        variant=reader.name(top["variant"], "variant"),
        scenario=reader.scenario(top["scenario"]),
        choices=reader.choices(top["choices"], steps),
        steps=steps,
        outcome=reader.outcome(top["outcome"], len(steps)),
        settings=reader.settings(top["settings"]),
        invariants=reader.invariants(top["invariants"]),
    )
    stats = None if top.get("search") is None else reader.stats(top["search"])
    versions = reader.versions(top.get("versions", {}))
    return TraceDocument(trace, stats, versions)


def _parse_json(data: str | bytes, origin: str) -> Any:
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TraceFormatError(
                f"{origin}: not a trace file: not UTF-8 text (byte 0x{data[exc.start]:02x} "
                f"at offset {exc.start})") from None
    if not data.strip():
        raise TraceFormatError(f"{origin}: not a trace file: it is empty")
    try:
        return json.loads(data, parse_constant=_no_constant, parse_float=_finite_float,
                          object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        # An unterminated string always runs to the end of the text: the file was cut off.
        if exc.pos >= len(data.rstrip()) or exc.msg.startswith("Unterminated string"):
            raise TraceFormatError(f"{origin}: not a trace file: the JSON ends early "
                                   f"(truncated file?): {exc.msg}") from None
        raise TraceFormatError(f"{origin}: not a trace file: malformed JSON at line "
                               f"{exc.lineno} column {exc.colno}: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:
        raise TraceFormatError(f"{origin}: not a trace file: {_one_line(exc)}") from None


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} is out of range")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"field {key[:40]!r} appears twice in one object")
        result[key] = value
    return result


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())[:200]


def _describe(value: Any) -> str:
    """A short one-line description of a JSON value for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, str):
        shown = repr(value) if len(value) <= 40 else repr(value[:40])[:-1] + "…'"
        return f"{shown} (a string)"
    if isinstance(value, int | float):
        return f"{str(value)[:40]} (a number)"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    if isinstance(value, dict):
        return f"an object with {len(value)} fields"
    return type(value).__name__


class _Reader:
    """Checks decoded JSON field by field; every failure names the field by its path."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, path: str, expected: str, got: Any) -> NoReturn:
        raise TraceFormatError(f"{self.origin}: {path}: expected {expected}, got {_describe(got)}")

    def fields(self, value: Any, path: str, required: Iterable[str],
               optional: Iterable[str] = ()) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, "an object", value)
        required = tuple(required)
        known = (*required, *optional)
        for key in value:
            if key not in known:
                where = "the file" if path == "the file" else path
                raise TraceFormatError(f"{self.origin}: {where}: unexpected field {key[:40]!r} "
                                       f"(known: {', '.join(known)})")
        for key in required:
            if key not in value:
                raise TraceFormatError(f"{self.origin}: {path}: missing field {key!r}")
        return value

    def schema(self, value: Any) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail("schema", f"the schema version {TRACE_SCHEMA}", value)
        if value != TRACE_SCHEMA:
            raise TraceFormatError(
                f"{self.origin}: schema: trace schema version {value} is not supported "
                f"(this race-explorer reads version {TRACE_SCHEMA})")

    def as_list(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            self.fail(path, "a list", value)
        return value

    def as_str(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            self.fail(path, "a string", value)
        return value

    def name(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value:
            self.fail(path, "a non-empty string", value)
        return value

    def optional_str(self, value: Any, path: str) -> str | None:
        return None if value is None else self.as_str(value, path)

    def as_int(self, value: Any, path: str, low: int, high: int | None = None,
            expected: str = "") -> int:
        in_range = (isinstance(value, int) and not isinstance(value, bool) and value >= low
                    and (high is None or value <= high))
        if not in_range:
            bound = f"at least {low}" if high is None else f"from {low} to {high}"
            self.fail(path, expected or f"an integer {bound}", value)
        return int(value)

    def time(self, value: Any, path: str, earliest: float) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or value < earliest:
            self.fail(path, f"a virtual time in seconds, at least {earliest}", value)
        return float(value)

    def steps(self, items: list[Any]) -> tuple[Step, ...]:
        names: dict[int, str] = {}
        steps: list[Step] = []
        for i, item in enumerate(items):
            path = f"steps[{i}]"
            raw = self.fields(item, path, _STEP_FIELDS)
            self.as_int(raw["index"], f"{path}.index", i, i, f"{i} (steps are numbered in order)")
            tid = self.as_int(raw["tid"], f"{path}.tid", -1, MAX_TASKS)
            task = self.as_str(raw["task"], f"{path}.task")
            if names.setdefault(tid, task) != task:
                self.fail(f"{path}.task", f"{names[tid]!r} (the name task {tid} had before)", task)
            earlier = steps[-1].time if steps else 0.0
            steps.append(Step(
                i, tid, task, self.as_str(raw["label"], f"{path}.label"),
                self.as_str(raw["detail"], f"{path}.detail"),
                self.time(raw["time"], f"{path}.time", earlier),
                None if raw["decision"] is None else self.decision(raw["decision"], path),
                self.touches(raw["touches"], f"{path}.touches"),
            ))
        return tuple(steps)

    def touches(self, value: Any, path: str) -> tuple[str, ...] | None:
        if value is None:
            return None
        items = self.as_list(value, path)
        return tuple(self.as_str(v, f"{path}[{k}]") for k, v in enumerate(items))

    def decision(self, value: Any, step_path: str) -> Decision:
        path = f"{step_path}.decision"
        raw = self.fields(value, path, _DECISION_FIELDS)
        count = self.as_int(raw["count"], f"{path}.count", 2, MAX_OPTIONS,
                            f"the number of options offered (2 to {MAX_OPTIONS})")
        index = self.as_int(raw["index"], f"{path}.index", 0, count - 1,
                            f"an index into its {count} options (0 to {count - 1})")
        chosen = self.as_int(raw["chosen"], f"{path}.chosen", -1, MAX_TASKS)
        default = self.as_int(raw["default"], f"{path}.default", -1, MAX_TASKS)
        if not isinstance(raw["continuing"], bool):
            self.fail(f"{path}.continuing", "true or false", raw["continuing"])
        if index == 0 and chosen != default:
            self.fail(f"{path}.chosen", f"{default} (option 0 is the default)", raw["chosen"])
        current = self.as_int(raw["current"], f"{path}.current", -2, MAX_TASKS)
        return Decision(index, chosen, count, default, raw["continuing"], current)

    def scenario(self, value: Any, path: str = "scenario") -> Any:
        """Scenario data as it came, once every number in it is finite and bounded."""
        pending = [(value, path)]
        while pending:
            item, where = pending.pop()
            if isinstance(item, bool) or item is None or isinstance(item, str):
                continue
            if isinstance(item, int | float):
                finite = isinstance(item, int) or math.isfinite(item)
                if not (finite and abs(item) <= MAX_SCENARIO_NUMBER):
                    self.fail(where, "a finite number of magnitude at most 2**63", item)
            elif isinstance(item, list):
                pending.extend((v, f"{where}[{k}]") for k, v in enumerate(item))
            elif isinstance(item, dict):
                pending.extend((v, f"{where}.{k}") for k, v in item.items())
        return value

    def settings(self, value: Any) -> Settings:
        raw = self.fields(value, "settings", (), _SETTINGS_FIELDS)
        if "max_steps" in raw:
            self.as_int(raw["max_steps"], "settings.max_steps", 1, MAX_STEPS)
        seconds = raw.get("watchdog_seconds", 1.0)
        if isinstance(seconds, bool) or not isinstance(seconds, int | float) or not (
                0 < seconds <= MAX_WATCHDOG_SECONDS):
            self.fail("settings.watchdog_seconds",
                      f"a positive number of seconds, at most {MAX_WATCHDOG_SECONDS:g}", seconds)
        try:
            return Settings(**raw)
        except (TypeError, ValueError) as exc:
            raise TraceFormatError(f"{self.origin}: settings: {_one_line(exc)}") from None

    def invariants(self, value: Any) -> tuple[str, ...]:
        items = self.as_list(value, "invariants")
        return tuple(self.name(v, f"invariants[{k}]") for k, v in enumerate(items))

    def choices(self, value: Any, steps: tuple[Step, ...]) -> tuple[int, ...]:
        items = self.as_list(value, "choices")
        taken = [(s.index, s.decision.index) for s in steps if s.decision is not None]
        if len(items) != len(taken):
            self.fail("choices", f"{len(taken)} entries (one per step with a decision)", items)
        for k, (item, (step, index)) in enumerate(zip(items, taken, strict=True)):
            expected = f"{index} (the index taken at step {step})"
            self.as_int(item, f"choices[{k}]", index, index, expected)
        return tuple(index for _, index in taken)

    def outcome(self, value: Any, n_steps: int) -> Outcome:
        raw = self.fields(value, "outcome", _OUTCOME_FIELDS)
        kinds = [k.value for k in OutcomeKind]
        if raw["kind"] not in kinds:
            self.fail("outcome.kind", f"one of {', '.join(kinds)}", raw["kind"])
        kind = OutcomeKind(raw["kind"])
        invariant = self.optional_str(raw["invariant"], "outcome.invariant")
        if kind is OutcomeKind.VIOLATION and not invariant:
            self.fail("outcome.invariant", "the violated invariant's name", raw["invariant"])
        blocked = self.as_list(raw["blocked"], "outcome.blocked")
        return Outcome(
            kind=kind,
            message=self.as_str(raw["message"], "outcome.message"),
            invariant=invariant,
            step=self.as_int(raw["step"], "outcome.step", 0, n_steps),
            blocked=tuple(self.blocked(b, f"outcome.blocked[{k}]") for k, b in enumerate(blocked)),
            traceback=self.optional_str(raw["traceback"], "outcome.traceback"),
        )

    def blocked(self, value: Any, path: str) -> BlockedTask:
        raw = self.fields(value, path, ("task", "waits_on"))
        return BlockedTask(self.as_str(raw["task"], f"{path}.task"),
                           self.as_str(raw["waits_on"], f"{path}.waits_on"))

    def stats(self, value: Any) -> SearchStats:
        raw = self.fields(value, "search", _STATS_FIELDS)
        counts = {k: self.as_int(raw[k], f"search.{k}", 0) for k in _STATS_FIELDS
                  if k not in ("search", "examples_to_first_failure")}
        first = raw["examples_to_first_failure"]
        return SearchStats(
            search=self.name(raw["search"], "search.search"),
            examples_to_first_failure=None if first is None
            else self.as_int(first, "search.examples_to_first_failure", 0),
            **counts,
        )

    def versions(self, value: Any) -> tuple[tuple[str, str], ...]:
        if not isinstance(value, dict):
            self.fail("versions", "an object of tool names and versions", value)
        return tuple((k, self.as_str(v, f"versions.{k[:40]}")) for k, v in value.items())
