"""``python -m explorer verify``: every schedule of one scenario up to a preemption bound.

Invariant: the exit status says how far verification got, never mixing kinds of failure:
0 complete and clean, 1 a finding (saved, with its replay command), 2 bad input, 3 a
nondeterministic model, 4 incomplete (the budget ran out first), 70 an engine bug.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from explorer import config, registry
from explorer.errors import NondeterministicModelError, UserError
from explorer.registry import replay_option
from explorer.render import visible
from explorer.report.keysteps import render_key_steps
from explorer.report.save import display_path, save_finding
from explorer.verify import verification_json, verify

PASSED, FINDING, NONDETERMINISTIC, INCOMPLETE = 0, 1, 3, 4


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def _nondeterministic(error: NondeterministicModelError) -> int:
    print(f"NONDETERMINISTIC: {visible(str(error))}")
    print(f"python -m explorer: {visible(str(error))} (a defect of the model: hidden clock, "
          "randomness or hash order; not a race)", file=sys.stderr)
    return NONDETERMINISTIC


_VERIFY_EPILOG = """exit status:
  0   complete and clean: every schedule up to the bound ran (or an equivalent one), none failed
  1   a finding: saved under --reports, with its report path and the command that replays it
  2   bad input: an unknown model or variant, an unreadable scenario file, a negative bound
  3   the model is nondeterministic: the same choices gave different runs
  4   incomplete: the budget ran out before the bound was covered (the output says at which)
  70  an internal error of race-explorer (an engine bug, never a finding)"""


def add_parser(commands: argparse._SubParsersAction[Any]) -> None:
    verify = commands.add_parser(
        "verify", help="run every schedule of a scenario up to a preemption bound",
        epilog=_VERIFY_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run every schedule of one scenario with at most K preemptions (a timer "
                    "fired while a task could run counts as one), fewest first, and say how far "
                    "that got: complete to K, a finding at its smallest bound, or incomplete.")
    verify.add_argument("model_name", metavar="MODEL", help="a known model (see list)")
    verify.add_argument("variant", metavar="VARIANT", help="one of the model's variants")
    verify.add_argument("--preemptions", metavar="K", type=_bound, required=True,
                        help="the preemption bound to verify to")
    verify.add_argument("--scenario", metavar="FILE", help="the scenario, as a JSON file")
    verify.add_argument("--budget", metavar="N", type=_positive, default=10_000,
                        help="stop after N schedules (default 10000)")
    verify.add_argument("--no-reduction", action="store_true",
                        help="run every schedule, also those equivalent to one already run")
    verify.add_argument("--reports", metavar="DIR", default=None,
                        help="where a finding is saved (default: [tool.race-explorer] reports, "
                             "else reports/)")
    verify.add_argument("--model", metavar="MODULE:NAME", action="append", default=[],
                        help="import this model (or list of models) first (repeatable)")
    verify.add_argument("--json", action="store_true", help="print one JSON object")


def _bound(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"a preemption bound is 0 or more, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    model = registry.registry(args.model).get(args.model_name)
    scenario = _read_scenario(args.scenario)
    try:
        result = verify(model, args.variant, scenario, preemptions=args.preemptions,
                        budget=args.budget, reduction=not args.no_reduction)
    except NondeterministicModelError as exc:
        return _nondeterministic(exc)
    trace_path = report_path = None
    folder = _reports(args.reports)
    if result.finding is not None and folder is not None:
        saved = save_finding(folder, f"verify-{model.name}-{args.variant}",
                             result.finding, model=model)
        trace_path, report_path = display_path(saved[0]), display_path(saved[1])
    if args.json:
        print(json.dumps(verification_json(result, trace_path), ensure_ascii=True))
    else:
        counts = "; ".join(f"bound {c.bound}: {c.schedules} schedules ({c.pruned} pruned)"
                           for c in result.per_bound)
        print(f"verify {visible(model.name)} {visible(args.variant)}: {counts}")
        print(visible(result.summary()))
        if result.finding is not None:
            print("key steps (fewest preemptions):")
            print(render_key_steps(result.finding))
            if trace_path is not None:
                print(f"report: {report_path}\ntrace:  {trace_path}\n"
                      f"replay: python -m explorer replay {trace_path}{replay_option(model)}")
    if result.finding is not None:
        return FINDING
    return PASSED if result.complete else INCOMPLETE


def _reports(value: str | None) -> Path | None:
    if value is None:
        return config.load().reports
    return config.reports_path(value, Path.cwd())


def _read_scenario(path: str | None) -> object:
    if path is None:
        return None
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"cannot read scenario file {path}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UserError(f"scenario file {path} is not JSON: {exc}") from None
