"""A project's race-explorer configuration: ``[tool.race-explorer]`` in its ``pyproject.toml``.

Invariant: the configuration is read from the file each time it is asked for and returned as a
frozen record; nothing here is stored for later. Paths in it are relative to the file's folder.

::

    [tool.race-explorer]
    reports = "reports"                  # where findings are written ("none": nowhere)
    models = ["mypackage.models:MODELS"] # models that `python -m explorer replay|list` knows
    seed = 0                             # every search's seed unless --explorer-seed is given
                                         # (absent: Hypothesis's own randomness and database)
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import attrs

from explorer.errors import UserError

SECTION = "race-explorer"
DEFAULT_REPORTS = "reports"


@attrs.frozen
class ProjectConfig:
    """The settings of one project; ``root`` is the folder of its ``pyproject.toml``."""

    root: Path
    reports: Path | None
    models: tuple[str, ...] = ()
    seed: int | None = None


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` in ``start`` or a folder above it."""
    here = start.resolve()
    for folder in (here, *here.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load(start: Path | None = None, *, root: Path | None = None) -> ProjectConfig:
    """The configuration that applies in ``start`` (default: the working folder), or the one
    of the ``pyproject.toml`` in ``root`` when given (pytest's rootdir)."""
    path = (root / "pyproject.toml") if root is not None else find_pyproject(start or Path.cwd())
    if path is None or not path.is_file():
        base = root or start or Path.cwd()
        return ProjectConfig(base.resolve(), base.resolve() / DEFAULT_REPORTS)
    return _parse(path, _read(path))


def _read(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"{path}: cannot read the project configuration: {exc}") from None
    section = data.get("tool", {}).get(SECTION, {})
    if not isinstance(section, dict):
        raise UserError(f"{path}: [tool.{SECTION}] must be a table")
    return section


def _parse(path: Path, section: dict[str, Any]) -> ProjectConfig:
    unknown = sorted(set(section) - {"reports", "models", "seed"})
    if unknown:
        raise UserError(f"{path}: [tool.{SECTION}] has unknown keys: {', '.join(unknown)} "
                        "(known: reports, models, seed)")
    reports = section.get("reports", DEFAULT_REPORTS)
    if not isinstance(reports, str) or not reports:
        raise UserError(f"{path}: [tool.{SECTION}] reports must be a folder name or \"none\"")
    models = section.get("models", [])
    if not isinstance(models, list) or not all(isinstance(m, str) and ":" in m for m in models):
        raise UserError(f"{path}: [tool.{SECTION}] models must be a list of \"module:NAME\"")
    seed = section.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise UserError(f"{path}: [tool.{SECTION}] seed must be a whole number of 0 or more")
    root = path.parent.resolve()
    return ProjectConfig(root, reports_path(reports, root), tuple(models), seed)


def reports_path(value: str, root: Path) -> Path | None:
    """``value`` ("none", or a folder relative to ``root``) as the folder findings go to."""
    if value.lower() == "none":
        return None
    folder = Path(value)
    return folder if folder.is_absolute() else root / folder
