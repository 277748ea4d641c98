"""Examples to the first failure, per SCTBench port, under uniform random choices and PCT.

``python -m models.sctbench.measure`` runs every buggy variant of the catalogue under each
strategy, from several measurement seeds, and prints a Markdown table: per strategy the median
and the maximum number of examples to the first failure (``>cap`` when a seed never failed).

A strategy is "a way to make a choice source for example k": ``Strategy(model, variant,
seed, cap)`` returns a function from the example number to a fresh source, and
:func:`examples_to_failure` runs examples 0, 1, ... until one makes the expected finding. New
strategies (a Hypothesis-driven search, an exhaustive one) plug in the same way.

- ``random``: example k of seed s is ``SeededRandomSource(s * cap + k)`` (seed 0 uses
  0 .. cap - 1).
- ``pct3``: PCT with depth 3 (Burckhardt et al., ASPLOS 2010), sized to the run: a probe run
  with every choice 0 gives the number of tasks n and of decisions k; each example draws a
  random priority for every task (and the clock) and 2 change points among decisions
  0 .. k - 1, from ``random.Random(s * cap + k)``.

Invariant: a measurement is a pure function of the model, variant, strategy, seed and cap; an
example that ends in a finding other than the expected one is an error, never counted as the
bug.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
from collections.abc import Callable, Sequence

import attrs

import explorer
from explorer.sources import ChoiceSource, PCTSource, PrechosenChoices, SeededRandomSource
from explorer.sources.pct import pct_bound
from models.sctbench import MODELS
from models.sctbench.catalogue import Bug, Program, bugs

CAP = 10_000
SEEDS = 5
PCT_DEPTH = 3

SourceFor = Callable[[int], ChoiceSource]
Strategy = Callable[[explorer.Model, str, int, int], SourceFor]


class UnexpectedFinding(Exception):
    """An example failed, but not with the finding the catalogue expects."""


def examples_to_failure(model: explorer.Model, variant: str, finding: str,
                        source_for: SourceFor, cap: int = CAP) -> int | None:
    """How many examples it took to make ``finding`` (1 = the first), or None within ``cap``."""
    for k in range(cap):
        outcome = explorer.run(model, variant, None, source_for(k)).outcome
        if outcome.key == finding:
            return k + 1
        if outcome.is_finding:
            raise UnexpectedFinding(f"{model.name} {variant} example {k}: {outcome.headline()} "
                                    f"(expected {finding})")
    return None


def uniform_random(model: explorer.Model, variant: str, seed: int, cap: int) -> SourceFor:
    return lambda k: SeededRandomSource(seed * cap + k)


@attrs.frozen
class RunShape:
    """What PCT is sized by: the tasks of a run and the decisions it takes."""

    tasks: int
    decisions: int


def probe(model: explorer.Model, variant: str) -> RunShape:
    """The shape of the run that takes option 0 at every decision."""
    result = explorer.run(model, variant, None, PrechosenChoices(()))
    return RunShape(len(result.task_names), result.decisions)


def pct_source(shape: RunShape, depth: int, rng: random.Random) -> PCTSource:
    """Distinct random priorities for every task and the clock (the last entry), and
    ``depth - 1`` distinct change points drawn uniformly over the probed decisions."""
    priorities = list(range(shape.tasks + 1))
    rng.shuffle(priorities)
    decisions = max(shape.decisions, 1)
    changes = rng.sample(range(decisions), min(depth - 1, decisions))
    return PCTSource(priorities, changes)


def pct(depth: int = PCT_DEPTH) -> Strategy:
    def strategy(model: explorer.Model, variant: str, seed: int, cap: int) -> SourceFor:
        shape = probe(model, variant)
        return lambda k: pct_source(shape, depth, random.Random(seed * cap + k))

    return strategy


STRATEGIES: dict[str, Strategy] = {"random": uniform_random, "pct3": pct()}


@attrs.frozen
class Row:
    program: Program
    bug: Bug
    #: Per strategy, examples to the first failure for each seed (None: not within the cap).
    results: tuple[tuple[str, tuple[int | None, ...]], ...]


def measure(program: Program, bug: Bug, strategies: dict[str, Strategy], seeds: int = SEEDS,
            cap: int = CAP) -> Row:
    model = {m.name: m for m in MODELS}[program.model]
    results = []
    for name, strategy in strategies.items():
        counts = tuple(examples_to_failure(model, bug.variant, bug.finding,
                                           strategy(model, bug.variant, seed, cap), cap)
                       for seed in range(seeds))
        results.append((name, counts))
    return Row(program, bug, tuple(results))


def summary(counts: Sequence[int | None], cap: int) -> str:
    """``median / max``, where a seed that never failed counts as beyond the cap."""
    values = [cap + 1 if c is None else c for c in counts]
    median, top = statistics.median_low(values), max(values)
    return " / ".join(f">{cap}" if v > cap else str(v) for v in (median, top))


def pct_guarantee(model: explorer.Model, variant: str, depth: int = PCT_DEPTH) -> str:
    """PCT's bound for one run, with the probed run's real task count n and decisions k:
    ``1/(n·k^(d-1)) = 1/(4·37^2) ≈ 1.8e-04``."""
    shape = probe(model, variant)
    value = pct_bound(shape.tasks, shape.decisions, depth)
    return f"1/({shape.tasks}·{shape.decisions}^{depth - 1}) ≈ {value:.1e}"


def table(rows: Sequence[Row], cap: int) -> str:
    names = [name for name, _ in rows[0].results] if rows else []
    head = ["program", "variant", "threads", "bound", "finding",
            *(f"{n} median / max" for n in names), "PCT d=3 bound 1/(n·k^2)"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    by_name = {m.name: m for m in MODELS}
    for row in rows:
        cells = [row.program.model, row.bug.variant, str(row.bug.threads), str(row.bug.bound),
                 f"`{row.bug.finding}`", *(summary(c, cap) for _, c in row.results),
                 pct_guarantee(by_name[row.program.model], row.bug.variant)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.sctbench.measure",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--cap", type=int, default=CAP, help="examples per seed (%(default)s)")
    parser.add_argument("--seeds", type=int, default=SEEDS, help="seeds (%(default)s)")
    parser.add_argument("--only", default="", help="programs whose name contains this")
    parser.add_argument("--strategy", action="append", choices=sorted(STRATEGIES),
                        help="strategies to run (default: all)")
    args = parser.parse_args(argv)
    if args.cap < 1 or args.seeds < 1:
        parser.error("--cap and --seeds must be at least 1")
    chosen = {n: STRATEGIES[n] for n in (args.strategy or STRATEGIES)}
    rows = []
    for program, bug in bugs():
        if args.only in program.model:
            rows.append(measure(program, bug, chosen, args.seeds, args.cap))
            print(f"measured {program.model} {bug.variant}", file=sys.stderr, flush=True)
    print(table(rows, args.cap))
    return 0


if __name__ == "__main__":
    sys.exit(main())
