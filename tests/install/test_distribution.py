"""What the distribution declares, checked against the code: every dependency is imported by
the installed package, and only ``explorer`` (with its ``py.typed``) is installed.

(The wheel itself is built and installed in ``test_user_project.py``.)"""

from __future__ import annotations

import re
import tomllib

from scratch_venv import REPO

PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def imported_roots() -> set[str]:
    """Top-level modules that the installed package's code imports."""
    found: set[str] = set()
    pattern = re.compile(r"^\s*(?:from|import)\s+([A-Za-z_]\w*)", re.M)
    for path in sorted((REPO / "explorer").rglob("*.py")):
        if "flagship" in path.parts:
            continue  # the flagship's searches are not installed
        found.update(pattern.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_dependency_is_imported_by_the_installed_package() -> None:
    names = [re.split(r"[<>=!~\[ ;]", d, maxsplit=1)[0].lower()
             for d in PROJECT["project"]["dependencies"]]
    unused = [n for n in names if n.replace("-", "_") not in imported_roots()]
    assert names and not unused


def test_only_the_explorer_package_is_installed_with_its_type_marker() -> None:
    setuptools = PROJECT["tool"]["setuptools"]
    assert setuptools["packages"]["find"]["include"] == ["explorer", "explorer.*"]
    assert "py.typed" in setuptools["package-data"]["explorer"]
    assert (REPO / "explorer" / "py.typed").is_file()
