"""The invariants of the IPC lifecycle: what a reviewer of the client's teardown would check.

Invariant: every check only reads the world (kernel, backend, observations); none changes it.
Each docstring says what a violation means for a user of the app.
"""

from __future__ import annotations

from collections import Counter

from explorer import Invariant, invariant
from models.ipc.backend import Connection
from models.ipc.observe import ClientRecord
from models.ipc.world import World


def _client_of(world: World, conn: Connection) -> ClientRecord | None:
    """The app's client instance at the other end of a backend connection."""
    peer = world.kernel.peer_of(conn.socket_id)
    if peer is None:
        return None
    for client in world.observations.clients:
        if peer.id in client.sockets:
            return client
    return None


def _eof_reached_backend(world: World, conn: Connection) -> bool:
    """The backend has closed this connection, or its socket has the client's FIN queued."""
    if not conn.open:
        return True
    info = world.kernel.socket_info(conn.socket_id)
    return info.released or info.peer_eof_queued


@invariant(at="quiescence")
def no_fd_leak(world: World) -> str | None:
    """Every socket of a torn-down client is released once the app is at rest.

    A violation is a file descriptor (and the backend connection behind it) that lives until
    the app process dies: one more per JS reload, as on the PR's device before the fix.
    """
    leaked = [
        f"{world.kernel.socket_info(sid).label} of {c.role}#{c.instance}"
        for c in world.observations.clients if c.destroyed
        for sid in c.sockets if not world.kernel.socket_info(sid).released
    ]
    return f"sockets never released: {', '.join(leaked)}" if leaked else None


@invariant(at="step")
def peer_eof_before_next_connect(world: World) -> str | None:
    """When the app connects again, the backend already has EOF (or a close) on the old socket.

    A violation means the backend briefly (or forever) serves two sessions of the same role:
    its per-connection cleanup has not run when the new session subscribes again.
    """
    for role in ("rpc", "control"):
        conns = world.connections(role)
        for old in conns[:-1]:
            if not _eof_reached_backend(world, old):
                newer = conns[-1]
                return (f"backend accepted {newer.name} while {old.name} "
                        f"(the previous {role} session) has no EOF")
    return None


@invariant(at="quiescence")
def listeners_bounded_by_live_connections(world: World) -> str | None:
    """At rest, every manager listener forwards to a live connection of a live client.

    A violation is a subscription left on the singleton manager by a torn-down JS context:
    events are emitted into a dead peer and listeners grow by one per reload.
    """
    by_number = {c.number: c for c in world.connections("rpc")}
    stale = []
    for listener in world.listeners():
        conn = by_number.get(listener.connection)
        client = None if conn is None else _client_of(world, conn)
        if conn is None or not conn.open or client is None or client.destroyed:
            stale.append(listener.connection)
    if stale:
        names = ", ".join(f"rpc-conn#{n}" for n in stale)
        total = world.listener_count()
        return f"{len(stale)} of {total} listeners forward to dead sessions: {names}"
    return None


@invariant(at="quiescence")
def no_dropped_send(world: World) -> str | None:
    """Every postMessage that returned to JS on a torn-down client was delivered or failed visibly.

    A violation is a message the app believes it sent that the backend never received, with no
    error anywhere: a lost RPC request whose promise never settles.
    """
    delivered = Counter(world.delivered)
    destroyed = {c.instance for c in world.observations.clients if c.destroyed}
    lost = []
    for post in world.observations.posted:
        if not post.returned or post.failed_visibly:
            continue
        if delivered[post.text] > 0:
            delivered[post.text] -= 1
        elif post.instance in destroyed:
            lost.append(post.text)
    return f"messages lost without an error: {', '.join(lost)}" if lost else None


