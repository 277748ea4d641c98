"""The command line: ``python -m explorer replay | report | list | bench``.

Invariant: the exit status says which of the three kinds of failure happened, never mixing
them: 0 the replayed run passes, 1 a finding reproduces, 2 bad input (one line on stderr, no
traceback), 3 the model is nondeterministic, 70 the engine itself failed.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from explorer import registry, tracefile
from explorer.determinism import first_difference
from explorer.errors import (
    ExplorerInternalError,
    NondeterministicModelError,
    ReplayDivergedError,
    UserError,
)
from explorer.model import Model
from explorer.records import Trace
from explorer.render import render_trace, visible
from explorer.report.markdown import render_markdown
from explorer.report.save import invariant_doc
from explorer.runner import RunResult, check_variant, run
from explorer.sources.replay import ReplaySource

PASSED, FINDING, USAGE, NONDETERMINISTIC, INTERNAL = 0, 1, 2, 3, 70

_EPILOG = """exit status:
  0   the replayed run passes (a fix holds)
  1   the replayed run is a finding (a violation, deadlock, step bound or model crash)
  2   bad input: a missing or malformed trace file, an unknown model or variant, a bad option
  3   the model is nondeterministic: replaying the same trace gave different runs
  70  an internal error of race-explorer (an engine bug, never a finding)"""


class _Parser(argparse.ArgumentParser):
    """argparse with its errors as one line on stderr and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m explorer", epilog=_EPILOG,
                     formatter_class=argparse.RawDescriptionHelpFormatter,
                     description="Replay, report on and list race-explorer models and traces.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    replay = commands.add_parser("replay", help="replay a saved trace and print it", epilog=_EPILOG,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    replay.add_argument("path", metavar="PATH", help="a trace file (.json)")
    replay.add_argument("--variant", metavar="NAME",
                        help="run the trace's scenario and schedule on another variant (a fix)")
    replay.add_argument("--repeat", metavar="N", type=_positive, default=1,
                        help="replay N times and check every run is identical")
    report = commands.add_parser("report", help="render a saved trace as a report on stdout")
    report.add_argument("path", metavar="PATH", help="a trace file (.json)")
    report.add_argument("--format", choices=("md", "json"), default="md",
                        help="md: the Markdown report; json: the trace file, normalised")
    commands.add_parser("list", help="list every registered model, its variants and invariants")
    commands.add_parser("bench", help="measure the engine (options: bench --help)", add_help=False)
    commands.add_parser("reliability", add_help=False,
                        help="run each known race's search over several seeds and tabulate")
    examples = commands.add_parser("examples", help="regenerate one example report per known race")
    examples.add_argument("directory", nargs="?", default="reports/examples")
    _add_verify(commands)
    return parser


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        if args[:1] == ["bench"]:
            return _bench(args[1:])
        if args[:1] == ["reliability"]:
            return _reliability(args[1:])
        parsed = build_parser().parse_args(args)
        command = {"replay": cmd_replay, "report": cmd_report, "list": cmd_list,
                   "examples": cmd_examples, "verify": cmd_verify}[parsed.command]
        return command(parsed)
    except UserError as exc:
        _error(f"error: {visible(str(exc))}")
        return USAGE
    except ExplorerInternalError as exc:
        _error(f"internal error in race-explorer (an engine bug, not a finding in the model): "
               f"{visible(str(exc))}")
        return INTERNAL
    except SystemExit as exc:  # argparse's own exits: --help (0) and usage errors (2)
        if exc.code is None:
            return PASSED
        return exc.code if isinstance(exc.code, int) else USAGE


def _error(line: str) -> None:
    print(f"python -m explorer: {line}", file=sys.stderr)


# ----- replay --------------------------------------------------------------------------


def cmd_replay(args: argparse.Namespace) -> int:
    document = tracefile.read(args.path)
    trace = document.trace
    model = registry.get_model(trace.model)
    variant = args.variant or trace.variant
    check_variant(model, variant)
    strict = variant == trace.variant
    print(f"replaying {args.path}: model {visible(model.name)}, variant {visible(variant)}"
          + ("" if strict else f" (the trace was recorded on {visible(trace.variant)})"))
    result, source = replay_once(model, variant, trace, strict=strict)
    replayed = result.trace()
    print(render_trace(replayed))
    _report_fit(trace, replayed, source, strict)
    for attempt in range(2, args.repeat + 1):
        status = _check_repeat(model, variant, trace, replayed, strict, attempt)
        if status is not None:
            return status
    if args.repeat > 1:
        print(f"determinism: {args.repeat} replays gave identical traces")
    return _verdict(trace, replayed)


