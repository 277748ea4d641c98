"""The IPC searches: every client variant against every group of scenarios, as declarations.

Invariant: each (variant, group) pair is one search that checks *every* invariant of the
model; a group only focuses what the environment does. A search must find the races of its
group that the variant is known to have (``expect``), may find the variant's other known races
(``allow``), and fails on anything else.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from explorer import Search, Settings
from explorer.sources.hypothesis import Schedule, pct_schedules, schedules
from strategies.scenarios import ipc_scenarios, send_then_close

#: Scenario groups: what a reviewer looks at together, as the environment events that
#: exercise it (None: every event, faults included), and the invariants it is about.
GROUPS: dict[str, tuple[tuple[str, ...], tuple[str, ...] | None]] = {
    "fd_leak": (("no_fd_leak", "no_foreign_fd_use"), ("reload", "destroy", "idle", "post")),
    "peer_eof": (("peer_eof_before_next_connect",), ("reload", "idle", "post", "foreground")),
    "listeners": (("listeners_bounded_by_live_connections",), ("reload", "idle", "subscribe")),
    "dropped_send": (("every_post_delivered_or_failed",
                      "posts_delivered_once_in_order_in_their_session",
                      "failures_only_when_undeliverable"), ("post", "reload", "stall_backend")),
    "use_after_close": (("no_silent_use_after_close", "connect_keeps_its_promise"),
                        ("destroy", "reload", "idle", "foreground", "post")),
    "js_state": (("terminal_state_reaches_js", "js_state_matches_connection"),
                 ("idle", "control", "crash_backend", "post")),
    "teardown_hang": (("teardown_completes",), ("reload", "idle", "post", "backend_event")),
    "close_joins": (("close_leaves_nothing_running",), ("reload", "idle", "post")),
    "send_vs_close": (("no_close_under_inflight_write", "no_torn_frame"),
                      ("idle", "post", "reload")),
    "faults": (("no_unhandled_crash", "backend_events_reach_js"), None),
}

_RELOAD_LEAK = "OnDestroy's disconnect() never closes: the join waits on a blocking read"
_NO_SHUTDOWN = "close() without shutdown: the blocked read keeps the socket alive"
_CONNECT_RACE = "close() while connecting: the connect coroutine stores a socket nobody closes"
_DROPPED = "scope.cancel() before the channel drains: a queued postMessage vanishes"
_AFTER_CLOSE = "a hook after OnDestroy calls connect() on the closed instance: nothing happens"
_STOPPED = "close() cancels the state observer: JS never sees STOPPED"
_NO_JOIN = "close() returns while the client's coroutines still run (the PR's test gap)"
_TORN = "close() shuts the socket down between a frame's prefix and its body"
_TORN_NO_SHUTDOWN = ("close() closes the socket between a frame's prefix and its body while "
                     "the receive loop is between reads, so the release sends EOF mid-frame")
_SPIN = ("found by the explorer: a second connect() overwrites connectJob; the orphaned "
         "receive loop spins on a closed stream forever")
_FD_REUSE = ("found by the explorer: close() frees the fd number while the old receive loop "
             "is between reads; its next read lands on the socket that reused the number")
_CARRY_OVER = ("found by the explorer: the send channel outlives the connection, so a message "
               "queued for a session that ended before it was written goes out on the next "
               "connection, to servers that never saw its session")
_LATE_ERROR = ("found by the explorer: the module decides JS state under its lock but emits "
               "after releasing it, and the conflated state collector delivers samples late, "
               "so a stale connection state (STARTING, or a timed-out connect's ERROR) reaches "
               "JS after the ready frame's STARTED")

#: Findings that need the ``early`` timer policy (a timer firing while the backend could
#: still run, i.e. a backend that did not run for that long): reported, never required.
_EARLY_CONNECT = ("needs an early timer: the 30 s connect timeout fired while the backend "
                  "could still run; the client gave up on a backend that did not run for 30 s")
_EARLY_END = ("needs an early timer: close()'s 1 s bound on the graceful end fired while the "
              "backend could still run; a bounded close cannot wait for a backend that does "
              "not run, so it fails the messages it cannot prove read (or cuts the frame it "
              "was writing)")
EARLY_ONLY: dict[str, str] = {
    "violation:connect_keeps_its_promise": _EARLY_CONNECT,
    "violation:failures_only_when_undeliverable": _EARLY_END,
    "violation:no_torn_frame": _EARLY_END,
}

_ANDROID_CLOSE: dict[str, str] = {
    "violation:every_post_delivered_or_failed": _DROPPED,
    "violation:no_silent_use_after_close": _AFTER_CLOSE,
    "violation:terminal_state_reaches_js": _STOPPED,
    "violation:close_leaves_nothing_running": _NO_JOIN,
    "violation:no_foreign_fd_use": _FD_REUSE,
    "violation:js_state_matches_connection": _LATE_ERROR,
    "step-bound": _SPIN,
}

#: Known races by variant: finding key -> why. A search of that variant may find any of them.
KNOWN: dict[str, dict[str, str]] = {
    "pre_pr": {
        "violation:no_fd_leak": _RELOAD_LEAK,
        "violation:peer_eof_before_next_connect": _RELOAD_LEAK,
        "violation:listeners_bounded_by_live_connections": _RELOAD_LEAK,
        "violation:teardown_completes": "the reload deadlock: " + _RELOAD_LEAK,
        "violation:every_post_delivered_or_failed":
            _RELOAD_LEAK + "; the closed channel strands messages",
        "violation:terminal_state_reaches_js": "the stuck disconnect never reaches Disconnected",
        "violation:close_leaves_nothing_running":
            "OnDestroy returns before its disconnect coroutine runs",
        "violation:js_state_matches_connection": _LATE_ERROR,
        "violation:posts_delivered_once_in_order_in_their_session": _CARRY_OVER,
        "step-bound": _SPIN,
    },
    "close_no_shutdown": {
        **_ANDROID_CLOSE,
        "violation:no_fd_leak": _NO_SHUTDOWN,
        "violation:peer_eof_before_next_connect": _NO_SHUTDOWN,
        "violation:listeners_bounded_by_live_connections": _NO_SHUTDOWN,
        "violation:teardown_completes": _NO_SHUTDOWN,
        "violation:no_torn_frame": "found by the explorer: " + _TORN_NO_SHUTDOWN,
    },
    **{version: {
        **_ANDROID_CLOSE,
        "violation:no_fd_leak": _CONNECT_RACE,
        "violation:peer_eof_before_next_connect": _CONNECT_RACE,
        "violation:no_torn_frame": _TORN,
    } for version in ("pr_v1", "pr_v2")},
    "proposed": {},
    "ios": {
        "violation:peer_eof_before_next_connect":
            "found by the explorer on iOS: a reload connects before the backend has EOF",
        "violation:every_post_delivered_or_failed": "found by the explorer on iOS: pending "
                                                    "messages dropped at teardown while still "
                                                    "connecting",
        "violation:close_leaves_nothing_running": "found by the explorer on iOS: the connect "
                                                  "queue runs on after disconnect() returns",
        "violation:no_torn_frame": "found by the explorer on iOS: disconnect() shuts the socket "
                                   "down before draining the send queue, cutting a frame",
        "violation:js_state_matches_connection":
            "found by the explorer on iOS: the module registers onStateChange after the "
            "service's control client may already be STARTED, and nothing replays the state",
        "violation:posts_delivered_once_in_order_in_their_session":
            "found by the explorer on iOS: a message posted while connecting waits in the "
            "pending list, and one posted just after the connect overtakes it on the wire",
        "violation:connect_keeps_its_promise":
            "found by the explorer on iOS: a connect() that comes while the previous connect "
            "attempt is finishing is dropped, and nothing connects",
    },
}

#: (variant, group, key): a known race of the group that its budget does not find in every
#: seed; the search may report it but is not required to (measured by the reliability run).
NOT_REQUIRED: set[tuple[str, str, str]] = {
    *((v, "faults", "step-bound") for v in ("close_no_shutdown", "pr_v1", "pr_v2")),
    *((v, "fd_leak", "violation:no_foreign_fd_use") for v in ("pr_v1", "pr_v2")),
    *((v, "js_state", "violation:js_state_matches_connection") for v in ("pr_v1", "pr_v2")),
    ("ios", "dropped_send", "violation:posts_delivered_once_in_order_in_their_session"),
    ("ios", "use_after_close", "violation:connect_keeps_its_promise"),
    # found late in their budget at seed 0 (after more than a third of it)
    ("close_no_shutdown", "send_vs_close", "violation:no_torn_frame"),
    ("ios", "js_state", "violation:js_state_matches_connection"),
    ("pre_pr", "faults", "step-bound"),
    # found by pre_pr's fd_leak, peer_eof and faults searches at seed 0, not by this one
    ("pre_pr", "dropped_send", "violation:posts_delivered_once_in_order_in_their_session"),
}

#: Groups whose race needs a deeper search than the default budget.
EXAMPLES: dict[str | tuple[str, str], int] = {
    "send_vs_close": 1000, "fd_leak": 200, "faults": 400, "peer_eof": 400,
    ("ios", "send_vs_close"): 2000,
    ("close_no_shutdown", "send_vs_close"): 3000,
}

VARIANTS = ("pre_pr", "close_no_shutdown", "pr_v1", "pr_v2", "proposed", "ios")

#: ``pre_pr`` has no close(): nothing can be used after it or race it.
NOT_APPLICABLE = {("pre_pr", "use_after_close"), ("pre_pr", "send_vs_close")}


def _schedules(group: str) -> st.SearchStrategy[Schedule]:
    """A send racing a close needs two switches at exact places among many tasks: PCT alone
    finds it sooner than the mix."""
    return pct_schedules(depth=3) if group == "send_vs_close" else schedules()


def _scenarios(group: str, focus: tuple[str, ...] | None) -> st.SearchStrategy[Any]:
    if group == "send_vs_close":
        return send_then_close()  # the race is all in the schedule: one message, then close
    return ipc_scenarios(max_events=5, focus=focus)


def search(variant: str, group: str) -> Search:
    from models.ipc import MODEL

    checks, focus = GROUPS[group]
    known = {**EARLY_ONLY, **KNOWN[variant]}
    about = {f"violation:{c}" for c in checks} | ({"step-bound"} if group == "faults" else set())
    expect = {k: why for k, why in known.items() if k in about and k in KNOWN[variant]
              and (variant, group, k) not in NOT_REQUIRED}
    allow = {k: why for k, why in known.items() if k not in expect}
    return Search(
        MODEL, variant, name=f"{variant}-{group}",
        scenarios=_scenarios(group, focus), schedules=_schedules(group),
        max_examples=EXAMPLES.get((variant, group), EXAMPLES.get(group, 100)),
        settings=Settings(max_steps=20_000), expect=expect, allow=allow,
    )


def searches(platform: str) -> list[Search]:
    chosen = [v for v in VARIANTS if (v == "ios") == (platform == "ios")]
    return [search(variant, group) for variant in chosen for group in GROUPS
            if (variant, group) not in NOT_APPLICABLE]
