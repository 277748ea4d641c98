"""``python -m explorer bench``: how fast the engine schedules and searches, in CPU time, as
ratios against baselines measured in the same process.

Invariant: the bench reports and never judges: it exits 0 whatever the figures are (a loaded
machine changes them, not the verdict), and 2 only on bad arguments (a ``UserError``).
"""

from __future__ import annotations

import argparse
import json

from explorer.bench.figures import Config, Figures, measure
from explorer.bench.output import as_json, as_table
from explorer.errors import UserError

__all__ = ["Config", "Figures", "add_arguments", "as_json", "as_table", "main", "measure"]

_COUNTS = (
    ("repeats", 1, "repetitions of every measurement; figures are their medians"),
    ("points", 1, "scheduling points per task of the steps load (3 tasks)"),
    ("runs", 1, "runs per start-up measurement"),
    ("examples", 1, "examples of the short search"),
    ("long_examples", 0, "examples of the long search (0: leave it out)"),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = Config()
    default = {"repeats": defaults.repeats, "points": defaults.points,
               "runs": defaults.startup_runs, "examples": defaults.short_examples,
               "long_examples": defaults.long_examples}
    parser.add_argument("--json", action="store_true", help="print every figure as JSON")
    for name, _, text in _COUNTS:
        parser.add_argument("--" + name.replace("_", "-"), type=int, default=default[name],
                            metavar="N", help=f"{text} (default: {default[name]})")


def config_of(args: argparse.Namespace) -> Config:
    """The bench's configuration from parsed arguments; a count out of range is a UserError."""
    for name, least, _ in _COUNTS:
        if getattr(args, name) < least:
            flag = "--" + name.replace("_", "-")
            raise UserError(f"{flag} must be at least {least}, got {getattr(args, name)}")
    return Config(repeats=args.repeats, points=args.points, startup_runs=args.runs,
                  short_examples=args.examples, long_examples=args.long_examples)


def main(args: argparse.Namespace) -> int:
    figures = measure(config_of(args))
    print(json.dumps(as_json(figures), indent=2) if args.json else as_table(figures))
    return 0
