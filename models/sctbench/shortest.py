"""Shrunk traces against the shortest failing traces, on the litmus and SCTBench corpora.

``python -m models.sctbench.shortest`` searches every model variant of both corpora that has a
finding (``explore``, a few seeds) and, for each distinct finding it shrinks, enumerates every
schedule (no reduction) with at most the shrunk trace's preemptions to find the shortest
failing trace with the same finding. It prints a Markdown table of both lengths and their
ratio; ``--write`` puts the table in ``models/sctbench/README.md``. A variant whose
enumeration does not complete within the budget is not *small* and gets no ratio.

Lengths are steps (one task's run between two scheduling points, ``len(trace.steps)``). The
shortest trace is looked for among those with the same or fewer preemptions, as the shrinker
prefers fewer preemptions before fewer steps.

Invariant: a measurement is a pure function of the corpora, the seeds, the search budget and
the enumeration budget; a ratio is only given when the enumeration was complete, so it is
never measured against a shortest trace that a schedule left out could beat.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import attrs

import explorer
from explorer.exploration import SearchSettings, explore
from explorer.records import Settings
from explorer.verify import BoundedRuns
from models.litmus import MODELS as LITMUS
from models.sctbench import MODELS as SCTBENCH

SEEDS = (0, 1, 2)
EXAMPLES = 200
#: Runs an enumeration may take before its variant counts as too large to be small.
BUDGET = 5_000
#: The models left out: their runs are not a function of their choices, or have no end.
LEFT_OUT = frozenset({"litmus.nondeterministic", "litmus.spin"})
README = Path(__file__).with_name("README.md")
BEGIN, END = "<!-- shortest traces: begin", "<!-- shortest traces: end -->"


@attrs.frozen
class Measured:
    """One finding of one variant: the longest shrunk trace over the seeds, and the shortest
    failing trace with at most its preemptions (None when the enumeration was incomplete)."""

    model: str
    variant: str
    key: str
    shrunk_steps: int
    shrunk_preemptions: int
    shortest_steps: int | None
    schedules: int

    @property
    def ratio(self) -> float | None:
        if self.shortest_steps is None:
            return None
        return self.shrunk_steps / self.shortest_steps


def variants(models: Iterable[explorer.Model]) -> list[tuple[explorer.Model, str]]:
    return [(m, v) for m in models if m.name not in LEFT_OUT for v in m.variant_names()]


@attrs.frozen
class Shrunk:
    steps: int
    preemptions: int
    early_timers: int


def shrunk(model: explorer.Model, variant: str, seeds: Sequence[int],
           examples: int) -> dict[str, Shrunk]:
    """Per finding key, the longest shrunk trace over the seeds."""
    worst: dict[str, Shrunk] = {}
    for seed in seeds:
        exploration = explore(model, variant,
                              settings=SearchSettings(max_examples=examples, seed=seed))
        for finding in exploration.findings:
            trace = finding.trace
            found = Shrunk(len(trace.steps), trace.preemptions, len(trace.early_timers))
            if finding.key not in worst or found.steps > worst[finding.key].steps:
                worst[finding.key] = found
    return worst


def shortest(model: explorer.Model, variant: str, key: str, like: Shrunk,
             budget: int = BUDGET) -> tuple[int | None, int]:
    """The fewest steps of a run that makes ``key`` with at most ``like``'s preemptions (and
    early timer fires: enumeration counts both), None when the enumeration did not complete;
    and how many schedules ran."""
    invariant = key.partition(":")[2]
    settings = Settings(stop_on=(invariant,) if invariant else ())
    runs = BoundedRuns(model, variant, preemptions=like.preemptions + like.early_timers,
                       budget=budget, reduction=False, settings=settings)
    best: int | None = None
    for _, result in runs:
        if key in result.keys and result.preemptions <= like.preemptions:
            best = result.steps if best is None else min(best, result.steps)
    return (best if runs.complete else None), runs.schedules


def measure(models: Iterable[explorer.Model], seeds: Sequence[int] = SEEDS,
            examples: int = EXAMPLES, budget: int = BUDGET) -> list[Measured]:
    rows = []
    for model, variant in variants(models):
        for key, found in sorted(shrunk(model, variant, seeds, examples).items()):
            best, schedules = shortest(model, variant, key, found, budget)
            rows.append(Measured(model.name, variant, key, found.steps, found.preemptions, best,
                                 schedules))
            print(f"measured {model.name} {variant} {key}", file=sys.stderr, flush=True)
    return rows


def table(rows: Sequence[Measured]) -> str:
    head = ["model", "variant", "finding", "preemptions", "shrunk steps", "shortest steps",
            "ratio", "schedules enumerated"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        shortest_cell = "—" if row.shortest_steps is None else str(row.shortest_steps)
        ratio = "not small" if row.ratio is None else f"{row.ratio:.2f}"
        lines.append("| " + " | ".join([
            row.model, row.variant, f"`{row.key}`", str(row.shrunk_preemptions),
            str(row.shrunk_steps), shortest_cell, ratio, str(row.schedules)]) + " |")
    return "\n".join(lines)


def headline(rows: Sequence[Measured]) -> str:
    """One sentence for a README: how many small variants, how many at the shortest, the worst."""
    ratios = [r.ratio for r in rows if r.ratio is not None]
    if not ratios:
        return "No variant was small enough to enumerate."
    exact = sum(1 for r in ratios if r == 1.0)
    return (f"On {len(ratios)} findings of small models the shrunk trace is the shortest "
            f"failing trace in {exact} and at most {max(ratios):.2f} times it "
            f"({len(rows) - len(ratios)} more findings are in models too large to enumerate).")


def write_readme(text: str, readme: Path = README) -> None:
    """Replace the table between the markers in ``readme`` (append it the first time)."""
    original = readme.read_text(encoding="utf-8")
    block = (f"{BEGIN} (python -m models.sctbench.shortest --write) -->\n{text}\n{END}")
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if pattern.search(original):
        updated = pattern.sub(lambda _: block, original)
    else:
        updated = f"{original.rstrip()}\n\n{SECTION}\n\n{block}\n"
    readme.write_text(updated, encoding="utf-8")


SECTION = f"""## Shrunk traces against the shortest

Each search (`explore`, 200 examples, seeds 0, 1 and 2, both corpora: `models/litmus/` and
this one) shrinks every distinct finding; the table gives the longest shrunk trace over the
seeds and the shortest failing trace with the same finding and no more preemptions, found by
enumerating every schedule up to that many preemptions (without reduction, at most {BUDGET:,}
schedules: a variant that needs more is *not small* and gets no ratio). Lengths in steps.
A variant whose searches find nothing in those examples has no row."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.sctbench.shortest",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="models whose name contains this")
    parser.add_argument("--write", action="store_true", help="write the table in the README")
    args = parser.parse_args(argv)
    models = [m for m in (*LITMUS, *SCTBENCH) if args.only in m.name]
    rows = measure(models)
    text = f"{table(rows)}\n\n{headline(rows)}"
    print(text)
    if args.write:
        write_readme(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
