"""The IPC searches: every client variant against every invariant group, as data.

Invariant: each (variant, group) pair is searched exactly once, and a pair is expected to fail
only where a known race (from the PR's review, or found by the explorer and written up) lives.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from explorer.records import Settings
from explorer.registry import get_model
from explorer.searching import SearchSpec
from strategies.scenarios import ipc_scenarios

#: Invariant groups: what a reviewer checks together. A crash is a finding in every group.
GROUPS: dict[str, tuple[str, ...]] = {
    "fd_leak": ("no_fd_leak",),
    "peer_eof": ("peer_eof_before_next_connect",),
    "listeners": ("listeners_bounded_by_live_connections",),
    "dropped_send": ("no_dropped_send",),
    "use_after_close": ("no_silent_use_after_close",),
    "stopped_state": ("terminal_state_reaches_js",),
    "teardown_hang": ("teardown_completes",),
    "close_joins": ("close_leaves_nothing_running",),
    "send_vs_close": ("no_close_under_inflight_write",),
    "crash": ("no_unhandled_crash",),
}

#: Known races: (variant, group) -> why. Everything else must come out clean.
KNOWN: dict[tuple[str, str], str] = {}

VARIANTS = ("pre_pr", "close_no_shutdown", "pr_v1", "pr_v2", "proposed", "ios")


def _scenarios() -> st.SearchStrategy[Any]:
    return ipc_scenarios(max_events=5, faults=False)


def spec(variant: str, group: str) -> SearchSpec:
    invariants = (*GROUPS[group], "no_unhandled_crash") if group != "crash" else GROUPS[group]
    why = KNOWN.get((variant, group), "")
    expect = tuple(f"violation:{name}" for name in GROUPS[group]) if why else ()
    return SearchSpec(
        name=f"{variant}-{group}",
        model=get_model("ipc"),
        variant=variant,
        invariants=invariants,
        scenarios=_scenarios(),
        expect=expect,
        why=why,
        settings=Settings(max_steps=20_000),
    )


def specs(platform: str) -> list[SearchSpec]:
    chosen = [v for v in VARIANTS if (v == "ios") == (platform == "ios")]
    return [spec(variant, group) for variant in chosen for group in GROUPS]
