"""Small inline models whose runs give one trace of every kind, for the report and CLI tests.

The models follow the project's naming conventions (``component/name`` tasks, ``sys.<call>``
points) so the renderings have lanes, a kernel, timers and switches to draw. ``litmus_trace``
replays a known finding of the litmus corpus from its choices.
"""

from __future__ import annotations

import errno
from typing import Any

import attrs

import explorer
from explorer.records import SearchStats, Settings, Trace
from explorer.sources import PrechosenChoices, SeededRandomSource
from models.litmus import MODELS


@attrs.define
class Pipe:
    """A one-message channel between an Android client and a backend connection."""

    wait_for_write: bool
    sent: list[str] = attrs.Factory(list)
    received: list[str] = attrs.Factory(list)
    written: explorer.Event = attrs.Factory(lambda: explorer.Event("fd 5 written"))


async def android_client(world: Pipe) -> None:
    await explorer.point("sys.socket", "AF_UNIX → fd 5")
    await explorer.point("sys.connect", "fd 5 → ok")
    await explorer.sleep(0.05)
    await explorer.point("sys.write", "fd 5, 9 bytes")
    world.sent.append("hello")
    await world.written.set()


async def backend_connection(world: Pipe) -> None:
    await explorer.point("sys.accept", "fd 3 → fd 7")
    if world.wait_for_write:
        await world.written.wait()
    await explorer.point("sys.read", "fd 7, 9 bytes")
    world.received.extend(world.sent)


async def pipe_main(world: Pipe) -> None:
    client = explorer.spawn(android_client, world, name="android/rpc#1")
    server = explorer.spawn(backend_connection, world, name="backend/rpc-conn#2")
    await explorer.point("env.start", "both sides")
    await client.join()
    await server.join()


@explorer.invariant(at="quiescence")
def delivered(world: Pipe) -> str | None:
    """Every message the client wrote reached the backend; else the backend read too early."""
    if world.received != world.sent:
        return f"backend received {world.received} of {world.sent}"
    return None


PIPE = explorer.Model(
    "sample.pipe", "A client writes one message the backend reads once.",
    (("racy", "the backend reads whenever it runs"),
     ("fixed", "the backend reads once the client has written")),
    lambda variant, scenario: Pipe(wait_for_write=variant == "fixed"), pipe_main, (delivered,),
)


async def wait_forever(queue: explorer.WaitQueue) -> None:
    await queue.wait("sys.recv", cancellable=False)


async def stuck_main(world: Any) -> None:
    first = explorer.spawn(wait_forever, explorer.WaitQueue("reply on fd 5"), name="app/env")
    await first.join()


STUCK = explorer.Model("sample.stuck", "A reply that never comes.", (("only", "one"),),
                       lambda variant, scenario: None, stuck_main)


async def crashing_main(world: Any) -> None:
    await explorer.point("sys.connect", "fd 5 → ECONNREFUSED")
    raise OSError(errno.ECONNREFUSED, "connection refused")


CRASH = explorer.Model("sample.crash", "An unhandled ECONNREFUSED.", (("only", "one"),),
                       lambda variant, scenario: None, crashing_main)


async def spinner(name: str) -> None:
    while True:
        await explorer.point("poll", f"{name} polls")


async def spin_main(world: Any) -> None:
    explorer.spawn(spinner, "a", name="poller/a")
    explorer.spawn(spinner, "b", name="poller/b")
    await explorer.point("env.idle", "")


SPIN = explorer.Model("sample.spin", "Two pollers that never stop.", (("only", "one"),),
                      lambda variant, scenario: None, spin_main)


@attrs.define
class Labelled:
    """Tasks and points named by the scenario: any text a model could put in a trace."""

    tasks: list[str]
    points: list[list[str]]
    message: str


async def labelled_task(world: Labelled, k: int) -> None:
    for label, detail in world.points[k::len(world.tasks)]:
        await explorer.point(label, detail)


