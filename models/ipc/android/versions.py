"""The versions of the Android client, as data: what each one changed.

Invariant: the versions differ only in what is written here (whether ``disconnect()`` shuts
the socket down first, the steps of ``close()`` in order, and what OnDestroy calls); every
other mechanism is shared, except ``proposed``, which is its own class.
"""

from __future__ import annotations

import attrs

#: Steps ``close()`` may take, in the order a version lists them.
CANCEL_SCOPE = "cancel scope"
CLOSE_CHANNEL = "close sendChannel"
SHUTDOWN = "shutdown socket"
CLOSE_ALL = "close streams and socket"
MARK_DISCONNECTED = "state Disconnected"


@attrs.frozen
class Version:
    name: str
    doc: str
    shutdown_in_disconnect: bool = False
    close_steps: tuple[str, ...] = ()  # empty: the version has no close()
    destroy_calls: str = "close"  # what OnDestroy calls on both clients

    @property
    def has_close(self) -> bool:
        return bool(self.close_steps)


VERSIONS: tuple[Version, ...] = (
    Version("pre_pr", "main before the PR: OnDestroy calls disconnect(); no close() exists",
            destroy_calls="disconnect"),
    Version("close_no_shutdown",
            "PR #51 (unmerged): close() cancels the scope, closes channel, streams and socket,"
            " no shutdown",
            close_steps=(CANCEL_SCOPE, CLOSE_CHANNEL, CLOSE_ALL)),
    Version("pr_v1",
            "the PR's first commit: close() cancels, closes the channel, shuts down, closes,"
            " and sets Disconnected last",
            close_steps=(CANCEL_SCOPE, CLOSE_CHANNEL, SHUTDOWN, CLOSE_ALL, MARK_DISCONNECTED)),
    Version("pr_v2",
            "the PR's second commit (main today): disconnect() shuts down before cancelAndJoin;"
            " close() sets Disconnected right after cancelling",
            shutdown_in_disconnect=True,
            close_steps=(CANCEL_SCOPE, MARK_DISCONNECTED, CLOSE_CHANNEL, SHUTDOWN, CLOSE_ALL)),
    Version("proposed",
            "the project's fix: one lock, per-connection sessions, close() drains, shuts down"
            " and joins every coroutine before it returns"),
)

ANDROID_VARIANTS: tuple[tuple[str, str], ...] = tuple((v.name, v.doc) for v in VERSIONS)


def version_named(name: str) -> Version:
    for version in VERSIONS:
        if version.name == name:
            return version
    known = ", ".join(v.name for v in VERSIONS)
    raise ValueError(f"unknown Android variant {name!r} (known: {known})")
