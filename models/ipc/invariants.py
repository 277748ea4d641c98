"""The invariants of the IPC lifecycle, each what a caller of the clients may rely on.

Derived from the contracts in the notes on the system (``ipc-system.md``: §2 the Android client
and its public methods, §3 the module and JS state, §4 iOS, §5 the backend, §6 the kernel), not
from the known bugs: for every public method and every event the app, the OS or the backend can
produce, what JS may rely on afterwards, what the backend may rely on, and what must be true of
a client instance once it is torn down. Invariant: every check only reads the world.
"""

from __future__ import annotations

from explorer import Invariant, invariant
from models.ipc.backend import Connection
from models.ipc.delivery import match
from models.ipc.framing import frame_type
from models.ipc.observe import ClientRecord
from models.ipc.world import World

# ----- what the backend may rely on (§5) -------------------------------------------------


def _eof_reached_backend(world: World, conn: Connection) -> bool:
    """The backend has closed this connection, or its socket has the client's FIN queued."""
    if not conn.open:
        return True
    info = world.kernel.socket_info(conn.socket_id)
    return info.released or info.peer_eof_queued


@invariant(at="step")
def peer_eof_before_next_connect(world: World) -> str | None:
    """When the app connects again, the backend already has EOF (or a close) on the old socket.

    §5: the backend cleans a connection up on the client's FIN. A violation means it briefly (or
    forever) serves two sessions of the same role: the old session's cleanup has not run when
    the new one subscribes again.
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

    §5: each subscription adds a listener to the one shared manager, removed by the
    connection's cleanup. A violation is a subscription left behind by a torn-down JS context:
    events are emitted into a dead peer and listeners grow by one per reload.
    """
    by_number = {c.number: c for c in world.connections("rpc")}
    stale = []
    for listener in world.listeners():
        conn = by_number.get(listener.connection)
        client = None if conn is None else world.client_of(conn)
        if conn is None or not conn.open or client is None or client.destroyed:
            stale.append(listener.connection)
    if stale:
        names = ", ".join(f"rpc-conn#{n}" for n in stale)
        count = world.listener_count()
        return f"{len(stale)} of {count} listeners forward to dead sessions: {names}"
    return None


@invariant(at="step")
def no_torn_frame(world: World) -> str | None:
    """The backend never reads a frame the app cut off while the backend was reading.

    §2 and §5: frames are a length and a body, and a frame cut off by EOF is a framing error,
    which drops the connection. A client may abandon a frame only when the backend stopped
    reading for longer than the client can wait (its event loop was busy when the FIN came).
    """
    for conn in world.connections():
        if conn.why.startswith("framing error") and not conn.cut_while_stalled:
            return f"backend {conn.name} ended with a {conn.why}"
    return None


# ----- what JS may rely on: its messages (§2 sendMessage, §3 postMessage) ---------------------


@invariant(at="quiescence")
def every_post_delivered_or_failed(world: World) -> str | None:
    """Every ``postMessage`` that returned to JS was delivered to the backend, in the session
    it was posted to, or failed visibly (an exception or an error event) — for live clients as
    much as for torn-down ones.

    §2: ``sendMessage`` hands the message to a channel and returns. A violation is a message the
    app believes it sent that the backend never received, with no error anywhere: a request
    whose promise never settles.
    """
    matched = match(world).matched
    lost = [p.text for p in world.observations.posted
            if p.returned and not p.failed_visibly and p.ident not in matched]
    return f"messages neither delivered nor failed: {', '.join(lost)}" if lost else None


@invariant(at="step")
def posts_delivered_once_in_order_in_their_session(world: World) -> str | None:
    """Each message reaches the backend at most once, in the order JS posted it, on the
    connection of the session it was posted to (the one open then, or the next one).

    §2 and §5: every connection has its own RPC servers and subscriptions; a message replayed
    on a later connection reaches servers that never saw the session it belonged to, and one
    delivered twice or out of order is a request JS did not make.
    """
    mismatches = match(world).mismatches
    if mismatches:
        first = mismatches[0]
        return f"{first.text!r} arrived on rpc-conn#{first.connection} {first.why}"
    return None


