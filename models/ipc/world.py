"""The IPC world: one kernel, the app process with its module, the backend, what is observed.

Invariant: a ``World`` is built afresh from ``(variant, scenario)`` for every run and holds
everything the run touches; the accessors below only read it, so invariants and tests can
call them at any step without changing the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import attrs

import explorer
from models.ipc.android import ANDROID_VARIANTS, AndroidModule
from models.ipc.android.proposed import ProposedIPC
from models.ipc.backend import DEFAULT_EVENT, Backend, Connection, Listener
from models.ipc.ios import IOS_VARIANT, IOSModule
from models.ipc.observe import ClientRecord, Observations, Posted
from models.kernel import Kernel, SocketInfo

RPC_PATH = "files/comapeo.sock"
CONTROL_PATH = "files/control.sock"
#: Receive-buffer size per socket: small, so a few frames fill it and writers block.
BUFFER_SIZE = 256

VARIANTS: tuple[tuple[str, str], ...] = (*ANDROID_VARIANTS, IOS_VARIANT)

CONTROL_KINDS = ("started", "ready", "stopping", "error")
#: Each scenario event and the arguments it takes (see ``models.ipc.environment``).
EVENT_ARGS: dict[str, tuple[tuple[str, ...], ...]] = {
    "post": (("text",),), "reload": ((),), "teardown": ((),), "destroy": ((),),
    "create": ((),), "foreground": ((),),
    "backend_event": ((), ("text",)), "control": (("control",),), "crash_backend": ((),),
    "restart_backend": ((),), "idle": ((), ("seconds",)), "stall_backend": (("seconds",),),
    "subscribe": ((),),
}


def _fits(arg: Any, kind: str) -> bool:
    if kind == "text":
        return isinstance(arg, str)
    if kind == "control":
        return arg in CONTROL_KINDS
    return isinstance(arg, int | float) and not isinstance(arg, bool) and arg > 0


def check_event(event: Any) -> tuple[Any, ...]:
    """One scenario event as a tuple, or ``ValueError`` saying what is wrong with it."""
    if (not isinstance(event, list | tuple) or not event or not isinstance(event[0], str)
            or event[0] not in EVENT_ARGS):
        known = ", ".join(EVENT_ARGS)
        raise ValueError(f"unknown scenario event {event!r} (known: {known})")
    name, args = event[0], tuple(event[1:])
    shapes = EVENT_ARGS[name]
    if not any(len(args) == len(s) and all(map(_fits, args, s)) for s in shapes):
        wanted = " or ".join(f"[{', '.join((repr(name), *s))}]" for s in shapes)
        raise ValueError(f"scenario event {list(event)!r} should be {wanted}"
                         + (f" (control kinds: {', '.join(CONTROL_KINDS)})"
                            if name == "control" else ""))
    return (name, *args)


class Module(Protocol):
    """What the environment calls on the app's module (Android and iOS alike)."""

    async def on_create(self) -> None: ...
    async def on_destroy(self) -> None: ...
    async def on_foreground(self) -> None: ...
    async def post_message(self, text: str) -> None: ...


@attrs.frozen
class Scenario:
    """The environment's script: see ``models.ipc.environment`` for the event vocabulary."""

    events: tuple[tuple[Any, ...], ...]
    backend_late: bool = False
    old_backend: bool = False
    subscriptions: tuple[str, ...] = (DEFAULT_EVENT,)
    #: the JS bundle subscribes at every start (as the app does); else only at ``subscribe``
    auto_subscribe: bool = True

    @classmethod
    def parse(cls, data: Any) -> Scenario:
        """Read the plain-JSON scenario; ``ValueError`` names what is wrong with it."""
        if not isinstance(data, dict):
            raise ValueError(f"scenario must be an object, got {type(data).__name__}")
        unknown = sorted(set(data) - {"events", "backend_late", "old_backend", "subscriptions",
                                      "auto_subscribe"})
        if unknown:
            raise ValueError(f"scenario has unknown keys: {', '.join(unknown)}")
        events = data.get("events", [])
        if not isinstance(events, list | tuple):
            raise ValueError(f"scenario events must be a list, got {events!r}")
        subscriptions = data.get("subscriptions", [DEFAULT_EVENT])
        if not isinstance(subscriptions, list | tuple) or not all(
                isinstance(s, str) for s in subscriptions):
            raise ValueError(f"scenario subscriptions must be strings, got {subscriptions!r}")
        return cls(tuple(check_event(e) for e in events), _flag(data, "backend_late"),
                   _flag(data, "old_backend"), tuple(subscriptions),
                   _flag(data, "auto_subscribe", True))


def _flag(data: dict[str, Any], key: str, default: bool = False) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ValueError(f"scenario {key} must be true or false, got {value!r}")
    return value


@attrs.frozen
class Snapshot:
    """The backend's counts right after one scenario event, for tables and tests."""

    event: str
    time: float
    rpc_connections: int
    control_connections: int
    listeners: int


