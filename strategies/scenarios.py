"""Scenarios for the IPC model: app lifecycle events, messages, backend events and faults.

Invariant: every scenario is plain JSON data in the vocabulary of ``models.ipc.environment``,
and shrinks toward the empty script (app start only) with no faults.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

Event = list[Any]

LIFECYCLE: tuple[Event, ...] = (["reload"], ["foreground"], ["idle"])
#: A reload split in two with another hook landing between OnDestroy and the next OnCreate.
SPLIT_RELOADS: tuple[list[Event], ...] = (
    [["destroy"], ["foreground"], ["create"]],
    [["destroy"], ["post"], ["create"]],
)
BACKEND: tuple[Event, ...] = (
    ["backend_event"],
    ["control", "started"],
    ["control", "ready"],
    ["control", "stopping"],
    ["control", "error"],
)
#: A backend crash and its restart, with the app left to notice in between: a crash that is
#: never followed by a restart makes every client retry its connect for 30 s, per instance.
FAULTS: tuple[list[Event], ...] = (
    [["crash_backend"], ["restart_backend"]],
    [["crash_backend"], ["idle"], ["restart_backend"]],
)


def _number_posts(events: list[Event]) -> list[Event]:
    """Give each ``post`` a distinct message text, in script order."""
    numbered: list[Event] = []
    for event in events:
        if event == ["post"]:
            event = ["post", f"m{sum(1 for e in numbered if e[0] == 'post') + 1}"]
        numbered.append(event)
    return numbered


def event_lists(*, max_events: int = 6, lifecycle: bool = True, messages: bool = True,
                backend: bool = True, faults: bool = False,
                only: tuple[str, ...] | None = None) -> st.SearchStrategy[list[Event]]:
    """Event scripts of up to ``max_events`` chunks; ``only`` keeps chunks starting with those."""
    pool: list[list[Event]] = []
    pool += [[e] for e in LIFECYCLE] + list(SPLIT_RELOADS) if lifecycle else []
    pool += [[["post"]]] if messages else []
    pool += [[e] for e in BACKEND] if backend else []
    pool += list(FAULTS) if faults else []
    if only is not None:
        pool = [chunk for chunk in pool if chunk[0][0] in only]
    chunks = st.lists(st.sampled_from(pool), max_size=max_events)
    return chunks.map(lambda cs: _number_posts([e for chunk in cs for e in chunk]))


def ipc_scenarios(*, max_events: int = 6, lifecycle: bool = True, messages: bool = True,
                  backend: bool = True, faults: bool = False,
                  teardown: bool | None = None,
                  only: tuple[str, ...] | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Scenarios: a short event script, an optional final teardown, and an optional late backend.

    ``teardown=None`` lets Hypothesis choose whether the script ends with a final teardown;
    ``only`` focuses the script on the named events (a search for one kind of race).
    """
    final = st.booleans() if teardown is None else st.just(teardown)
    late = st.booleans() if faults else st.just(False)
    return st.builds(
        _scenario,
        event_lists(max_events=max_events, lifecycle=lifecycle, messages=messages,
                    backend=backend, faults=faults, only=only),
        final,
        late,
    )


def _scenario(events: list[Event], teardown: bool, backend_late: bool) -> dict[str, Any]:
    script = [*events, ["teardown"]] if teardown else events
    return {"events": script, "backend_late": backend_late, "old_backend": False}


def reloads(count: int, *, teardown: bool = False) -> dict[str, Any]:
    """A fixed scenario: ``count`` JS reloads with an idle backend (the PR's device table)."""
    return _scenario([["reload"]] * count, teardown, False)


def send_then_close() -> st.SearchStrategy[dict[str, Any]]:
    """A connected app posts a message and is torn down at once: the send races the close."""
    ending = st.sampled_from([["reload"], ["teardown"]])
    return ending.map(lambda end: _scenario([["idle"], ["post", "m1"], end], False, False))
