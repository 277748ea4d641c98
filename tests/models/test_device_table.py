"""The PR's device table, reproduced by the registered ``ipc`` model on the default schedule.

On the device, app start then five JS reloads with an idle backend showed the backend's RPC
connections and manager listeners climbing one per reload before the fix (``pre_pr``, and
``close_no_shutdown``, the unmerged plain close) and bounded at 1 after it (both commits of
the PR, the project's proposed fix, and iOS, whose ``disconnect()`` already shuts down).
The backend from before PR #86 leaks listeners whatever the client does. A malformed scenario
is refused with ``ValueError`` before anything runs.
"""

from __future__ import annotations

import re
from typing import Any

import attrs
import pytest

import explorer
from explorer import OutcomeKind
from explorer.sources import PrechosenChoices
from models.ipc import MODELS
from models.ipc.world import World

RELOADS = 5


def scenario(*, old_backend: bool = False) -> dict[str, Any]:
    return {"events": [["idle"]] + [["reload"], ["idle"]] * RELOADS,
            "backend_late": False, "old_backend": old_backend}


def ipc_model() -> explorer.Model:
    (model,) = [m for m in MODELS if m.name == "ipc"]
    return model


def counts_after_each_idle(variant: str, *, old_backend: bool = False,
                           ) -> tuple[list[int], list[int], World]:
    """(live RPC connections, manager listeners) once things settle after start and each reload."""
    worlds: list[World] = []
    model = ipc_model()

    def build(name: str, scenario: Any) -> World:
        world = model.build(name, scenario)
        assert isinstance(world, World)
        worlds.append(world)
        return world

    # The device table measures counts only; the invariants are the searches' business.
    result = explorer.run(attrs.evolve(model, build=build, invariants=()), variant,
                          scenario(old_backend=old_backend), PrechosenChoices([]))
    assert result.outcome.kind is OutcomeKind.PASS, result.outcome.headline()
    (world,) = worlds
    assert world.finished
    settled = [s for s in world.timeline if s.event == "idle"]
    assert len(settled) == RELOADS + 1
    return [s.rpc_connections for s in settled], [s.listeners for s in settled], world


@pytest.mark.parametrize("variant", ["pre_pr", "close_no_shutdown"])
def test_connections_and_listeners_climb_one_per_reload(variant: str) -> None:
    connections, listeners, _ = counts_after_each_idle(variant)
    assert connections == [1, 2, 3, 4, 5, 6]
    assert listeners == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("variant", ["pr_v1", "pr_v2", "proposed", "ios"])
def test_connections_and_listeners_stay_at_one(variant: str) -> None:
    connections, listeners, world = counts_after_each_idle(variant)
    assert connections == [1] * (RELOADS + 1)
    assert listeners == [1] * (RELOADS + 1)
    assert [c.cleaned_up for c in world.connections("rpc")] == [True] * RELOADS + [False]


def test_the_table_covers_every_variant() -> None:
    assert set(ipc_model().variant_names()) == {
        "pre_pr", "close_no_shutdown", "pr_v1", "pr_v2", "proposed", "ios"}


def test_before_pr_86_listeners_climb_even_with_the_fixed_client() -> None:
    connections, listeners, world = counts_after_each_idle("pr_v2", old_backend=True)
    assert connections == [1] * (RELOADS + 1)
    assert listeners == [1, 2, 3, 4, 5, 6]
    assert not any(c.cleaned_up for c in world.connections())


@pytest.mark.parametrize(("events", "complaint"), [
    ([["shake"]], "unknown scenario event"),
    ([["post"]], "should be ['post', text]"),
    ([["control", "paused"]], "control kinds"),
    ([["idle", -1]], "should be ['idle'] or ['idle', seconds]"),
])
def test_a_bad_scenario_is_the_callers_error(events: list[list[Any]], complaint: str) -> None:
    with pytest.raises(ValueError, match=re.escape(complaint)):
        explorer.run(ipc_model(), "ios", {"events": events}, PrechosenChoices([]))


def test_a_bad_scenario_key_is_the_callers_error() -> None:
    with pytest.raises(ValueError, match="unknown keys: late"):
        explorer.run(ipc_model(), "ios", {"events": [], "late": True}, PrechosenChoices([]))
