"""Saving a finding: ``<search>-<hash>.json`` (the trace) and ``.md`` (its report), side by side.

Invariant: a file appears whole or not at all (written to a temporary file in the same
directory, then ``os.replace``d), and the same run (model, variant, scenario, choices) always
gets the same name, so saving a finding twice overwrites it instead of piling up copies.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

from explorer.model import Model
from explorer.records import SearchStats, Trace
from explorer.registry import replay_option
from explorer.report.markdown import render_markdown
from explorer.tracefile import dumps, tool_versions

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME = 80


def finding_hash(trace: Trace) -> str:
    """A short content hash of what replays the run: model, variant, scenario and choices."""
    key = json.dumps([trace.model, trace.variant, trace.scenario, list(trace.choices)],
                     sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(key.encode("ascii")).hexdigest()[:12]


def file_stem(search_name: str) -> str:
    """``search_name`` made safe as the start of a file name on every platform."""
    stem = _UNSAFE.sub("-", search_name).strip("-.")[:_MAX_NAME].strip("-.")
    return stem or "search"


def save_finding(directory: str | Path, search_name: str, trace: Trace,
                 stats: SearchStats | None = None, *,
                 model: Model | None = None) -> tuple[Path, Path]:
    """Write the trace file and its Markdown report; return ``(json_path, md_path)``.

    ``model``, when given, lends the violated invariant's description to the report.
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    base = f"{file_stem(search_name)}-{finding_hash(trace)}"
    json_path, md_path = folder / f"{base}.json", folder / f"{base}.md"
    versions = tool_versions()
    write_atomically(json_path, dumps(trace, stats=stats, versions=versions))
    report = render_markdown(trace, stats=stats, versions=versions,
                             trace_path=display_path(json_path),
                             invariant_doc=invariant_doc(model, trace),
                             replay_options=replay_option(model))
    write_atomically(md_path, report)
    return json_path, md_path


def invariant_doc(model: Model | None, trace: Trace) -> str | None:
    """What the trace's violated invariant means, from the model that defines it."""
    name = trace.outcome.invariant
    if model is None or name is None:
        return None
    return next((inv.doc for inv in model.invariants if inv.name == name), None)


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when it lies below it (as a reviewer would
    type it from the repository root), else as it is."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) so readers see the old file or the new, never half."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp's 0600 is for secrets; a report is not one
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process's umask (reading it means setting it: it is put back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