async def labelled_main(world: Labelled) -> None:
    handles = [explorer.spawn(labelled_task, world, k, name=name)
               for k, name in enumerate(world.tasks)]
    for handle in handles:
        await handle.join()


@explorer.invariant(at="quiescence")
def never_holds(world: Labelled) -> str | None:
    """Always violated, with the scenario's message: every report has an invariant to show."""
    return world.message


LABELLED = explorer.Model(
    "sample.labelled", "Points named by the scenario.", (("any", "labels from the scenario"),),
    lambda variant, scenario: Labelled(scenario["tasks"], scenario["points"], scenario["message"]),
    labelled_main, (never_holds,),
)

#: Labels that have broken Markdown tables or Mermaid diagrams somewhere.
NASTY = ["a|b", "x\ny", "`code`", "``", "end", "a;b", "#1", "c: d", "->>", '"q"', "<br>",
         "%% comment", "wrap: x", "&amp;", "\\", "\\|", "ﬂ°°59¶ß", "\u2028", "\ud800", "\x00",
         "@user", "[l](u)", "*b*", "_i_", "~s~", "$x$", ":smile:", "  padded  ", ""]

STATS = SearchStats("pipe search", examples=300, examples_to_first_failure=125, first_steps=40,
                    first_preemptions=7, final_steps=13, final_preemptions=2, shrink_runs=88)
VERSIONS = (("race-explorer", "0.1.0"), ("trio", "0.35.0"), ("hypothesis", "6.170.17"),
            ("python", "3.11.7"))


def labelled_trace(tasks: list[str], points: list[list[str]], message: str,
                   choices: list[int] | None = None) -> Trace:
    scenario = {"tasks": tasks, "points": points, "message": message}
    source = PrechosenChoices(choices or [])
    return explorer.run(LABELLED, "any", scenario, source).trace()


def pipe_finding() -> Trace:
    """The backend reads before the client wrote: a violation with syscalls, a timer, switches."""
    for seed in range(200):
        trace = explorer.run(PIPE, "racy", None, SeededRandomSource(seed)).trace()
        if trace.outcome.is_finding and trace.early_timers:
            return trace
    raise AssertionError("no seed below 200 made the pipe model fail")


def every_kind() -> dict[str, Trace]:
    """One trace of every outcome kind, by name."""
    return {
        "violation": pipe_finding(),
        "pass": explorer.run(PIPE, "fixed", None, PrechosenChoices([])).trace(),
        "deadlock": explorer.run(STUCK, "only", None, PrechosenChoices([])).trace(),
        "crash": explorer.run(CRASH, "only", None, PrechosenChoices([])).trace(),
        "step-bound": explorer.run(SPIN, "only", None, SeededRandomSource(7),
                                   Settings(max_steps=400)).trace(),
        "labels": labelled_trace(
            ["app|env", "end", "a/b;c#1"],
            [["sys.read", "fd 5 | 4 bytes; `x`"], ["end", "<b>bold</b> -> x"],
             ["x\ny", 'say "hi": #1 %% c'], ["sys.wrap:", "@someone [link](http://x)"]],
            "a | broken\nmessage `with` code", [1, 2, 1, 0, 1]),
    }


LITMUS = {m.name: m for m in MODELS}
#: Choices that make each litmus race happen (found by a search, kept as inputs).
FINDINGS = {
    ("litmus.lost-update", "two"): [0, 0, 1, 0, 0],
    ("litmus.lock-order", "opposite"): [0, 0, 1, 0, 0, 0],
    ("litmus.early-timeout", "timeout"): [0, 0, 0, 0, 0, 0, 1, 0, 0],
    ("litmus.cancel-window", "plain"): [0, 0, 0, 1, 0, 0, 0, 0],
    ("litmus.crash", "unchecked"): [1, 0],
}


def litmus_trace(name: str, variant: str) -> Trace:
    choices = FINDINGS[(name, variant)]
    trace = explorer.run(LITMUS[name], variant, None, PrechosenChoices(choices)).trace()
    assert trace.outcome.is_finding
    return trace
