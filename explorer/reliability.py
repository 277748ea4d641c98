"""How reliably the searches find their races, and the example reports, regenerated on demand.

Invariant: every figure here comes from running the searches themselves (database off, one
seed per run); nothing is typed in by hand. Wall-clock time is measured here, around whole
searches, and never enters a trace.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

import attrs
import hypothesis

from explorer.report.save import save_finding
from explorer.search import Exploration
from explorer.searching import CONFIG, RaceFound, SearchSpec

BEGIN = "<!-- reliability table: begin (python -m explorer reliability --write) -->"
END = "<!-- reliability table: end -->"


@attrs.frozen
class Trial:
    """One search with one seed: what it found, after how many examples, how long it took."""

    seed: int
    key: str | None
    examples_to_first: int | None
    seconds_to_first: float | None
    seconds: float
    final_steps: int | None
    final_preemptions: int | None


def known_specs() -> list[SearchSpec]:
    """Every search with a known race, Android and iOS (imported late: it loads the models)."""
    from explorer.searches.ipc import specs

    return [s for s in specs("android") + specs("ios") if s.expect]


def run_trial(spec: SearchSpec, seed: int) -> Trial:
    """One search, seeded, without the example database, timed as a whole."""
    CONFIG.seed, CONFIG.reports = seed, None
    started = time.perf_counter()
    with _no_database():
        try:
            spec.run()
        except RaceFound as race:
            return _found_trial(seed, race, started)
    return Trial(seed, None, None, None, time.perf_counter() - started, None, None)


def _found_trial(seed: int, race: RaceFound, started: float) -> Trial:
    finding = race.finding
    exploration: Exploration = CONFIG.explorations[-1]
    elapsed = time.perf_counter() - started
    first = exploration.seconds_to_first
    stats = finding.stats
    return Trial(seed, finding.key, stats.examples_to_first_failure, first, elapsed,
                 stats.final_steps, stats.final_preemptions)


class _no_database:  # a context manager, named like the ones in contextlib
    def __enter__(self) -> None:
        self._saved = hypothesis.settings()
        hypothesis.settings.register_profile("reliability", parent=self._saved, database=None)
        hypothesis.settings.load_profile("reliability")

    def __exit__(self, *exc: object) -> None:
        hypothesis.settings.register_profile("reliability-restore", parent=self._saved)
        hypothesis.settings.load_profile("reliability-restore")


def table(rows: Sequence[tuple[SearchSpec, list[Trial]]]) -> str:
    """The Markdown table: one row per known race, medians over the seeds."""
    lines = [
        "| search | found | examples to first failure (median, max) | seconds to first "
        "failure (median) | shrink seconds (median) | shrunk steps / preemptions (median) |",
        "|---|---|---|---|---|---|",
    ]
    for spec, trials in rows:
        found = [t for t in trials if t.key in spec.expect]
        lines.append(_row(spec.name, len(found), len(trials), found))
    return "\n".join(lines)


def _row(name: str, found: int, runs: int, trials: list[Trial]) -> str:
    if not trials:
        return f"| `{name}` | {found}/{runs} | - | - | - | - |"
    examples = [t.examples_to_first or 0 for t in trials]
    to_first = [t.seconds_to_first or 0.0 for t in trials]
    shrink = [t.seconds - (t.seconds_to_first or 0.0) for t in trials]
    steps = statistics.median(t.final_steps or 0 for t in trials)
    switches = statistics.median(t.final_preemptions or 0 for t in trials)
    return (f"| `{name}` | {found}/{runs} | {statistics.median(examples):g}, {max(examples)} | "
            f"{statistics.median(to_first):.2f} | {statistics.median(shrink):.2f} | "
            f"{steps:g} / {switches:g} |")


def write_section(readme: Path, text: str) -> None:
    """Replace the text between the markers in ``readme`` (appending them if absent)."""
    content = readme.read_text(encoding="utf-8") if readme.exists() else ""
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in content and END in content:
        head, rest = content.split(BEGIN, 1)
        content = head + block + rest.split(END, 1)[1]
    else:
        content = content.rstrip("\n") + "\n\n" + block + "\n"
    readme.write_text(content, encoding="utf-8")


def update_rows(readme: Path, text: str) -> None:
    """Replace (or add) only the rows of the searches in ``text``, keeping the others."""
    content = readme.read_text(encoding="utf-8")
    if BEGIN not in content:
        write_section(readme, text)
        return
    old = content.split(BEGIN, 1)[1].split(END, 1)[0].strip().splitlines()
    fresh = {line.split("|")[1]: line for line in text.splitlines()[2:]}
    kept = [fresh.pop(line.split("|")[1], line) for line in old]
    write_section(readme, "\n".join(kept + list(fresh.values())))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seeds", type=int, default=10, help="runs per race (default 10)")
    parser.add_argument("--only", default=None, help="only searches whose name contains this")
    parser.add_argument("--write", type=Path, default=None, metavar="README",
                        help="replace the table in this file (e.g. reports/README.md); with "
                             "--only, replace or add only those rows")


def main(args: argparse.Namespace) -> int:
    import explorer.plugin  # noqa: F401  (registers the profiles)

    hypothesis.settings.load_profile("dev")  # the budget `pytest explorer` runs with
    specs = [s for s in known_specs() if args.only is None or args.only in s.name]
    rows = []
    for spec in specs:
        trials = [run_trial(spec, seed) for seed in range(args.seeds)]
        rows.append((spec, trials))
        print(_row(spec.name, sum(t.key in spec.expect for t in trials), len(trials),
                   [t for t in trials if t.key in spec.expect]), flush=True)
    text = table(rows)
    if args.write is not None and args.only is not None:
        update_rows(args.write, text)
    elif args.write is not None:
        write_section(args.write, text)
    else:
        print(text)
    return 0


def regenerate_examples(directory: Path) -> list[Path]:
    """One report per known race into ``directory`` (emptied first): the first of seeds 0, 1, …
    whose search finds it, without the example database."""
    import explorer.plugin  # noqa: F401  (registers the profiles)

    hypothesis.settings.load_profile("dev")
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    written = []
    for spec in known_specs():
        for seed in range(EXAMPLE_SEEDS):
            CONFIG.seed, CONFIG.reports = seed, None
            with _no_database():
                try:
                    spec.run()
                except RaceFound as race:
                    stats = race.finding.stats
                    _, md = save_finding(directory, spec.name, race.finding.trace, stats,
                                         model=spec.model)
                    written.append(md)
                    break
    return written


#: Seeds tried, in order, for each example: a race found in 6 of 10 seeds needs a few.
EXAMPLE_SEEDS = 5
