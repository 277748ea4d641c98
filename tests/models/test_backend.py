"""The Node backend model keeps the behaviour the IPC findings depend on.

Each test drives the backend from a scripted client in the main task (raw kernel syscalls,
no app module) under the default schedule, and checks one fact about accept, cleanup, events,
control broadcasts, crash or restart; it fails if the backend stops keeping that fact.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Awaitable, Callable

import attrs
import pytest

import explorer
from explorer import OutcomeKind
from explorer.sources import PrechosenChoices
from models.ipc.backend import RESPONSE, SUBSCRIBE, UNSUBSCRIBE, Backend, control_frame
from models.ipc.framing import encode
from models.kernel import Kernel, Process

RPC = "comapeo.sock"
CONTROL = "control.sock"


@attrs.define
class World:
    kernel: Kernel
    backend: Backend
    app: Process
    seen: list[object] = attrs.Factory(list)


Script = Callable[[World], Awaitable[None]]


def run(script: Script, *, old_backend: bool = False, late: float = 0.0) -> World:
    worlds: list[World] = []

    def build(variant: str, scenario: object) -> World:
        kernel = Kernel(buffer_size=256)
        backend = Backend(kernel, RPC, CONTROL, old_backend=old_backend)
        worlds.append(World(kernel, backend, kernel.process("app")))
        return worlds[-1]

    async def main(world: World) -> None:
        world.backend.start(late)
        if not late:
            await settle()  # the backend is listening before the script begins
        await script(world)

    model = explorer.Model("backend-test", "", (("only", ""),), build, main)
    result = explorer.run(model, "only", {}, PrechosenChoices([]))
    assert result.outcome.kind is OutcomeKind.PASS, result.outcome.headline()
    return worlds[-1]


async def settle() -> None:
    """Let every other task run until nothing moves (the timer fires only then)."""
    await explorer.sleep(1.0)


async def dial(w: World, path: str = RPC) -> int:
    fd = await w.app.socket()
    await w.app.connect(fd, path)
    return fd


async def read_frame(w: World, fd: int) -> str | None:
    """One frame's text, or None on EOF."""
    prefix = await read_exactly(w, fd, 4)
    if prefix is None:
        return None
    body = await read_exactly(w, fd, int.from_bytes(prefix, "little"))
    assert body is not None, "frame cut off"
    return body.decode()


