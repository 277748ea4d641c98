"""The command line: ``python -m explorer replay | report | list | bench``.

Invariant: the exit status says which of the three kinds of failure happened, never mixing
them: 0 the replayed run passes, 1 a finding reproduces, 2 bad input (one line on stderr, no
traceback), 3 the model is nondeterministic, 70 the engine itself failed, 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from explorer import registry, tracefile, verify_command
from explorer.determinism import first_difference
from explorer.errors import (
    ExplorerInternalError,
    NondeterministicModelError,
    ReplayDivergedError,
    UserError,
)
from explorer.model import Model
from explorer.records import Trace
from explorer.render import plain_doc, render_trace, visible
from explorer.replaying import replay_once
from explorer.report.markdown import render_markdown
from explorer.report.save import invariant_doc
from explorer.runner import check_variant
from explorer.sources.replay import ReplaySource

PASSED, FINDING, USAGE, NONDETERMINISTIC, INTERNAL, INTERRUPTED = 0, 1, 2, 3, 70, 130

_EPILOG = """exit status:
  0   the replayed run passes (a fix holds)
  1   the replayed run is a finding (a violation, deadlock, step bound or model crash)
  2   bad input: a missing or malformed trace file, an unknown model or variant, a bad option
  3   the model is nondeterministic: replaying the same trace gave different runs
  70  an internal error of race-explorer (an engine bug, never a finding)
  130 interrupted (Ctrl-C): the run was torn down and stopped"""


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
                        help="replay N times and check every run is identical (one of them in "
                             "a fresh process under another hash seed)")
    replay.add_argument("--emit-trace", metavar="FILE", help=argparse.SUPPRESS)
    _model_option(replay)
    report = commands.add_parser("report", help="render a saved trace as a report on stdout")
    report.add_argument("path", metavar="PATH", help="a trace file (.json)")
    report.add_argument("--format", choices=("md", "json"), default="md",
                        help="md: the Markdown report; json: the trace file, normalised")
    _model_option(report)
    listing = commands.add_parser("list",
                                  help="list every known model, its variants and invariants")
    _model_option(listing)
    commands.add_parser("bench", help="measure the engine (options: bench --help)", add_help=False)
    verify_command.add_parser(commands)
    return parser


def _model_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="MODULE:NAME", action="append", default=[],
                        help="import this model (or list of models) first: the trace names a "
                             "model by name only, never code (repeatable)")


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
        parsed = build_parser().parse_args(args)
        command = {"replay": cmd_replay, "report": cmd_report, "list": cmd_list,
                   "verify": verify_command.run}[parsed.command]
        return command(parsed)
    except UserError as exc:
        _error(f"error: {visible(str(exc))}")
        return USAGE
    except ExplorerInternalError as exc:
        _error(f"internal error in race-explorer (an engine bug, not a finding in the model): "
               f"{visible(str(exc))}")
        return INTERNAL
    except KeyboardInterrupt:
        sys.stdout.flush()
        _error("interrupted (Ctrl-C): the run in progress was torn down and nothing was saved")
        return INTERRUPTED
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
    model = registry.registry(args.model).get(trace.model)
    variant = args.variant or trace.variant
    check_variant(model, variant)
    strict = variant == trace.variant
    print(f"replaying {args.path}: model {visible(model.name)}, variant {visible(variant)}"
          + ("" if strict else f" (the trace was recorded on {visible(trace.variant)})"))
    result, source = replay_once(model, variant, trace, strict=strict)
    replayed = result.trace()
    if args.emit_trace:  # the other side of --repeat's check under another hash seed
        Path(args.emit_trace).write_text(tracefile.dumps(replayed), encoding="utf-8")
        return _verdict(trace, replayed, quiet=True)
    print(render_trace(replayed))
    _report_fit(trace, replayed, source, strict)
    if args.repeat > 1 and result.used_global_random:
        return _nondeterministic(NondeterministicModelError.global_random())
    for attempt in range(2, args.repeat + 1):
        status = _check_repeat(model, variant, trace, replayed, strict, attempt)
        if status is not None:
            return status
    if args.repeat > 1:
        status = _check_other_hash_seed(args, replayed)
        if status is not None:
            return status
        print(f"determinism: {args.repeat} replays gave identical traces (one in another "
              "process under another hash seed)")
    return _verdict(trace, replayed)


#: Why two processes with different hash seeds can replay one trace differently.
HASH_ORDER = ("hash-ordered iteration: iterating a set (or a dict built from one) of strings, or "
              "ordering by id() or hash(); sort, or use a list or dict in insertion order")


def _check_other_hash_seed(args: argparse.Namespace, first: Trace) -> int | None:
    """Replay once more in a child process whose PYTHONHASHSEED differs from ours."""
    ours = os.environ.get("PYTHONHASHSEED", "")
    seed = str((int(ours) + 1) % 4_294_967_295) if ours.isdigit() else "0"
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "replayed.json"
        command = [sys.executable, "-m", "explorer", "replay", args.path, "--emit-trace", str(out)]
        command += ["--variant", args.variant] if args.variant else []
        for reference in args.model:
            command += ["--model", reference]
        child = subprocess.run(command, env={**os.environ, "PYTHONHASHSEED": seed},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               check=False)
        if child.returncode not in (PASSED, FINDING) or not out.exists():
            print(f"note: the replay under another hash seed failed (exit status "
                  f"{child.returncode}): {visible(child.stderr.strip()[-200:])}")
            return None
        other = tracefile.read(out).trace
    difference = first_difference(first, other)
    if difference is None:
        return None
    return _nondeterministic(NondeterministicModelError(
        difference.step, difference.first, f"under PYTHONHASHSEED={seed}: {difference.second}",
        HASH_ORDER))


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


def _verdict(recorded: Trace, replayed: Trace, *, quiet: bool = False) -> int:
    outcome = replayed.outcome
    if quiet:
        return FINDING if outcome.is_finding else PASSED
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
        doc = invariant_doc(registry.registry(args.model).get(trace.model), trace)
    except UserError:
        doc = None  # a report needs no registered model; the invariant's description is a bonus
    sys.stdout.write(render_markdown(trace, stats=document.stats, versions=document.versions,
                                     trace_path=args.path, invariant_doc=doc,
                                     replay_options="".join(f" --model {m}" for m in args.model)))
    return PASSED


def cmd_list(args: argparse.Namespace) -> int:
    models = registry.registry(args.model).all()
    if not models:
        print(f"no models known (none under [tool.race-explorer] models, none registered under "
              f"the {registry.GROUP} entry point)")
    for model in models.values():
        print(f"{model.name} — {plain_doc(model.doc)}")
        for name, doc in model.variants:
            print(f"  variant {name} — {plain_doc(doc)}")
        for inv in model.invariants:
            print(f"  invariant {inv.name} (checked at {inv.at}) — {plain_doc(inv.doc)}")
    return PASSED


def _bench(argv: Sequence[str]) -> int:
    try:
        bench = importlib.import_module("explorer.bench")  # imported late: it is heavy
    except ModuleNotFoundError as exc:
        if exc.name != "explorer.bench":
            raise
        raise UserError("bench is not available in this installation") from None
    parser = _Parser(prog="python -m explorer bench",
                     description="Measure the engine in CPU time, as ratios against baselines "
                                 "run in the same process; exit 0 whatever the figures.")
    bench.add_arguments(parser)
    return int(bench.main(parser.parse_args(argv)))


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
