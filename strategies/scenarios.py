"""Scenarios for the IPC model: everything the app, the OS and the backend can do.

Invariant: every scenario is plain JSON data in the vocabulary of ``models.ipc.environment``;
every strategy can draw every kind of event (a focus only makes some kinds likelier, it never
rules one out), and scenarios shrink toward the empty script (app start only). Draws go through
``explorer.draws``, so what a seed draws does not depend on which modules are imported.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from explorer import draws

Event = list[Any]
Chunk = tuple[Event, ...]

#: Seconds a backend stays down that outlast the clients' 30 s connect budget.
PAST_CONNECT_BUDGET = 31.0

LIFECYCLE: tuple[Chunk, ...] = (
    (["reload"],), (["foreground"],), (["idle"],),
    # A reload split in two, with another hook landing between OnDestroy and OnCreate.
    (["destroy"], ["foreground"], ["create"]),
    (["destroy"], ["post"], ["create"]),
    (["destroy"], ["subscribe"], ["create"]),
    # OnDestroy delivered twice (a repeated teardown call).
    (["destroy"], ["destroy"], ["create"]),
)
MESSAGES: tuple[Chunk, ...] = ((["post"],), (["subscribe"],), (["foreground"], ["subscribe"]))
BACKEND: tuple[Chunk, ...] = (
    (["backend_event"],),
    (["control", "started"],), (["control", "ready"],),
    (["control", "stopping"],), (["control", "error"],),
)
FAULTS: tuple[Chunk, ...] = (
    # A crash and its restart, with the app left to notice in between.
    (["crash_backend"], ["restart_backend"]),
    (["crash_backend"], ["idle"], ["restart_backend"]),
    # A backend that stays down past the connect budget, then comes back.
    (["crash_backend"], ["idle", PAST_CONNECT_BUDGET], ["restart_backend"]),
    # A backend that stops reading for a while: shorter and longer than close()'s bounds.
    (["stall_backend", 0.5],), (["stall_backend", 5.0],),
)
ALL: tuple[Chunk, ...] = (*LIFECYCLE, *MESSAGES, *BACKEND, *FAULTS)

#: Chunks of a focus are this many times likelier than the others.
FOCUS_WEIGHT = 4


def _first_word(chunk: Chunk) -> str:
    return str(chunk[0][0])


def _pool(focus: tuple[str, ...] | None) -> tuple[Chunk, ...]:
    """Every chunk; the focused ones (by their first event's name) repeated."""
    if focus is None:
        return ALL
    weighted: list[Chunk] = []
    for chunk in ALL:
        weighted += [chunk] * (FOCUS_WEIGHT if _first_word(chunk) in focus else 1)
    return tuple(weighted)


def _number_posts(events: list[Event]) -> list[Event]:
    """Give each ``post`` a distinct message text, in script order."""
    numbered: list[Event] = []
    for event in events:
        if event == ["post"]:
            event = ["post", f"m{sum(1 for e in numbered if e[0] == 'post') + 1}"]
        numbered.append(event)
    return numbered


def event_lists(*, max_events: int = 6,
                focus: tuple[str, ...] | None = None) -> st.SearchStrategy[list[Event]]:
    """Event scripts of up to ``max_events`` chunks."""
    chunks = draws.lists(draws.sampled_from(_pool(focus)), max_size=max_events)
    return chunks.map(lambda cs: _number_posts([list(e) for chunk in cs for e in chunk]))


def ipc_scenarios(*, max_events: int = 6,
                  focus: tuple[str, ...] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Scenarios: an event script, maybe a final teardown, maybe a late backend, and the JS
    bundle's start-up subscription present (three times in four) or absent."""
    return st.builds(_scenario, event_lists(max_events=max_events, focus=focus),
                     draws.sampled_from((False, True)), draws.sampled_from((False, True)),
                     draws.sampled_from((True, True, True, False)))


def _scenario(events: list[Event], teardown: bool, backend_late: bool,
              auto_subscribe: bool = True) -> dict[str, Any]:
    script = [*events, ["teardown"]] if teardown else events
    scenario: dict[str, Any] = {"events": script, "backend_late": backend_late,
                                "old_backend": False}
    if not auto_subscribe:
        scenario["auto_subscribe"] = False
    return scenario


def reloads(count: int, *, teardown: bool = False) -> dict[str, Any]:
    """A fixed scenario: ``count`` JS reloads with an idle backend (the PR's device table)."""
    return _scenario([["reload"]] * count, teardown, False)


def send_then_close(*, max_extra: int = 2) -> st.SearchStrategy[dict[str, Any]]:
    """A connected app posts a message and is torn down soon after: the send races the close;
    a few other events of any kind may come between."""
    ending = draws.sampled_from((["reload"], ["teardown"]))
    extra = event_lists(max_events=max_extra)
    return st.builds(lambda end, more: _scenario(
        [["idle"], ["post", "m1"], *[e for e in more if e[0] != "post"], end], False, False),
        ending, extra)
