"""What the IPC world records for invariants: plain counters and histories, nothing derived.

Invariant: the model only appends facts here as they happen; invariants read, never write.
"""

from __future__ import annotations

import attrs

from explorer import TaskHandle


@attrs.define
class ClientRecord:
    """One client instance (one ``NodeJSIPC`` object on Android, one on iOS)."""

    instance: int
    role: str  # "rpc" | "control"
    platform: str  # "android" | "ios"
    sockets: list[int] = attrs.Factory(list)  # kernel socket ids this instance created
    tasks: list[TaskHandle] = attrs.Factory(list)  # every coroutine/queue task of the instance
    destroyed: bool = False  # the module's OnDestroy tore it down (close() or disconnect() called)
    close_returned: bool = False  # a synchronous close()/disconnect() call on it has returned
    #: "task: label" of every step the instance's tasks took after its close returned
    after_close: list[str] = attrs.Factory(list)

    def live_tasks(self) -> list[TaskHandle]:
        return [t for t in self.tasks if not t.finished]


@attrs.define
class Posted:
    """One JS ``postMessage`` call: ``returned`` once the call returned to JS."""

    ident: int
    text: str
    instance: int
    returned: bool = False
    failed_visibly: bool = False  # an error reached the caller (exception or error callback)


@attrs.define
class Call:
    """A public call on a client instance (connect, sendMessage, close, disconnect)."""

    instance: int
    op: str
    on_closed_instance: bool  # the instance had already been closed when the call began
    raised: bool = False  # the call surfaced an error to its caller


@attrs.define
class Observations:
    clients: list[ClientRecord] = attrs.Factory(list)
    posted: list[Posted] = attrs.Factory(list)
    delivered: list[str] = attrs.Factory(list)  # message texts the backend received, in order
    calls: list[Call] = attrs.Factory(list)
    js_states: list[str] = attrs.Factory(list)  # JS-visible state history (after de-duplication)
    js_messages: list[str] = attrs.Factory(list)  # RPC messages forwarded to JS
    unhandled: list[str] = attrs.Factory(list)  # exceptions reaching a scope unhandled (a crash)
    notes: list[str] = attrs.Factory(list)  # anything else worth showing in a report

    def new_client(self, role: str, platform: str) -> ClientRecord:
        record = ClientRecord(len(self.clients), role, platform)
        self.clients.append(record)
        return record
