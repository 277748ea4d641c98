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
FAULTS: tuple[Event, ...] = (["crash_backend"], ["restart_backend"])


def _number_posts(events: list[Event]) -> list[Event]:
    """Give each ``post`` a distinct message text, in script order."""
    numbered: list[Event] = []
    for event in events:
        if event == ["post"]:
            event = ["post", f"m{sum(1 for e in numbered if e[0] == 'post') + 1}"]
        numbered.append(event)
    return numbered


def event_lists(*, max_events: int = 6, lifecycle: bool = True, messages: bool = True,
                backend: bool = True, faults: bool = False) -> st.SearchStrategy[list[Event]]:
    pool: list[list[Event]] = []
    pool += [[e] for e in LIFECYCLE] + list(SPLIT_RELOADS) if lifecycle else []
    pool += [[["post"]]] if messages else []
    pool += [[e] for e in BACKEND] if backend else []
    pool += [[e] for e in FAULTS] if faults else []
    chunks = st.lists(st.sampled_from(pool), max_size=max_events)
    return chunks.map(lambda cs: _number_posts([e for chunk in cs for e in chunk]))


def ipc_scenarios(*, max_events: int = 6, lifecycle: bool = True, messages: bool = True,
                  backend: bool = True, faults: bool = False,
                  teardown: bool | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Scenarios: a short event script, an optional final teardown, and an optional late backend.

    ``teardown=None`` lets Hypothesis choose whether the script ends with a final teardown.
    """
    final = st.booleans() if teardown is None else st.just(teardown)
    late = st.booleans() if faults else st.just(False)
    return st.builds(
        _scenario,
        event_lists(max_events=max_events, lifecycle=lifecycle, messages=messages,
                    backend=backend, faults=faults),
        final,
        late,
    )


def _scenario(events: list[Event], teardown: bool, backend_late: bool) -> dict[str, Any]:
    script = [*events, ["teardown"]] if teardown else events
    return {"events": script, "backend_late": backend_late, "old_backend": False}


def reloads(count: int, *, teardown: bool = False) -> dict[str, Any]:
    """A fixed scenario: ``count`` JS reloads with an idle backend (the PR's device table)."""
    return _scenario([["reload"]] * count, teardown, False)
