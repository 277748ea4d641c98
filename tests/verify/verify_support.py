"""Helpers for the verification tests: a seeded generator of small models that declare their
footprints, an independent brute-force enumeration of bounded schedules, and outcome sets.

A generated model is two to four tasks, each a short program of reads, writes, atomic increments,
private updates, lock blocks, sleeps and event waits (some with a timeout) over a few shared
variables; ``main`` only spawns the tasks (a join would read a task's state outside any
declared footprint). Every step declares exactly what it touches, and every step that starts a
timer declares ``clock``, so the models keep the footprint contract of ``Model(footprints=True)``.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import attrs

import explorer
from explorer.records import TIMER, Outcome, OutcomeKind, Settings
from explorer.sources.base import ChoiceSource
from explorer.verify import BoundedRuns

SHARED = ("x", "y", "z")
LOCKS = ("L1", "L2")
EVENTS = ("E",)

Op = tuple[Any, ...]


@attrs.define
class World:
    programs: tuple[tuple[Op, ...], ...]
    values: dict[str, int]
    writes: dict[str, int]
    seen: dict[str, list[str]]
    locks: dict[str, explorer.Lock]
    flags: dict[str, bool] = attrs.Factory(lambda: dict.fromkeys(EVENTS, False))
    waiters: dict[str, list[explorer.Waker]] = attrs.Factory(
        lambda: {name: [] for name in EVENTS})
    local: dict[tuple[int, str], int] = attrs.Factory(dict)


def build_world(programs: tuple[tuple[Op, ...], ...]) -> World:
    names = [*SHARED, *(f"p{i}" for i in range(len(programs)))]
    return World(programs, dict.fromkeys(names, 0), dict.fromkeys(names, 0),
                 {f"t{i}": [] for i in range(len(programs))},
                 {name: explorer.Lock(name) for name in LOCKS})


async def perform(world: World, me: int, op: Op) -> None:
    kind = op[0]
    log = world.seen[f"t{me}"]
    if kind == "read":
        var = op[1]
        await explorer.point("read", var, touches=var)
        world.local[me, var] = world.values[var]
        log.append(f"{var}={world.values[var]}")
    elif kind == "write":
        var = op[1]
        await explorer.point("write", var, touches=var)
        world.values[var] = world.local.get((me, var), 0) + 1
        world.writes[var] += 1
    elif kind == "incr":
        var = op[1]
        await explorer.point("incr", var, touches=var)
        world.values[var] += 1
        world.writes[var] += 1
    elif kind == "locked":
        async with world.locks[op[1]]:
            for inner in op[2]:
                await perform(world, me, inner)
    elif kind == "sleep":
        await explorer.point("nap", f"{op[1]}s", touches="clock")
        await explorer.sleep(op[1])
    elif kind == "set":
        await explorer.point("set", op[1], touches=f"flag {op[1]}")
        world.flags[op[1]] = True
        for waiter in world.waiters[op[1]]:
            waiter.wake("set")
        world.waiters[op[1]].clear()
    elif kind == "wait":
        await wait_for_flag(world, me, op[1], op[2])


async def wait_for_flag(world: World, me: int, name: str, timeout: float | None) -> None:
    """Wait until the flag is set, or ``timeout`` virtual seconds (starting and cancelling
    the timer touch the clock, so the wait declares it)."""
    touches = (f"flag {name}", "clock") if timeout is not None else (f"flag {name}",)
    await explorer.point("wait", name, touches=touches)
    if world.flags[name]:
        world.seen[f"t{me}"].append(f"{name} was set")
        return
    waker = explorer.waker()
    world.waiters[name].append(waker)
    timer = None
    if timeout is not None:
        timer = explorer.call_later(timeout, f"t{me} timeout", lambda: waker.wake("timeout"))
    woke = await explorer.block("wait", f"flag {name}", cancellable=False, touches=touches)
    if timer is not None:
        timer.cancel()
    world.seen[f"t{me}"].append(f"{name} {woke}")


async def task(world: World, me: int) -> None:
    for op in world.programs[me]:
        await perform(world, me, op)


async def spawn_all(world: World) -> None:
    for i in range(len(world.programs)):
        explorer.spawn(task, world, i, name=f"t{i}", touches=())


@explorer.invariant(at="quiescence")
def no_lost_write(world: World) -> str | None:
    """Every write is counted: a lower value means a write was based on a stale read."""
    for var, value in world.values.items():
        if value != world.writes[var]:
            return f"{var} is {value} after {world.writes[var]} writes; reads {world.seen}"
    return None


def gap_invariant(first: str, second: str, annotated: bool) -> explorer.Invariant:
    def check(world: World) -> str | None:
        a, b = world.values[first], world.values[second]
        return f"{first}={a} runs {a - b} ahead of {second}={b}" if a - b >= 2 else None

    reads = (first, second) if annotated else None
    return explorer.Invariant(f"gap_{first}_{second}", f"{first} stays within 1 of {second}",
                              check, "step", reads)


# ----- the generator -----------------------------------------------------------------------


@attrs.frozen
class Generated:
    seed: int
    model: explorer.Model
    programs: tuple[tuple[Op, ...], ...]

    def __str__(self) -> str:
        return f"generated seed {self.seed}: {self.programs}"


def generate(seed: int, *, tasks: int | None = None, ops: int | None = None,
             timers: bool = True, step_invariant: bool | None = None,
             annotated: bool = True) -> Generated:
    """A model made from ``seed``: ``tasks`` tasks of ``ops`` operations each (drawn when not
    given); ``annotated`` False leaves a step invariant's reads undeclared."""
    rng = random.Random(seed)
    count = tasks or rng.choice((2, 2, 3, 3, 4))
    ops = ops or (2 if count == 4 else 3)
    programs = tuple(tuple(_program(rng, me, ops, timers)) for me in range(count))
    invariants: list[explorer.Invariant] = [no_lost_write]
    if step_invariant if step_invariant is not None else rng.random() < 0.4:
        invariants.append(gap_invariant(*rng.sample(SHARED, 2), annotated=annotated))
    model = explorer.Model(
        name=f"generated-{seed}", doc="a generated program", variants=(("only", ""),),
        build=lambda variant, scenario: build_world(programs), main=spawn_all,
        invariants=tuple(invariants), footprints=True)
    return Generated(seed, model, programs)