@invariant(at="step")
def failures_only_when_undeliverable(world: World) -> str | None:
    """A message fails visibly only when delivery was impossible: the backend was down, not
    listening, not reading, or the message's connection had ended on its side.

    §2 and §3: failing a message is how a client keeps its promise when it cannot deliver. A
    violation is a failure taken as a shortcut while the backend was alive and reading.
    """
    for post in world.observations.posted:
        if post.failed_visibly and post.failure_excuse is None:
            return (f"{post.text!r} failed visibly while the backend was up and reading its "
                    "session: delivery was possible")
    return None


# ----- what JS may rely on: its state (§3) ---------------------------------------------------


def _ends_torn_down(world: World) -> bool:
    """The script's last lifecycle event destroys the module and nothing creates it again."""
    lifecycle = [e[0] for e in world.scenario.events if e[0] in _LIFECYCLE]
    return bool(lifecycle) and lifecycle[-1] in ("teardown", "destroy")


_LIFECYCLE = ("teardown", "destroy", "create", "reload")


@invariant(at="quiescence")
def terminal_state_reaches_js(world: World) -> str | None:
    """After a final teardown (no new OnCreate) of the control client, JS's last state is STOPPED.

    §3 and §7: a violation leaves JS consumers believing the backend is still STARTING/STARTED
    (or STOPPING) after the app tore the connection down.
    """
    if not _ends_torn_down(world) or not any(c.destroyed for c in world.clients("control")):
        return None  # the app is still running, or its control connection outlives OnDestroy
    states = world.observations.js_states
    last = states[-1] if states else "none"
    return None if last == "STOPPED" else f"JS state after final teardown is {last}, not STOPPED"


_FRAME_STATES = {"started": "STARTING", "ready": "STARTED", "stopping": "STOPPING",
                 "error": "ERROR"}


def _control_client(world: World) -> ClientRecord | None:
    clients = [c for c in world.clients("control") if not c.destroyed]
    return clients[-1] if clients else None


@invariant(at="quiescence")
def js_state_matches_connection(world: World) -> str | None:
    """At rest, while the app runs, JS's state says what the control connection says: the
    state of the last control frame on a live connection; and (Android, §3) never STARTING or
    STARTED once that connection is gone.

    §3: JS state comes from control frames and from the control client's connection states. A
    violation is JS believing the backend is ready when it is gone, or never told it is ready.
    """
    control = _control_client(world)
    if control is None or _ends_torn_down(world):
        return None
    states = world.observations.js_states
    last = states[-1] if states else "STOPPED"
    number = world.session_of(control.instance)
    if number is None:
        if control.platform == "android" and last in ("STARTING", "STARTED"):
            return f"JS was told {last}, but the control connection is gone"
        return None
    conn = next(c for c in world.connections("control") if c.number == number)
    frames = [frame_type(text) for text in conn.written]
    told = [_FRAME_STATES[f] for f in frames if f in _FRAME_STATES]
    if told and last != told[-1]:
        return (f"JS was told {last}, but the last control frame on the live connection "
                f"said {told[-1]}")
    return None


# ----- what callers of the public methods may rely on (§2, §4) -------------------------------


@invariant(at="step")
def no_silent_use_after_close(world: World) -> str | None:
    """A call on a closed client raises (or is reported); it never silently does nothing.

    §2 close() is terminal. A violation is, for example, a foreground ``connect()`` on an
    instance that ``close()`` already tore down: nothing connects, later messages vanish, and
    no error says why. A second ``close()`` is exempt: ``java.io.Closeable`` says closing a
    closed object has no effect.
    """
    for call in world.observations.calls:
        if call.on_closed_instance and not call.raised and call.op != "close":
            return f"{call.op} on closed instance #{call.instance} returned silently"
    return None


@invariant(at="quiescence")
def connect_keeps_its_promise(world: World) -> str | None:
    """After ``connect()`` (or ``sendMessage``, which connects) on a live client, while the
    backend stays up, the client connects.

    §2 connect(): connect with retry within a 30 s budget. A violation is a client that was
    asked to connect, had a backend up all along, and has no connection at rest and made none.
    """
    if world.backend.unavailable() is not None:
        return None
    for client in world.observations.clients:
        if client.destroyed or not client.wanted:
            continue
        if any(seq > client.wanted_seq for seq in world.backend.outages):
            continue
        made = [c for c in world.connections(client.role)
                if c.seq > client.wanted_seq and world.client_of(c) is client]
        if not made and world.session_of(client.instance) is None:
            return (f"{client.role}#{client.instance} was asked to connect and the backend was "
                    "up, but it has no connection")
    return None


