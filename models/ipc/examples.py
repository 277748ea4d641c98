"""One example report per known race of every IPC variant (``python -m models.ipc.examples``).

Invariant: each example is the shrunk finding of a real search, found by the first seed
(0, 1, ...) of the first search that must find it (else that may), with no example database;
the folder (or, with ``--variant``, that variant's reports in it) is emptied first, so it holds
exactly one report per (variant, known race).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from explorer import Finding, Search
from explorer.report.save import save_finding
from explorer.search_options import SearchOptions
from models.ipc.searches import VARIANTS

#: Seeds tried, in order, for each race.
SEEDS = 8


def example_name(variant: str, key: str) -> str:
    """``pr_v1-no_fd_leak`` for ``violation:no_fd_leak`` on ``pr_v1``."""
    return f"{variant}-{key.partition(':')[2] or key}"


def _searches_for(key: str, variant: str, specs: Sequence[Search]) -> list[Search]:
    mine = [s for s in specs if s.variant == variant]
    return [s for s in mine if key in s.expect] + [s for s in mine if key in s.allow]


class Finder:
    """Runs each (search, seed) once per race it is asked for, shrinking only that race, and
    remembers which races each run found, so a run that cannot find a race is not repeated."""

    def __init__(self) -> None:
        self._found: dict[tuple[str, int], frozenset[str]] = {}

    def finding(self, spec: Search, seed: int, key: str) -> Finding | None:
        run = (spec.name, seed)
        if run in self._found and key not in self._found[run]:
            return None
        exploration = spec.explore(SearchOptions(seed=seed), shrink=lambda k: k == key)
        self._found[run] = frozenset(exploration.keys) | frozenset(exploration.unshrunk)
        return next((f for f in exploration.findings if f.key == key), None)

    def example(self, key: str, variant: str, specs: Sequence[Search]) -> Finding | None:
        for seed in range(SEEDS):
            for spec in _searches_for(key, variant, specs):
                found = self.finding(spec, seed, key)
                if found is not None:
                    return found
        return None


def regenerate(directory: Path, variants: Sequence[str] = ()) -> tuple[list[Path], list[str]]:
    """Write every example (of ``variants``, default all) into ``directory``; return the
    reports and the races not found."""
    from models.ipc import MODEL
    from models.ipc.searches import EARLY_ONLY, KNOWN, searches

    specs = searches("android") + searches("ios")
    if directory.exists() and not variants:
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for variant in variants:
        for old in directory.glob(f"{variant}-*"):
            old.unlink()
    written, missing = [], []
    finder = Finder()
    for variant, known in KNOWN.items():
        if variants and variant not in variants:
            continue
        # the fix's allowed findings (early timers only) get reports too: a reviewer reads why
        keys = [*known, *(EARLY_ONLY if variant == "proposed" else ())]
        for key in keys:
            finding = finder.example(key, variant, specs)
            if finding is None:
                missing.append(f"{variant} {key}")
                continue
            _, md = save_finding(directory, example_name(variant, key), finding.trace,
                                 finding.stats, model=MODEL)
            written.append(md)
            print(md, flush=True)
    return written, missing


#: The example the README shows (the connect-race fd leak of the PR's first version).
README_EXAMPLE = ("pr_v1", "violation:no_fd_leak")


def refresh_readme(readme: Path, directory: Path) -> None:
    """Put the top of the README's example report (everything before the finding's facts)
    between its markers, and point its link at the current file."""
    stem = example_name(*README_EXAMPLE)
    report = sorted(directory.glob(f"{stem}-*.md"))[0]
    name = f"{directory.as_posix()}/{report.name}"
    top = report.read_text(encoding="utf-8").split("\n#### Finding\n", 1)[0].rstrip()
    text = readme.read_text(encoding="utf-8")
    head, rest = text.split("<!-- example report: reports/examples/", 1)
    old = rest.split(" ", 1)[0]
    body = rest.split("\n<!-- example report: end -->", 1)[1]
    head = head.replace(f"({directory.as_posix()}/{old})", f"({name})").replace(
        f"[{old}]", f"[{report.name}]")
    readme.write_text(f"{head}<!-- example report: {name} (begin) -->\n{top}"
                      f"\n<!-- example report: end -->{body}", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.ipc.examples",
                                     description="Regenerate one report per known IPC race.")
    parser.add_argument("directory", nargs="?", default="reports/examples", type=Path)
    parser.add_argument("--variant", action="append", default=[], choices=VARIANTS,
                        help="regenerate only this variant's examples (repeatable)")
    args = parser.parse_args(argv)
    _, missing = regenerate(args.directory, args.variant)
    if Path("README.md").is_file():
        refresh_readme(Path("README.md"), args.directory)
    for race in missing:
        print(f"not found in {SEEDS} seeds: {race}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
