"""A search runs its whole budget and reports every distinct finding, each shrunk; one run
records every invariant it breaks; a livelock hides nothing."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import explorer
from explorer.exploration import SearchSettings, explore
from explorer.records import OutcomeKind, Settings
from explorer.sources import PrechosenChoices
from models.litmus import lost_update


@attrs.define
class Shared:
    value: int = 0
    seen: list[str] = attrs.Factory(list)


async def writer(world: Shared, name: str) -> None:
    await explorer.point("read", touches="value")
    seen = world.value
    await explorer.point("write", touches="value")
    world.value = seen + 1
    world.seen.append(name)


async def two_writers(world: Shared) -> None:
    handles = [explorer.spawn(writer, world, n, name=f"w/{n}") for n in "ab"]
    for handle in handles:
        await handle.join()


@explorer.invariant(at="step")
def b_never_first(world: Shared) -> str | None:
    """b finished first (a step invariant that breaks early in some runs)."""
    return "b finished first" if world.seen[:1] == ["b"] else None


@explorer.invariant(at="quiescence")
def no_lost_update(world: Shared) -> str | None:
    """Both increments counted."""
    return None if world.value == 2 else f"value {world.value} after 2 increments"


TWO = explorer.Model("test.two-invariants", "", (("v", ""),), lambda v, s: Shared(),
                     two_writers, (b_never_first, no_lost_update))


def test_one_run_records_every_invariant_it_breaks() -> None:
    # b runs first (free switch at main's join), is preempted between read and write by a,
    # which finishes; b then writes the stale value: b_never_first does not hold (b... a first
    # here), so find a schedule breaking both by trying a few.
    collect = Settings(stop_on=())
    both = None
    for choices in ([1, 1], [1, 0, 1], [1, 1, 0, 1], [0, 1, 1]):
        result = explorer.run(TWO, "v", None, PrechosenChoices(choices), collect)
        if len(result.keys) == 2:
            both = result
            break
    assert both is not None
    assert set(both.keys) == {"violation:b_never_first", "violation:no_lost_update"}
    stopped = explorer.run(TWO, "v", None, PrechosenChoices(choices), Settings())
    assert stopped.keys == (both.keys[0],)  # the default: the first violation ends the run


def test_a_search_reports_every_distinct_finding_and_runs_its_whole_budget() -> None:
    exploration = explore(TWO, "v", settings=SearchSettings(max_examples=300, seed=4))
    assert exploration.examples == 300
    assert set(exploration.keys) == {"violation:b_never_first", "violation:no_lost_update"}
    for finding in exploration.findings:
        # Each finding's own trace ends at its violation and is shrunk.
        assert finding.trace.outcome.key == finding.key
        assert finding.stats.final_steps <= finding.stats.first_steps
        assert finding.trace.settings.stop_on is not None


async def spin_and_lose(world: Shared) -> None:
    async def spinner() -> None:
        while True:
            await explorer.point("spin")

    explorer.spawn(spinner, name="spinner/s", daemon=True)
    await two_writers(world)


SPINNING = explorer.Model("test.spin-and-lose", "", (("v", ""),), lambda v, s: Shared(),
                          spin_and_lose, (no_lost_update,))


def test_a_livelock_does_not_hide_the_other_findings_of_its_search() -> None:
    # Every run ends at the step bound (the spinner never stops), yet the lost update that
    # happens first in some runs is recorded too.
    settings = SearchSettings(max_examples=150, seed=1, run=Settings(max_steps=300))
    exploration = explore(SPINNING, "v", settings=settings)
    assert "step-bound" in exploration.keys


def test_the_same_seed_gives_the_same_exploration() -> None:
    first = explore(lost_update.MODEL, "three", settings=SearchSettings(max_examples=200, seed=9))
    again = explore(lost_update.MODEL, "three", settings=SearchSettings(max_examples=200, seed=9))
    assert first == again
    assert [f.trace for f in first.findings] == [f.trace for f in again.findings]


def test_a_search_refuses_to_run_inside_a_trio_loop() -> None:
    trio = pytest.importorskip("trio")

    async def inside() -> Any:
        return explore(lost_update.MODEL, "three", settings=SearchSettings(max_examples=5))

    with pytest.raises(explorer.UserError, match="inside a running Trio loop"):
        trio.run(inside)


def test_findings_are_kept_in_the_database_with_their_discovery_figures() -> None:
    from hypothesis.database import InMemoryExampleDatabase

    db = InMemoryExampleDatabase()
    first = explore(lost_update.MODEL, "three", settings=SearchSettings(max_examples=100,
                                                                        database=db))
    assert first.findings and not first.findings[0].from_database
    again = explore(lost_update.MODEL, "three", settings=SearchSettings(max_examples=20,
                                                                        database=db))
    found = {f.key: f for f in again.findings}
    kept = found[first.findings[0].key]
    assert kept.from_database
    assert (kept.stats.examples_to_first_failure
            == first.findings[0].stats.examples_to_first_failure)


def test_a_step_invariant_that_returns_true_is_a_crash_saying_so() -> None:
    @explorer.invariant(at="step")
    def sloppy(world: Any) -> str | None:
        """Returns True: a user error the engine names."""
        return True  # type: ignore[return-value]

    async def main(world: Any) -> None:
        await explorer.point("p")

    model = explorer.Model("test.sloppy", "", (("v", ""),), lambda v, s: None, main, (sloppy,))
    outcome = explorer.run(model, "v", None, PrechosenChoices(())).outcome
    assert outcome.kind is OutcomeKind.CRASH
    assert "returned True" in outcome.message


def test_examples_to_first_counts_the_examples_explore_runs() -> None:
    """Measuring stops at the first example that makes the finding; it is the example at which
    the whole search first made it."""
    from explorer.exploration import examples_to_first

    settings = SearchSettings(max_examples=60, seed=3)
    key = "violation:no_lost_update"
    exploration = explore(lost_update.MODEL, "three", settings=settings)
    (finding,) = [f for f in exploration.findings if f.key == key]
    first = examples_to_first(lost_update.MODEL, "three", key, settings=settings)
    assert first == finding.stats.examples_to_first_failure
    assert examples_to_first(lost_update.MODEL, "locked", key, settings=settings) is None


def test_shrinking_only_some_keys_gives_the_same_finding_for_them() -> None:
    settings = SearchSettings(max_examples=300, seed=4)
    every = explore(TWO, "v", settings=settings)
    assert len(every.keys) >= 2
    key = every.keys[-1]
    one = explore(TWO, "v", settings=settings, shrink=lambda k: k == key)
    assert one.keys == (key,)
    assert sorted(one.unshrunk) == sorted(k for k in every.keys if k != key)
    assert one.findings[0].trace == every.findings[-1].trace
