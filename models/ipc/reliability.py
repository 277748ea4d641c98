"""How reliably each IPC search makes its verdict, measured over seeds, and the tables made
from that measurement (``python -m models.ipc.reliability``).

Invariant: every figure written comes from running the searches themselves through the public
API (one seed per run, no example database); nothing is typed in by hand. Wall-clock time is
measured here, around whole searches, and never enters a trace.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from pathlib import Path

import attrs

from explorer import Exploration, Search
from explorer.search_options import SearchOptions

BEGIN = "<!-- {name}: begin (python -m models.ipc.reliability --write) -->"
END = "<!-- {name}: end -->"


@attrs.frozen
class Trial:
    """One search with one seed: the keys it found and, per key, its figures."""

    seed: int
    keys: tuple[str, ...]
    first: dict[str, int]  # key -> examples to first failure
    steps: dict[str, int]  # key -> shrunk steps
    preemptions: dict[str, int]
    early: dict[str, bool]  # key -> the shrunk finding needs a timer to fire early
    seconds: float
    examples: int


def trial(spec: Search, seed: int, *, examples: int | None = None,
          timers: str | None = None) -> Trial:
    options = SearchOptions(seed=seed, examples=examples, timers=timers)  # type: ignore[arg-type]
    started = time.perf_counter()
    exploration = spec.explore(options, shrink=spec.judged)
    return _trial(seed, exploration, time.perf_counter() - started)


def _trial(seed: int, exploration: Exploration, seconds: float) -> Trial:
    findings = exploration.findings
    return Trial(
        seed, exploration.keys + exploration.unshrunk,
        {f.key: f.stats.examples_to_first_failure or 0 for f in findings},
        {f.key: f.stats.final_steps for f in findings},
        {f.key: f.stats.final_preemptions for f in findings},
        {f.key: bool(f.trace.early_timers) for f in findings},
        seconds, exploration.examples)


@attrs.frozen
class Measurement:
    """One search over seeds: at its budget, under the idle timer policy, and (when it has no
    required race) at ten times its budget."""

    spec: Search
    budget: int
    trials: tuple[Trial, ...]
    idle: tuple[Trial, ...]
    deep: tuple[Trial, ...]
    depth: int = 10  # a clean search's deep trials run this many times its budget

    def found(self, key: str, trials: Sequence[Trial] | None = None) -> int:
        return sum(1 for t in (self.trials if trials is None else trials) if key in t.keys)

    @property
    def unexpected(self) -> list[str]:
        seen = {k for t in (*self.trials, *self.deep) for k in t.keys}
        return sorted(seen - self.spec.known)

    @property
    def reliable(self) -> bool:
        """Every required race in every seed, nothing unexpected, clean at 10x when clean."""
        seeds = len(self.trials)
        required = all(self.found(k) == seeds for k in self.spec.expect)
        clean = bool(self.spec.expect) or all(not t.keys for t in self.deep)
        return required and clean and not self.unexpected


def measure(spec: Search, seeds: int, pool: Executor | None = None,
            depth: int = 10) -> Measurement:
    """Every seed at the search's budget; required races also under ``idle``; a clean search
    at ``depth`` times its budget under ``idle`` (its allowed early-timer findings then cannot
    appear, so clean means no finding at all)."""
    budget = SearchOptions().budget(spec.max_examples)
    runs: list[tuple[str, int, int | None, str | None]] = [
        (spec.name, s, None, None) for s in range(seeds)]
    if spec.expect:
        runs += [(spec.name, s, None, "idle") for s in range(seeds)]
    else:
        runs += [(spec.name, s, depth * budget, "idle") for s in range(seeds)]
    mapper = pool.map if pool is not None else map
    results = list(mapper(_trial_by_name, *zip(*runs, strict=True)))
    trials, rest = tuple(results[:seeds]), tuple(results[seeds:])
    return Measurement(spec, budget, trials, rest if spec.expect else (),
                       () if spec.expect else rest, depth)


def _trial_by_name(name: str, seed: int, examples: int | None, timers: str | None) -> Trial:
    """One trial of the flagship search called ``name`` (a worker process rebuilds it)."""
    from models.ipc.searches import searches

    spec = next(s for s in searches("android") + searches("ios") if s.name == name)
    return trial(spec, seed, examples=examples, timers=timers)


def _median(values: Sequence[int]) -> str:
    return f"{statistics.median(values):g}" if values else "-"


def row(m: Measurement) -> str:
    """One line of the detailed table."""
    seeds = len(m.trials)
    name = f"`{m.spec.name}`"
    if not m.spec.expect:
        found = sorted({k for t in (*m.trials, *m.deep) for k in t.keys})
        verdict = ("clean" if not found else "found: " + ", ".join(f"`{k}`" for k in found))
        clean = sum(1 for t in m.deep if not t.keys)
        return (f"| {name} | {verdict} | {m.budget} | clean under idle in {clean}/{seeds} "
                f"seeds at {m.depth * m.budget} examples | - | - | - |")
    cells = []
    for key in m.spec.expect:
        firsts = [t.first[key] for t in m.trials if key in t.keys]
        steps = [t.steps[key] for t in m.trials if key in t.keys]
        early = [t.early[key] for t in m.trials if key in t.keys]
        idle = m.found(key, m.idle)
        cells.append((key, m.found(key), firsts, steps, early, idle))
    return "\n".join(
        f"| {name} | `{key}` | {m.budget} | found in {found}/{seeds} seeds | "
        f"{_median(firsts)} ({max(firsts, default=0)}) | {_median(steps)} | "
        f"{'needs an early timer' if any(early) else 'no'}; idle: {idle}/{seeds} |"
        for key, found, firsts, steps, early, idle in cells)


def detailed_table(measurements: Sequence[Measurement]) -> str:
    head = ("| search | finding | budget | seeds | examples to first failure: median (max) | "
            "shrunk steps (median) | early timer; under idle |\n|---|---|---|---|---|---|---|")
    return "\n".join([head, *(row(m) for m in measurements)])


def matrix(measurements: Sequence[Measurement]) -> str:
    """The README's table: one row per variant, one column per group."""
    from models.ipc.searches import GROUPS, VARIANTS

    by_cell = {(m.spec.variant, m.spec.name.split("-", 1)[1]): m for m in measurements}
    lines = ["| variant | " + " | ".join(f"`{g}`" for g in GROUPS) + " |",
             "|---|" + "---|" * len(GROUPS)]
    for variant in VARIANTS:
        cells = [_cell(by_cell.get((variant, g))) for g in GROUPS]
        lines.append(f"| `{variant}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(m: Measurement | None) -> str:
    if m is None:
        return "n/a"
    seeds = len(m.trials)
    if m.spec.expect:
        worst = min(m.found(k) for k in m.spec.expect)
        steps = [t.steps[k] for t in m.trials for k in m.spec.expect if k in t.keys]
        return f"**found** {worst}/{seeds}, {_median(steps)} steps"
    clean = sum(1 for t in m.deep if not t.keys)
    allowed = sorted({k for t in m.trials for k in t.keys})
    note = f"; early only: {len(allowed)}" if allowed else ""
    return f"clean (idle) {clean}/{seeds} ({m.depth * m.budget}){note}"


def write_section(path: Path, name: str, text: str) -> None:
    """Replace the text between the markers named ``name`` in ``path`` (appended if absent)."""
    begin, end = BEGIN.format(name=name), END.format(name=name)
    content = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{begin}\n{text}\n{end}"
    if begin in content and end in content:
        head, rest = content.split(begin, 1)
        content = head + block + rest.split(end, 1)[1]
    else:
        content = content.rstrip("\n") + "\n\n" + block + "\n"
    path.write_text(content, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    from models.ipc.searches import searches

    parser = argparse.ArgumentParser(prog="python -m models.ipc.reliability",
                                     description="How reliably each IPC search decides.")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--only", default=None, help="only searches whose name contains this")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes")
    parser.add_argument("--depth", type=int, default=10,
                        help="a clean search's idle trials run this many times its budget")
    parser.add_argument("--write", action="store_true",
                        help="write the tables into README.md and reports/README.md")
    args = parser.parse_args(argv)
    specs = [s for s in searches("android") + searches("ios")
             if args.only is None or args.only in s.name]
    measurements = []
    pool = ProcessPoolExecutor(args.jobs) if args.jobs > 1 else None
    try:
        for spec in specs:
            m = measure(spec, args.seeds, pool, args.depth)
            measurements.append(m)
            print(row(m), flush=True)
            if m.unexpected:
                print(f"  unexpected in {spec.name}: {', '.join(m.unexpected)}", flush=True)
    finally:
        if pool is not None:
            pool.shutdown()
    if args.write and args.only is None:
        measured = (f"Measured over seeds 0 to {args.seeds - 1} per search, clean searches at "
                    f"{args.depth} times their budget under `idle` (`python -m "
                    f"models.ipc.reliability --seeds {args.seeds} --depth {args.depth} "
                    f"--write`).\n\n")
        write_section(Path("README.md"), "expected results", measured + matrix(measurements))
        write_section(Path("reports/README.md"), "reliability",
                      measured + detailed_table(measurements))
    elif args.write:
        print("--write needs every search (drop --only)", file=sys.stderr)
        return 2
    return 0 if all(m.reliable for m in measurements) else 1


if __name__ == "__main__":
    sys.exit(main())