@invariant(at="step")
def no_silent_use_after_close(world: World) -> str | None:
    """A call on a closed client raises (or is reported); it never silently does nothing.

    A violation is, for example, a foreground ``connect()`` on an instance that ``close()``
    already tore down: nothing connects, later messages vanish, and no error says why.
    """
    for call in world.observations.calls:
        if call.on_closed_instance and not call.raised:
            return f"{call.op} on closed instance #{call.instance} returned silently"
    return None


@invariant(at="quiescence")
def terminal_state_reaches_js(world: World) -> str | None:
    """After a final teardown (no new OnCreate) of the control client, JS's last state is STOPPED.

    A violation leaves JS consumers believing the backend is still STARTING/STARTED (or
    STOPPING) after the app tore the connection down.
    """
    if not _ends_torn_down(world) or not any(c.destroyed for c in world.clients("control")):
        return None  # the app is still running, or its control connection outlives OnDestroy
    states = world.observations.js_states
    last = states[-1] if states else "none"
    return None if last == "STOPPED" else f"JS state after final teardown is {last}, not STOPPED"


def _ends_torn_down(world: World) -> bool:
    """The script's last lifecycle event destroys the module and nothing creates it again."""
    lifecycle = [e[0] for e in world.scenario.events if e[0] in _LIFECYCLE]
    return bool(lifecycle) and lifecycle[-1] in ("teardown", "destroy")


_LIFECYCLE = ("teardown", "destroy", "create", "reload")


@invariant(at="quiescence")
def teardown_completes(world: World) -> str | None:
    """At rest, no task of a torn-down client is still alive (waiting in a join, a read, ...).

    A violation is a teardown that hangs: a disconnect stuck in ``cancelAndJoin`` behind a
    blocking read, or a receive loop parked forever on a socket nobody will wake.
    """
    stuck = [
        f"{t.name} ({t.waits_on or 'enabled'})"
        for c in world.observations.clients if c.destroyed
        for t in c.live_tasks()
    ]
    return f"teardown never finished: {'; '.join(stuck)}" if stuck else None


@invariant(at="step")
def close_leaves_nothing_running(world: World) -> str | None:
    """When a synchronous ``close()`` returns, no task of that client runs afterwards.

    A violation is the client-side teardown the PR's test never checked: a coroutine still
    unwinding (reading, writing, changing state) after ``close()`` told the caller it was done.
    """
    for client in world.observations.clients:
        if client.after_close:
            first = client.after_close[0]
            return f"{client.role}#{client.instance} ran after close() returned: {first}"
    return None


@invariant(at="step")
def no_close_under_inflight_write(world: World) -> str | None:
    """The app never closes a socket's last fd while another thread is inside a write on it.

    A violation is the in-flight send racing a stream close: the write may complete into a
    socket the app already considers closed, or fail with an error nobody expects.
    """
    for info in world.app_sockets():
        if info.writes_inflight and not info.fds:
            return f"socket {info.label} closed while a write on it is still in flight"
    return None


@invariant(at="step")
def no_torn_frame(world: World) -> str | None:
    """The backend never reads a frame cut off by the app: a send half done when it was closed.

    A violation is the send loop racing the stream's close: the length prefix went out, the
    body did not, and the backend drops the connection with a framing error.
    """
    for conn in world.connections():
        if conn.why.startswith("framing error"):
            return f"backend {conn.name} ended with a {conn.why}"
    return None


@invariant(at="step")
def no_unhandled_crash(world: World) -> str | None:
    """No exception reaches a coroutine scope unhandled (on Android that crashes the app)."""
    if world.observations.unhandled:
        return f"unhandled: {world.observations.unhandled[0]}"
    return None


INVARIANTS: tuple[Invariant, ...] = (
    no_fd_leak,
    peer_eof_before_next_connect,
    listeners_bounded_by_live_connections,
    no_dropped_send,
    no_silent_use_after_close,
    terminal_state_reaches_js,
    teardown_completes,
    close_leaves_nothing_running,
    no_close_under_inflight_write,
    no_torn_frame,
    no_unhandled_crash,
)