async def read_exactly(w: World, fd: int, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = await w.app.read(fd, n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


async def subscribed_client(w: World) -> int:
    fd = await dial(w)
    await w.app.write(fd, encode(SUBSCRIBE + "invite-received"))
    await settle()
    return fd


# ----- accept and cleanup -----------------------------------------------------------------


def test_subscription_adds_one_listener_and_fin_cleans_it_up() -> None:
    async def script(w: World) -> None:
        fd = await subscribed_client(w)
        w.seen.append((w.backend.listener_count(), len(w.backend.live_connections("rpc"))))
        await w.app.shutdown(fd, socket.SHUT_WR)
        await settle()
        w.seen.append(await w.app.read(fd, 10))  # allowHalfOpen false: the backend ends too

    w = run(script)
    assert w.seen == [(1, 1), b""]
    (conn,) = w.backend.connections("rpc")
    assert (conn.why, conn.closed, conn.cleaned_up) == ("eof", True, True)
    assert w.backend.listener_count() == 0
    assert w.backend.open_servers(conn) == 0
    assert w.kernel.socket_info(conn.socket_id).released


def test_duplicate_subscription_and_unsubscribe() -> None:
    async def script(w: World) -> None:
        fd = await subscribed_client(w)
        await w.app.write(fd, encode(SUBSCRIBE + "invite-received"))
        await settle()
        w.seen.append(w.backend.listener_count())
        await w.app.write(fd, encode(UNSUBSCRIBE + "invite-received"))
        await settle()
        w.seen.append(w.backend.listener_count())

    assert run(script).seen == [1, 0]


def test_release_of_the_last_reference_cleans_up() -> None:
    async def script(w: World) -> None:
        fd = await subscribed_client(w)
        await w.app.close(fd)
        await settle()

    w = run(script)
    (conn,) = w.backend.connections("rpc")
    assert conn.cleaned_up and conn.why == "eof"
    assert w.backend.live_connections("rpc") == ()


def test_close_during_a_blocked_read_reaches_nobody() -> None:
    async def reader(w: World, fd: int) -> None:
        w.seen.append(await w.app.read(fd, 4))

    async def script(w: World) -> None:
        fd = await subscribed_client(w)
        explorer.spawn(reader, w, fd, name="app/reader", daemon=True)
        await settle()
        await w.app.close(fd)  # the in-flight read still holds the socket
        await settle()

    w = run(script)
    (conn,) = w.backend.connections("rpc")
    assert conn.open and not conn.closed
    assert w.backend.listener_count() == 1


def test_write_after_client_shut_rd_fails_with_epipe_and_cleans_up() -> None:
    async def script(w: World) -> None:
        fd = await subscribed_client(w)
        await w.app.shutdown(fd, socket.SHUT_RD)
        await settle()
        w.seen.append(len(w.backend.live_connections("rpc")))
        w.backend.emit_event()
        await settle()

    w = run(script)
    assert w.seen == [1]  # SHUT_RD alone sends nothing to the backend
    (conn,) = w.backend.connections("rpc")
    assert (conn.why, conn.cleaned_up) == ("EPIPE", True)
    assert w.backend.listener_count() == 0


def test_old_backend_closes_the_socket_but_never_cleans_up() -> None:
    async def script(w: World) -> None:
        fd = await subscribed_client(w)
        await w.app.shutdown(fd, socket.SHUT_WR)
        await settle()
        w.backend.emit_event()
        await settle()

    w = run(script, old_backend=True)
    (conn,) = w.backend.connections("rpc")
    assert conn.closed and not conn.cleaned_up
    assert w.backend.live_connections("rpc") == ()
    assert w.backend.listener_count() == 1
    assert w.backend.open_servers(conn) == 2
    assert conn.dropped == ["event:invite-received#1"]  # emitted into a dead peer


def test_frame_cut_off_by_eof_is_a_framing_error_then_close() -> None:
    async def script(w: World) -> None:
        fd = await subscribed_client(w)
        await w.app.write(fd, encode("lost")[:6])
        await w.app.shutdown(fd, socket.SHUT_WR)
        await settle()

    w = run(script)
    (conn,) = w.backend.connections("rpc")
    assert conn.why.startswith("framing error") and conn.cleaned_up
    assert w.backend.registry.observations.delivered == [SUBSCRIBE + "invite-received"]


# ----- traffic ------------------------------------------------------------------------------


def test_request_is_delivered_and_answered() -> None:
    async def script(w: World) -> None:
        fd = await dial(w)
        await w.app.write(fd, encode("m1"))
        w.seen.append(await read_frame(w, fd))

    w = run(script)
    assert w.seen == [RESPONSE + "m1"]
    assert w.backend.registry.observations.delivered == ["m1"]


def test_event_reaches_every_subscribed_connection_only() -> None:
    async def script(w: World) -> None:
        first = await subscribed_client(w)
        second = await subscribed_client(w)
        quiet = await dial(w)
        await settle()
        w.seen.append(w.backend.emit_event())
        w.seen.append(await read_frame(w, first))
        w.seen.append(await read_frame(w, second))
        await w.app.shutdown(quiet, socket.SHUT_WR)
        w.seen.append(await read_frame(w, quiet))

    w = run(script)
    assert w.seen == [2, "event:invite-received#1", "event:invite-received#1", None]


def test_control_replays_state_to_new_clients_and_broadcasts_to_all() -> None:
    async def script(w: World) -> None:
        first = await dial(w, CONTROL)
        second = await dial(w, CONTROL)
        for fd in (first, second):
            w.seen.append([await read_frame(w, fd), await read_frame(w, fd)])
        w.backend.broadcast_control("stopping")
        w.seen.append([await read_frame(w, first), await read_frame(w, second)])
        late = await dial(w, CONTROL)
        w.seen.append([await read_frame(w, late) for _ in range(3)])

    w = run(script)
    started, ready, stopping = (control_frame(k) for k in ("started", "ready", "stopping"))
    assert w.seen == [[started, ready], [started, ready], [stopping, stopping],
                      [started, ready, stopping]]


def test_a_write_wakes_a_client_blocked_in_read() -> None:
    async def reader(w: World, fd: int) -> None:
        w.seen.append(await read_frame(w, fd))

    async def script(w: World) -> None:
        fd = await subscribed_client(w)
        task = explorer.spawn(reader, w, fd, name="app/reader")
        await settle()
        w.seen.append(task.waits_on != "")
        w.backend.emit_event()
        await task.join()

    assert run(script).seen == [True, "event:invite-received#1"]


# ----- process lifecycle ---------------------------------------------------------------------


def test_crash_closes_every_connection_and_the_manager() -> None:
    async def script(w: World) -> None:
        rpc = await subscribed_client(w)
        control = await dial(w, CONTROL)
        await settle()
        w.backend.crash()
        w.seen.append(await w.app.read(rpc, 100))
        w.seen.append(await read_exactly(w, control, 1000))
        with pytest.raises(OSError) as refused:
            await dial(w)
        w.seen.append(refused.value.errno)

    w = run(script)
    assert w.seen == [b"", None, errno.ECONNREFUSED]
    assert not w.backend.alive
    assert w.backend.listener_count() == 0
    assert w.backend.live_connections("rpc") == w.backend.live_connections("control") == ()
    assert not any(c.cleaned_up for c in w.backend.connections())  # no JavaScript ran
    assert not [s for s in w.kernel.live_sockets() if s.owner.startswith("backend")]


def test_restart_starts_a_new_process_with_a_new_manager() -> None:
    async def script(w: World) -> None:
        await subscribed_client(w)
        w.backend.crash()
        w.backend.restart()
        await settle()
        w.seen.append(w.backend.listener_count())
        await subscribed_client(w)
        w.seen.append(w.backend.listener_count())

    w = run(script)
    assert w.seen == [0, 1]
    assert [g.proc.name for g in w.backend.generations] == ["backend", "backend#2"]
    assert [c.generation for c in w.backend.connections("rpc")] == [1, 2]
    assert [c.open for c in w.backend.connections("rpc")] == [False, True]


def test_restart_of_a_live_backend_changes_nothing() -> None:
    async def script(w: World) -> None:
        await settle()
        w.backend.restart()
        await settle()

    assert len(run(script).backend.generations) == 1


def test_late_backend_refuses_until_it_listens() -> None:
    async def script(w: World) -> None:
        with pytest.raises(OSError) as missing:
            await dial(w)
        w.seen.append(missing.value.errno)
        await settle()
        await dial(w)
        await settle()
        w.seen.append(len(w.backend.live_connections("rpc")))

    assert run(script, late=0.5).seen == [errno.ENOENT, 1]