def replay_once(model: Model, variant: str, trace: Trace, *,
                strict: bool) -> tuple[RunResult, ReplaySource]:
    """Run ``trace``'s scenario under its recorded decisions on ``variant``."""
    source = ReplaySource(trace.decisions, recorded_task_names(trace), strict=strict)
    invariants = replay_invariants(model, variant, trace)
    try:
        result = run(model, variant, trace.scenario, source, trace.settings,
                     invariants=invariants)
    except ValueError as exc:
        # Only ``build`` raises here (errors inside the run come back wrapped), and a model's
        # build raises ValueError for a scenario it cannot read: bad input, not a finding.
        raise UserError(f"the trace's scenario does not fit model {model.name}: {exc}") from exc
    return result, source


def recorded_task_names(trace: Trace) -> dict[int, str]:
    """Task names by task id, as the trace's steps knew them."""
    return {s.tid: s.task for s in reversed(trace.steps) if s.tid >= 0}


def replay_invariants(model: Model, variant: str, trace: Trace) -> tuple[str, ...] | None:
    """What the replay checks: the trace's own invariants on its own variant (a model that no
    longer has one of them is the user's error), every applicable one on another variant."""
    if variant != trace.variant:
        return None
    known = {i.name for i in model.invariants}
    missing = [name for name in trace.invariants if name not in known]
    if missing:
        raise UserError(f"the trace checked invariant {', '.join(missing)}, which model "
                        f"{model.name} no longer has")
    return trace.invariants


def _report_fit(recorded: Trace, replayed: Trace, source: ReplaySource, strict: bool) -> None:
    if source.diverged_at is not None:
        print(f"note: the schedule stopped fitting at step {source.diverged_at}: "
              f"{visible(source.divergence)}; the run went on with default choices from there")
    elif source.unused:
        print(f"note: the run ended before the schedule did ({source.unused} recorded "
              "decisions left unused)")
    if strict:
        difference = first_difference(recorded, replayed)
        if difference is not None:
            print(f"note: the run differs from the saved trace, first at step {difference.step} "
                  "(was the model changed since the trace was saved?)")


def _check_repeat(model: Model, variant: str, trace: Trace, first: Trace, strict: bool,
                  attempt: int) -> int | None:
    try:
        again = replay_once(model, variant, trace, strict=strict)[0].trace()
    except ReplayDivergedError as exc:
        return _nondeterministic(NondeterministicModelError(
            exc.step, "the recorded schedule fitted", f"replay {attempt}: {exc}"))
    difference = first_difference(first, again)
    if difference is None:
        return None
    return _nondeterministic(NondeterministicModelError(
        difference.step, difference.first, f"replay {attempt}: {difference.second}"))


def _nondeterministic(error: NondeterministicModelError) -> int:
    print(f"NONDETERMINISTIC: {visible(str(error))}")
    _error(f"{visible(str(error))} (a defect of the model: hidden clock, randomness or hash "
           "order; not a race)")
    return NONDETERMINISTIC


def _verdict(recorded: Trace, replayed: Trace) -> int:
    outcome = replayed.outcome
    if not outcome.is_finding:
        print("the run passes: the finding does not reproduce" if recorded.outcome.is_finding
              else "the run passes, as recorded")
        return PASSED
    same = (outcome.kind, outcome.invariant) == (recorded.outcome.kind, recorded.outcome.invariant)
    print("the finding reproduces" if same else
          f"a finding, but not the recorded one ({visible(recorded.outcome.headline())})")
    return FINDING


# ----- report, list, bench -------------------------------------------------------------


def cmd_report(args: argparse.Namespace) -> int:
    document = tracefile.read(args.path)
    trace = document.trace
    if args.format == "json":
        sys.stdout.write(tracefile.dumps(trace, stats=document.stats, versions=document.versions))
        return PASSED
    try:
        doc = invariant_doc(registry.get_model(trace.model), trace)
    except UserError:
        doc = None  # a report needs no registered model; the invariant's description is a bonus
    sys.stdout.write(render_markdown(trace, stats=document.stats, versions=document.versions,
                                     trace_path=args.path, invariant_doc=doc))
    return PASSED


def cmd_list(args: argparse.Namespace) -> int:
    models = registry.all_models()
    if not models:
        print(f"no models registered (entry point group {registry.GROUP})")
    for model in models.values():
        print(f"{model.name} — {model.doc}")
        for name, doc in model.variants:
            print(f"  variant {name} — {doc}")
        for inv in model.invariants:
            print(f"  invariant {inv.name} (checked at {inv.at}) — {inv.doc}")
    return PASSED


