"""What the IPC world records for invariants: plain facts and histories, nothing derived.

Invariant: the model only appends facts here as they happen (each stamped with a sequence
number, so facts of different kinds can be ordered); invariants read, never write.
"""

from __future__ import annotations

from collections.abc import Callable

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
    #: "call on fd N reached socket #k" for every syscall of the instance that reached a socket
    #: it did not create (an fd number closed and reused under it)
    foreign_fds: list[str] = attrs.Factory(list)
    wanted: bool = False  # connect() or sendMessage() was called since the last disconnect
    wanted_seq: int = 0  # the fact number of that last call

    def live_tasks(self) -> list[TaskHandle]:
        return [t for t in self.tasks if not t.finished]


@attrs.define
class Posted:
    """One JS ``postMessage`` call: ``returned`` once the call returned to JS.

    ``session`` is the backend connection the message belongs to, as it was when JS posted
    it: the number of the instance's open connection, or None when it had none (then it
    belongs to the instance's next connection, accepted after fact ``seq``). ``orphaned_on``
    is, when it had none, its last connection if the backend end was gone while the client
    had not closed it: the client may not have read the EOF yet and still queue the message
    there, so failing it then is excused, as delivering it on the next connection is right.
    """

    ident: int
    text: str
    instance: int
    seq: int = 0
    session: int | None = None
    orphaned_on: int | None = None
    returned: bool = False
    failed_visibly: bool = False  # an error reached the caller (exception or error callback)
    #: why delivery was impossible when it failed (None: it was possible: the backend was
    #: alive, listening and reading, and the session's connection was open on its side)
    failure_excuse: str | None = None
    failure_seq: int = 0
    posted_to_destroyed: bool = False  # its client was torn down before JS posted it


@attrs.define
class Delivery:
    """The backend received ``text`` on RPC connection ``connection`` (fact ``seq``)."""

    text: str
    connection: int
    seq: int


@attrs.define
class Call:
    """A public call on a client instance (connect, sendMessage, close, disconnect)."""

    instance: int
    op: str
    on_closed_instance: bool  # the instance had already been closed when the call began
    raised: bool = False  # the call surfaced an error to its caller


#: Why delivering a post to the backend is impossible now, or None when it is possible.
Availability = Callable[["Posted"], str | None]


@attrs.define
class Observations:
    clients: list[ClientRecord] = attrs.Factory(list)
    posted: list[Posted] = attrs.Factory(list)
    deliveries: list[Delivery] = attrs.Factory(list)
    calls: list[Call] = attrs.Factory(list)
    js_states: list[str] = attrs.Factory(list)  # JS-visible state history (after de-duplication)
    js_messages: list[str] = attrs.Factory(list)  # RPC messages forwarded to JS
    unhandled: list[str] = attrs.Factory(list)  # exceptions reaching a scope unhandled (a crash)
    notes: list[str] = attrs.Factory(list)  # anything else worth showing in a report
    seq: int = 0
    #: The client instances whose public call is running on the calling thread (innermost
    #: last), so a syscall the module thread makes inside ``close()`` is the instance's.
    acting: list[int] = attrs.Factory(list)
    #: Set by the world: the open connection of an instance (its number), or None.
    session_of: Callable[[int], int | None] = lambda instance: None
    #: Set by the world: the instance's orphaned connection (backend end gone), or None.
    orphan_of: Callable[[int], int | None] = lambda instance: None
    #: Set by the world: why the backend cannot take this post now, or None.
    availability: Availability = lambda posted: None

    @property
    def delivered(self) -> list[str]:
        """Texts the backend received on RPC connections, in order."""
        return [d.text for d in self.deliveries]

    def tick(self) -> int:
        self.seq += 1
        return self.seq

    def new_client(self, role: str, platform: str) -> ClientRecord:
        record = ClientRecord(len(self.clients), role, platform)
        self.clients.append(record)
        return record

    def new_post(self, text: str, instance: int) -> Posted:
        """A postMessage call begins: record it with the session it belongs to."""
        session = None if instance < 0 else self.session_of(instance)
        posted = Posted(len(self.posted), text, instance, self.tick(), session)
        if session is None and instance >= 0:
            posted.orphaned_on = self.orphan_of(instance)
        posted.posted_to_destroyed = instance >= 0 and self.clients[instance].destroyed
        self.posted.append(posted)
        return posted

    def fail_visibly(self, posted: Posted) -> None:
        """The message's failure reached JS: note whether delivery was possible then."""
        if posted.failed_visibly:
            return
        posted.failed_visibly = True
        posted.failure_seq = self.tick()
        posted.failure_excuse = self._excuse(posted)

    def _excuse(self, posted: Posted) -> str | None:
        if posted.instance < 0:
            return "JS posted it when the module had no client"
        if posted.posted_to_destroyed:
            return "JS posted it to a client already torn down"
        return self.availability(posted)

    def deliver(self, text: str, connection: int) -> None:
        self.deliveries.append(Delivery(text, connection, self.tick()))