class World:
    """Everything one run of the ``ipc`` model touches, with read-only accessors."""

    def __init__(self, variant: str, scenario: Any,
                 client_class: type[ProposedIPC] | None = None) -> None:
        if client_class is None and variant not in dict(VARIANTS):
            raise ValueError(f"unknown ipc variant {variant!r}")
        self.client_class = client_class
        self.variant = variant
        self.scenario = Scenario.parse(scenario)
        self.platform = "ios" if variant == "ios" else "android"
        self.kernel = Kernel(buffer_size=BUFFER_SIZE)
        self.app = self.kernel.process("app")
        self.observations = Observations()
        self.backend = Backend(self.kernel, RPC_PATH, CONTROL_PATH,
                               old_backend=self.scenario.old_backend,
                               observations=self.observations)
        self.observations.session_of = self.session_of
        self.observations.orphan_of = self.orphan_connection_of
        self.observations.availability = self._undeliverable
        self.app.on_fd_call = self._app_fd_call
        self.module: Module = self._module()
        self.timeline: list[Snapshot] = []
        self.finished = False  # the environment ran its whole script

    def _module(self) -> Module:
        args = (self.variant, self.kernel, self.app, RPC_PATH, CONTROL_PATH, self.observations)
        if self.platform == "ios":
            return IOSModule(*args)
        if self.client_class is not None:
            return AndroidModule("proposed", *args[1:], client_class=self.client_class)
        return AndroidModule(*args)

    # ----- the backend ---------------------------------------------------------------------

    def live_connections(self, role: str) -> int:
        """Connections of ``role`` ("rpc" or "control") the live backend still holds open."""
        return len(self.backend.live_connections(role))

    def connections(self, role: str | None = None) -> tuple[Connection, ...]:
        """Every connection the backend ever accepted; each knows ``open``, ``closed``,
        ``cleaned_up`` (its close handlers ran), ``why`` it ended and its ``socket_id``."""
        return self.backend.connections(role)

    def listeners(self) -> tuple[Listener, ...]:
        """The live manager's listeners; each names the connection (number) it forwards to."""
        return self.backend.listeners()

    def listener_count(self) -> int:
        return self.backend.listener_count()

    @property
    def delivered(self) -> Sequence[str]:
        """Texts the backend received on RPC connections, in order (subscriptions included)."""
        return self.observations.delivered

    # ----- the app -------------------------------------------------------------------------

    def clients(self, role: str | None = None) -> tuple[ClientRecord, ...]:
        """Every client instance the app made, in creation order."""
        return tuple(c for c in self.observations.clients if role is None or c.role == role)

    def client_of(self, conn: Connection) -> ClientRecord | None:
        """The app's client instance at the other end of a backend connection."""
        peer = self.kernel.peer_of(conn.socket_id)
        if peer is None:
            return None
        return next((c for c in self.observations.clients if peer.id in c.sockets), None)

    def session_of(self, instance: int) -> int | None:
        """The number of the instance's open connection, or None: open on both sides, the
        backend not at EOF and the client still able to write (its socket not shut down)."""
        record = self.observations.clients[instance]
        for conn in reversed(self.connections(record.role)):
            if self.client_of(conn) is record:
                peer = self.kernel.peer_of(conn.socket_id)
                both = (conn.open and not conn.ending and peer is not None
                        and not peer.released and not peer.send_shutdown)
                return conn.number if both else None
        return None

    def orphan_connection_of(self, instance: int) -> int | None:
        """The instance's last connection if its backend end is gone while the client has
        neither released its end nor shut its output down (the backend died or dropped it,
        and the client may not have read the EOF yet), else None."""
        record = self.observations.clients[instance]
        for conn in reversed(self.connections(record.role)):
            if self.client_of(conn) is record:
                peer = self.kernel.peer_of(conn.socket_id)
                orphaned = (not conn.open and peer is not None and not peer.released
                            and not peer.shut_wr)
                return conn.number if orphaned else None
        return None

    def _undeliverable(self, posted: Posted) -> str | None:
        """Why the backend cannot take ``posted`` now: down, not reading, or the connection
        it belongs to (the one open when JS posted it, else the orphaned one it may have been
        queued on, else the next one) has ended."""
        session = posted.session
        if session is None and posted.orphaned_on is not None:
            # the client may still have queued it on that connection: failing it is excused
            # (delivering it on the next connection is in its session too, see Posted)
            return self.backend.unavailable(posted.orphaned_on)
        if session is None:
            record = self.observations.clients[posted.instance]
            later = [c.number for c in self.connections(record.role)
                     if c.seq > posted.seq and self.client_of(c) is record]
            if not later and any(seq > posted.seq for seq in self.backend.crashes):
                return "the backend it was connecting to went down before accepting it"
            session = later[0] if later else None
        return self.backend.unavailable(session)

    def _app_fd_call(self, call: str, fd: int, socket_id: int) -> None:
        """Note a client's syscall that reached a socket the client did not create."""
        record = self._acting_client()
        if record is None or socket_id in record.sockets:
            return
        label = self.kernel.socket_info(socket_id).label
        record.foreign_fds.append(f"{call} on fd {fd} reached socket {label}")

    def _acting_client(self) -> ClientRecord | None:
        task = explorer.current_task().name
        for record in self.observations.clients:
            prefix = f"{record.platform}/{record.role}#{record.instance}."
            if task.startswith(prefix):
                return record
        acting = self.observations.acting
        return self.observations.clients[acting[-1]] if acting else None

    def app_sockets(self) -> tuple[SocketInfo, ...]:
        """The app process's sockets not yet released (held by an fd or an in-flight call)."""
        return tuple(s for s in self.kernel.live_sockets() if s.pid == self.app.pid)

    def snapshot(self, event: str, time: float) -> None:
        self.timeline.append(Snapshot(event, time, self.live_connections("rpc"),
                                      self.live_connections("control"), self.listener_count()))


def build(variant: str, scenario: Any) -> World:
    return World(variant, scenario)