def _bench(argv: Sequence[str]) -> int:
    try:
        bench = importlib.import_module("explorer.bench")  # imported late: it is heavy
    except ModuleNotFoundError as exc:
        if exc.name != "explorer.bench":
            raise
        raise UserError("bench is not available in this installation") from None
    parser = _Parser(prog="python -m explorer bench", description="Measure the engine.")
    bench.add_arguments(parser)
    return int(bench.main(parser.parse_args(argv)))


def _reliability(argv: Sequence[str]) -> int:
    from explorer import reliability

    parser = _Parser(prog="python -m explorer reliability",
                     description="How reliably each known race's search finds it.")
    reliability.add_arguments(parser)
    return reliability.main(parser.parse_args(argv))


def cmd_examples(args: argparse.Namespace) -> int:
    from explorer.reliability import regenerate_examples

    for path in regenerate_examples(Path(args.directory)):
        print(path)
    return PASSED


# ----- verify --------------------------------------------------------------------------

INCOMPLETE = 4

_VERIFY_EPILOG = """exit status:
  0   complete and clean: every schedule up to the bound ran (or an equivalent one), none failed
  1   a finding: saved under --reports, with its report path and the command that replays it
  2   bad input: an unknown model or variant, an unreadable scenario file, a negative bound
  3   the model is nondeterministic: the same choices gave different runs
  4   incomplete: the budget ran out before the bound was covered (the output says at which)
  70  an internal error of race-explorer (an engine bug, never a finding)"""


def _add_verify(commands: argparse._SubParsersAction[_Parser]) -> None:
    verify = commands.add_parser(
        "verify", help="run every schedule of a scenario up to a preemption bound",
        epilog=_VERIFY_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run every schedule of one scenario with at most K preemptions (a timer "
                    "fired while a task could run counts as one), fewest first, and say how far "
                    "that got: complete to K, a finding at its smallest bound, or incomplete.")
    verify.add_argument("model", metavar="MODEL", help="a registered model (see list)")
    verify.add_argument("variant", metavar="VARIANT", help="one of the model's variants")
    verify.add_argument("--preemptions", metavar="K", type=_bound, required=True,
                        help="the preemption bound to verify to")
    verify.add_argument("--scenario", metavar="FILE", help="the scenario, as a JSON file")
    verify.add_argument("--budget", metavar="N", type=_positive, default=10_000,
                        help="stop after N schedules (default 10000)")
    verify.add_argument("--no-reduction", action="store_true",
                        help="run every schedule, also those equivalent to one already run")
    verify.add_argument("--reports", metavar="DIR", default="reports",
                        help="where a finding is saved (default reports)")
    verify.add_argument("--json", action="store_true", help="print one JSON object")


def _bound(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"a preemption bound is 0 or more, got {value}")
    return value


def cmd_verify(args: argparse.Namespace) -> int:
    import json

    from explorer.render import render_minimal
    from explorer.report.save import display_path, save_finding
    from explorer.verify import verification_json, verify

    model = registry.get_model(args.model)
    scenario = _read_scenario(args.scenario)
    try:
        result = verify(model, args.variant, scenario, preemptions=args.preemptions,
                        budget=args.budget, reduction=not args.no_reduction)
    except NondeterministicModelError as exc:
        return _nondeterministic(exc)
    trace_path = None
    if result.finding is not None:
        saved = save_finding(args.reports, f"verify-{model.name}-{args.variant}",
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
            print("minimal trace (fewest preemptions):")
            print(render_minimal(result.finding))
            print(f"report: {report_path}\ntrace:  {trace_path}\n"
                  f"replay: python -m explorer replay {trace_path}")
    if result.finding is not None:
        return FINDING
    return PASSED if result.complete else INCOMPLETE


def _read_scenario(path: str | None) -> object:
    import json

    if path is None:
        return None
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UserError(f"cannot read scenario file {path}: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UserError(f"scenario file {path} is not JSON: {exc}") from None


def run_main() -> NoReturn:
    """Entry point for ``python -m explorer``: unexpected errors keep their traceback."""
    try:
        status = main()
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, as a process killed by SIGPIPE would.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = 128 + 13
    except Exception:
        traceback.print_exc()
        _error("unexpected error (a bug in race-explorer or in a model; see the traceback above)")
        status = INTERNAL
    sys.exit(status)