@invariant(at="quiescence")
def backend_events_reach_js(world: World) -> str | None:
    """At rest, every message the backend wrote to a live RPC client's open connection (events
    for its subscriptions, responses) reached JS.

    §2 the receive loop forwards each frame to ``onMessage``; §5 the backend writes events to
    every live connection. A violation is a client connected but deaf.
    """
    received = list(world.observations.js_messages)
    for conn in world.connections("rpc"):
        client = world.client_of(conn)
        if client is None or client.destroyed or world.session_of(client.instance) != conn.number:
            continue
        for text in conn.written:
            if text in received:
                received.remove(text)
            else:
                return f"{text!r} written to {conn.name} never reached JS"
    return None


# ----- what must be true of a torn-down client (§2 close(), §6) ------------------------------


@invariant(at="quiescence")
def no_fd_leak(world: World) -> str | None:
    """Every socket of a torn-down client is released once the app is at rest.

    §6: a socket is released only with its last reference. A violation is a file descriptor
    (and the backend connection behind it) that lives until the app process dies: one more per
    JS reload, as on the PR's device before the fix.
    """
    leaked = [
        f"{world.kernel.socket_info(sid).label} of {c.role}#{c.instance}"
        for c in world.observations.clients if c.destroyed
        for sid in c.sockets if not world.kernel.socket_info(sid).released
    ]
    return f"sockets never released: {', '.join(leaked)}" if leaked else None


@invariant(at="quiescence")
def teardown_completes(world: World) -> str | None:
    """At rest, no task of a torn-down client is still alive (waiting in a join, a read, ...).

    §2 disconnect() and close(). A violation is a teardown that hangs: a disconnect stuck in
    ``cancelAndJoin`` behind a blocking read, or a receive loop parked forever on a socket
    nobody will wake.
    """
    stuck = [f"{t.name} ({t.waits_on or 'enabled'})"
             for c in world.observations.clients if c.destroyed for t in c.live_tasks()]
    return f"teardown never finished: {'; '.join(stuck)}" if stuck else None


@invariant(at="step")
def close_leaves_nothing_running(world: World) -> str | None:
    """When a synchronous ``close()`` returns, no task of that client runs afterwards.

    §2 close() is synchronous and terminal. A violation is the client-side teardown the PR's
    test never checked: a coroutine still unwinding (reading, writing, changing state) after
    ``close()`` told the caller it was done.
    """
    for client in world.observations.clients:
        if client.after_close:
            return f"{client.role}#{client.instance} ran after close() returned: " \
                   f"{client.after_close[0]}"
    return None


@invariant(at="step")
def no_foreign_fd_use(world: World) -> str | None:
    """A client acts only on sockets it created itself.

    §6: a closed fd number is reused by the next socket at once. A violation is a client (or a
    coroutine of an old instance) reading, writing, shutting down or closing a number that now
    belongs to someone else's socket.
    """
    for client in world.observations.clients:
        if client.foreign_fds:
            return f"{client.role}#{client.instance}: {client.foreign_fds[0]}"
    return None


@invariant(at="step")
def no_close_under_inflight_write(world: World) -> str | None:
    """The app never closes a socket's last fd while another thread is inside a write on it.

    §6 and §7: a violation is the in-flight send racing a stream close: the write may complete
    into a socket the app already considers closed, or fail with an error nobody expects.
    """
    closed = world.kernel.closed_under_write(world.app.pid)
    if closed:
        return f"socket {closed[0]} closed while a write on it is still in flight"
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
    every_post_delivered_or_failed,
    posts_delivered_once_in_order_in_their_session,
    failures_only_when_undeliverable,
    no_silent_use_after_close,
    terminal_state_reaches_js,
    js_state_matches_connection,
    connect_keeps_its_promise,
    backend_events_reach_js,
    teardown_completes,
    close_leaves_nothing_running,
    no_foreign_fd_use,
    no_close_under_inflight_write,
    no_torn_frame,
    no_unhandled_crash,
)