def _program(rng: random.Random, me: int, size: int, timers: bool) -> list[Op]:
    ops: list[Op] = []
    for _ in range(size):
        ops.extend(_op(rng, me, timers, nested=False))
    return ops


def _op(rng: random.Random, me: int, timers: bool, nested: bool) -> list[Op]:
    var = rng.choice(SHARED)
    roll = rng.random()
    if roll < 0.3:
        return [("read", var), ("write", var)]
    if roll < 0.45:
        return [("incr", var)]
    if roll < 0.6:
        return [("incr", f"p{me}")]
    if roll < 0.75 and not nested:
        inner = _op(rng, me, timers, nested=True)
        if rng.random() < 0.3:  # nested locks, in either order: a possible deadlock
            first, second = rng.sample(LOCKS, 2)
            return [("locked", first, (("locked", second, tuple(inner)),))]
        return [("locked", rng.choice(LOCKS), tuple(inner))]
    if roll < 0.82:
        return [("set", "E")]
    if roll < 0.9:
        timeout = rng.choice((None, 1.0, 2.0)) if timers else None
        return [("wait", "E", timeout)]
    if timers:
        return [("sleep", rng.choice((1.0, 2.0)))]
    return [("read", var)]


# ----- outcomes and brute force ---------------------------------------------------------


def outcome_key(outcome: Outcome) -> tuple[str, str | None, str]:
    return (outcome.kind.value, outcome.invariant, outcome.message)


@attrs.frozen
class Enumerated:
    """Per bound: the distinct outcomes first seen there, and the schedules run."""

    outcomes: dict[int, frozenset[tuple[str, str | None, str]]]
    schedules: dict[int, int]
    choices: dict[int, tuple[tuple[int, ...], ...]]

    def seen_up_to(self, bound: int) -> frozenset[tuple[str, str | None, str]]:
        return frozenset().union(*(o for b, o in self.outcomes.items() if b <= bound))

    def minimal_failing_bound(self) -> int | None:
        return next((b for b, o in sorted(self.outcomes.items())
                     if any(kind != OutcomeKind.PASS.value for kind, _, _ in o)), None)


def enumerate_bounded(model: explorer.Model, variant: str, preemptions: int, *,
                      reduction: bool, settings: Settings | None = None,
                      scenario: Any = None, budget: int = 200_000) -> Enumerated:
    runs = BoundedRuns(model, variant, scenario, preemptions=preemptions, budget=budget,
                       reduction=reduction, settings=settings)
    outcomes: dict[int, set[tuple[str, str | None, str]]] = {}
    choices: dict[int, list[tuple[int, ...]]] = {}
    for bound, result in runs:
        outcomes.setdefault(bound, set()).add(outcome_key(result.outcome))
        choices.setdefault(bound, []).append(result.choices)
    assert runs.complete, f"budget {budget} too small"
    return Enumerated({b: frozenset(o) for b, o in outcomes.items()}, dict(runs.counts),
                      {b: tuple(c) for b, c in choices.items()})


class _Recorder(ChoiceSource):
    """Follows ``prefix``, then option 0; remembers what every decision offered."""

    def __init__(self, prefix: Sequence[int]) -> None:
        self.prefix = list(prefix)
        self.offered: list[tuple[int, bool, bool]] = []  # (count, continuing, last is timer)

    def choose(self, options: Sequence[int], step: int) -> int:
        k = len(self.offered)
        self.offered.append((len(options), bool(getattr(options, "continuing", False)),
                             options[-1] == TIMER))
        return self.prefix[k] if k < len(self.prefix) else 0


def choice_cost(index: int, count: int, continuing: bool, timer: bool) -> int:
    return int((timer and index == count - 1) or (continuing and index != 0))


def brute_force(model: explorer.Model, variant: str, preemptions: int,
                settings: Settings | None = None) -> dict[tuple[int, ...], int]:
    """Every choice sequence of cost at most ``preemptions`` and its cost, by plain recursion
    over prefixes (independent of the exhaustive source)."""
    found: dict[tuple[int, ...], int] = {}

    def go(prefix: list[int]) -> None:
        recorder = _Recorder(prefix)
        result = explorer.run(model, variant, None, recorder, settings)
        offered = recorder.offered
        costs = [choice_cost(c, *offered[k]) for k, c in enumerate(result.choices)]
        found[result.choices] = sum(costs)
        for depth in range(len(prefix), len(offered)):
            spent = sum(costs[:depth])
            for index in range(1, offered[depth][0]):
                if spent + choice_cost(index, *offered[depth]) <= preemptions:
                    go([*result.choices[:depth], index])

    go([])
    return found
