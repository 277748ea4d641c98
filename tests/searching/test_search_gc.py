"""A search keeps the cyclic collector off the heap that was there before it, and leaves the
collector exactly as it found it."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from explorer._gc import old_objects_frozen
from explorer.exploration import SearchSettings, explore
from models.litmus import lost_update


@pytest.fixture
def nothing_frozen() -> Iterator[None]:
    assert gc.isenabled() and gc.get_freeze_count() == 0
    yield
    gc.enable()
    gc.unfreeze()


@pytest.mark.usefixtures("nothing_frozen")
def test_the_old_heap_is_frozen_during_the_block_only() -> None:
    with old_objects_frozen():
        assert gc.get_freeze_count() > 0
    assert gc.get_freeze_count() == 0 and gc.isenabled()


@pytest.mark.usefixtures("nothing_frozen")
def test_the_heap_is_unfrozen_when_the_block_raises() -> None:
    with pytest.raises(KeyError), old_objects_frozen():
        raise KeyError("boom")
    assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("nothing_frozen")
def test_someone_elses_freeze_is_left_alone() -> None:
    gc.freeze()
    frozen = gc.get_freeze_count()
    with old_objects_frozen():
        pass
    assert gc.get_freeze_count() == frozen


@pytest.mark.usefixtures("nothing_frozen")
def test_a_disabled_collector_is_left_disabled_and_nothing_frozen() -> None:
    gc.disable()
    with old_objects_frozen():
        assert gc.get_freeze_count() == 0
    assert not gc.isenabled()


@pytest.mark.usefixtures("nothing_frozen")
def test_a_search_leaves_the_collector_as_it_found_it() -> None:
    seen: list[int] = []
    exploration = explore(lost_update.MODEL, "two",
                          settings=SearchSettings(max_examples=30, seed=3),
                          progress=lambda tally: seen.append(gc.get_freeze_count()))
    assert exploration.findings  # it shrank a finding inside the block too
    assert seen and all(count > 0 for count in seen)
    assert gc.get_freeze_count() == 0 and gc.isenabled()
