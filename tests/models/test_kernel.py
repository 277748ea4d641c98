"""The simulated kernel keeps the AF_UNIX facts the IPC models depend on.

Each test is a tiny model run with ``explorer.run``: its main task sets up sockets, spawns
tasks, and lets them run with ``explorer.sleep`` (which returns once every other task is
blocked or finished, on the default schedule). Results are recorded in ``world.seen``.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import explorer
from explorer.records import OutcomeKind
from explorer.sources.prechosen import PrechosenChoices
from models.kernel import FIRST_FD, Kernel, Process, SocketInfo

PATH = "/data/rpc.sock"


class World:
    def __init__(self, buffer_size: int) -> None:
        self.kernel = Kernel(buffer_size=buffer_size)
        self.seen: dict[str, Any] = {}


Main = Callable[[World], Awaitable[None]]


def run(main: Main, choices: Sequence[int] = (), buffer_size: int = 256,
        ) -> tuple[explorer.RunResult, World]:
    worlds: list[World] = []

    def build(variant: str, scenario: Any) -> World:
        worlds.append(World(buffer_size))
        return worlds[-1]

    model = explorer.Model("kernel", "kernel unit tests", (("linux", "AF_UNIX stream"),),
                           build, main)
    result = explorer.run(model, "linux", None, PrechosenChoices(list(choices)))
    return result, worlds[0]


def run_ok(main: Main, choices: Sequence[int] = (), buffer_size: int = 256) -> World:
    result, world = run(main, choices, buffer_size)
    assert result.outcome.kind is OutcomeKind.PASS, result.outcome.headline()
    return world


async def errno_of(call: Awaitable[object]) -> int:
    try:
        await call
    except OSError as exc:
        assert exc.errno is not None and exc.strerror is not None
        return exc.errno
    raise AssertionError("the call did not fail")


async def pair(server: Process, client: Process, path: str = PATH) -> tuple[int, int, int]:
    """A listener on ``path`` in ``server``, and a connection: (listen fd, server fd, client fd)."""
    lfd = await server.socket()
    await server.bind(lfd, path)
    await server.listen(lfd)
    cfd = await client.socket()
    await client.connect(cfd, path)
    sfd = await server.accept(lfd)
    return lfd, sfd, cfd


def procs(world: World) -> tuple[Process, Process]:
    return world.kernel.process("backend"), world.kernel.process("android")


def info(world: World, process: Process, fd: int) -> SocketInfo:
    found = world.kernel.socket_for(process, fd)
    assert found is not None, f"{process} fd {fd} is closed"
    return found


# ----- fact 1: close() during a blocked read -----------------------------------------------


def test_close_during_blocked_read_frees_the_number_and_wakes_nobody() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        _, sfd, cfd = await pair(backend, app)
        sid = info(w, backend, sfd).id

        async def reader() -> None:
            w.seen["read"] = await backend.read(sfd, 10)

        task = explorer.spawn(reader, name="backend/reader")
        await explorer.sleep(1)
        await backend.close(sfd)
        w.seen["fds"] = backend.fds()
        w.seen["closed"] = w.kernel.socket_info(sid)
        await explorer.sleep(1)
        w.seen["waits_on"] = task.waits_on
        w.seen["client"] = w.kernel.socket_for(app, cfd)
        w.seen["reused"] = await backend.socket()
        await app.write(cfd, b"hi")
        await task.join()
        w.seen["released"] = w.kernel.socket_info(sid).released
        w.seen["eof"] = await app.read(cfd, 10)

    result, world = run(main)
    assert result.outcome.kind is OutcomeKind.PASS, result.outcome.headline()
    seen = world.seen
    closed = seen["closed"]
    steps = [(s.task, s.label) for s in result.trace().steps]
    after_close = steps[steps.index(("main", "sys.close")):steps.index(("main", "sys.write"))]
    assert all(task != "backend/reader" for task, _ in after_close)  # nobody woke the reader
    assert seen["fds"] == [FIRST_FD]  # only the listener: the number is free at once
    assert (closed.fds, closed.inflight, closed.released) == ((), 1, False)
    assert seen["waits_on"].startswith("read on backend fd 4")
    assert not seen["client"].peer_eof_queued and not seen["client"].rcv_shutdown
    assert seen["reused"] == 4
    assert seen["read"] == b"hi"
    assert seen["released"] is True
    assert seen["eof"] == b""


def test_close_before_or_after_the_read_blocks_depends_on_the_schedule() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        _, sfd, _ = await pair(backend, app)

        async def reader() -> None:
            w.seen["read"] = await errno_of(backend.read(sfd, 10))

        async def closer() -> None:
            await backend.close(sfd)

        explorer.spawn(reader, name="backend/reader")
        explorer.spawn(closer, name="backend/closer")

    blocked, _ = run(main)  # the reader blocks first; the close wakes nobody
    assert blocked.outcome.kind is OutcomeKind.DEADLOCK
    assert [b.task for b in blocked.outcome.blocked] == ["backend/reader"]
    assert "read on backend fd 4" in blocked.outcome.blocked[0].waits_on

    # Switch to the closer at the reader's entry point: the read finds the fd closed.
    closed_first = run_ok(main, choices=[0, 1])
    assert closed_first.seen["read"] == errno.EBADF


# ----- fact 2: release on the last reference -----------------------------------------------


def test_release_with_unread_data_resets_the_peer_after_its_data() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        _, sfd, cfd = await pair(backend, app)
        await app.write(cfd, b"abc")
        await backend.write(sfd, b"x")  # never read by the app
        await app.close(cfd)
        w.seen["data"] = await backend.read(sfd, 10)
        w.seen["reset"] = await errno_of(backend.read(sfd, 10))
        w.seen["then"] = await backend.read(sfd, 10)
        w.seen["write"] = await errno_of(backend.write(sfd, b"y"))

    seen = run_ok(main).seen
    assert seen["data"] == b"abc"
    assert seen["reset"] == errno.ECONNRESET
    assert seen["then"] == b""
    assert seen["write"] == errno.EPIPE


def test_release_without_unread_data_gives_eof_after_draining() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        _, sfd, cfd = await pair(backend, app)
        await app.write(cfd, b"bye")
        await app.close(cfd)
        w.seen["info"] = w.kernel.socket_for(backend, sfd)
        w.seen["reads"] = [await backend.read(sfd, 2), await backend.read(sfd, 2),
                           await backend.read(sfd, 2)]

    seen = run_ok(main).seen
    assert seen["info"].peer_eof_queued and seen["info"].pending_error is None
    assert seen["reads"] == [b"by", b"e", b""]


def test_in_flight_write_keeps_the_socket_alive_after_close() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        _, sfd, cfd = await pair(backend, app)
        sid = info(w, app, cfd).id

        async def writer() -> None:
            w.seen["wrote"] = await app.write(cfd, b"0123456789")

        task = explorer.spawn(writer, name="android/writer")
        await explorer.sleep(1)
        await app.close(cfd)
        w.seen["after_close"] = w.kernel.socket_info(sid)
        w.seen["peer"] = w.kernel.socket_for(backend, sfd)
        chunks = []
        while chunk := await backend.read(sfd, 3):
            chunks.append(chunk)
        w.seen["chunks"] = chunks
        w.seen["finished"] = task.finished

    seen = run_ok(main, buffer_size=4).seen
    assert (seen["after_close"].released, seen["after_close"].inflight) == (False, 1)
    assert not seen["peer"].peer_eof_queued
    assert b"".join(seen["chunks"]) == b"0123456789"  # all data, then EOF (no reset)
    assert seen["wrote"] == 10 and seen["finished"]


def test_blocked_writer_gets_the_reset_when_the_peer_goes_with_unread_data() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        _, sfd, cfd = await pair(backend, app)

        async def writer() -> None:
            w.seen["write"] = await errno_of(backend.write(sfd, b"01234567"))

        explorer.spawn(writer, name="backend/writer")
        await explorer.sleep(1)
        await app.close(cfd)  # 4 bytes unread in the app's buffer
        await explorer.sleep(1)
        w.seen["read"] = await backend.read(sfd, 4)  # the write consumed the pending error

    seen = run_ok(main, buffer_size=4).seen
    assert seen["write"] == errno.ECONNRESET
    assert seen["read"] == b""


def test_in_flight_accept_keeps_the_listener_alive_after_close() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        lfd = await backend.socket()
        await backend.bind(lfd, PATH)
        await backend.listen(lfd)
        lid = info(w, backend, lfd).id

        async def acceptor() -> None:
            w.seen["accepted"] = await backend.accept(lfd)

        explorer.spawn(acceptor, name="backend/accept")
        await explorer.sleep(1)
        await backend.close(lfd)
        w.seen["alive"] = not w.kernel.socket_info(lid).released
        await app.connect(await app.socket(), PATH)
        await explorer.sleep(1)
        w.seen["released"] = w.kernel.socket_info(lid).released
        w.seen["refused"] = await errno_of(app.connect(await app.socket(), PATH))

    seen = run_ok(main).seen
    assert seen["alive"] and seen["released"]
    assert seen["accepted"] == FIRST_FD  # the listener's freed number, reused
    assert seen["refused"] == errno.ECONNREFUSED


def test_process_exit_releases_everything_its_dead_tasks_held() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        _, sfd, cfd = await pair(backend, app)

        async def reader() -> None:
            await backend.read(sfd, 10)
            w.seen["returned"] = True  # never: a dead process's syscall does not return

        task = explorer.spawn(reader, name="backend/reader", daemon=True)
        await explorer.sleep(1)
        backend.exit()
        w.seen["eof"] = await app.read(cfd, 10)
        await explorer.sleep(1)
        w.seen["waits_on"] = task.waits_on
        w.seen["live"] = [s.owner for s in w.kernel.live_sockets()]
        w.seen["fds"] = backend.fds()

    seen = run_ok(main).seen
    assert seen["eof"] == b""
    assert "returned" not in seen
    assert seen["waits_on"] == "process backend exited"
    assert seen["live"] == ["android"] and seen["fds"] == []


# ----- fact 3: shutdown(SHUT_RD) -------------------------------------------------------------


def test_shut_rd_wakes_a_blocked_reader_with_eof() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        _, sfd, cfd = await pair(backend, app)

        async def reader() -> None:
            w.seen["read"] = await app.read(cfd, 10)

        task = explorer.spawn(reader, name="android/reader")
        await explorer.sleep(1)
        w.seen["blocked"] = bool(task.waits_on)
        await app.shutdown(cfd, socket.SHUT_RD)
        await task.join()
        w.seen["peer"] = w.kernel.socket_for(backend, sfd)
        w.seen["write"] = await errno_of(backend.write(sfd, b"event"))

    seen = run_ok(main).seen
    assert seen["blocked"] and seen["read"] == b""
    assert not seen["peer"].peer_eof_queued  # SHUT_RD sends no FIN
    assert seen["write"] == errno.EPIPE


def test_shut_rd_still_delivers_queued_data_first() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        _, sfd, cfd = await pair(backend, app)
        await backend.write(sfd, b"queued")
        await app.shutdown(cfd, socket.SHUT_RD)
        w.seen["reads"] = [await app.read(cfd, 10), await app.read(cfd, 10)]

    assert run_ok(main).seen["reads"] == [b"queued", b""]


def test_shut_rd_fails_the_peers_blocked_writer_with_epipe() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        _, sfd, cfd = await pair(backend, app)

        async def writer() -> None:
            w.seen["write"] = await errno_of(backend.write(sfd, b"0123456789"))

        task = explorer.spawn(writer, name="backend/writer")
        await explorer.sleep(1)
        w.seen["waits_on"] = task.waits_on
        await app.shutdown(cfd, socket.SHUT_RD)

    seen = run_ok(main, buffer_size=4).seen
    assert seen["waits_on"].endswith("buffer full")
    assert seen["write"] == errno.EPIPE


# ----- fact 4: shutdown(SHUT_WR) -------------------------------------------------------------


def test_shut_wr_gives_the_peer_eof_without_a_close() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        _, sfd, cfd = await pair(backend, app)
        await app.write(cfd, b"last")
        await app.shutdown(cfd, socket.SHUT_WR)
        w.seen["peer"] = w.kernel.socket_for(backend, sfd)
        w.seen["reads"] = [await backend.read(sfd, 10), await backend.read(sfd, 10)]
        await backend.write(sfd, b"reply")  # half-open: the app still reads
        w.seen["reply"] = await app.read(cfd, 10)
        w.seen["write"] = await errno_of(app.write(cfd, b"more"))
        w.seen["app"] = w.kernel.socket_for(app, cfd)

    seen = run_ok(main).seen
    assert seen["peer"].peer_eof_queued and seen["peer"].unread == 4
    assert seen["reads"] == [b"last", b""]
    assert seen["reply"] == b"reply"
    assert seen["write"] == errno.EPIPE
    assert seen["app"].shut_wr and not seen["app"].released


# ----- fact 5: lowest free fd number --------------------------------------------------------


def test_freed_number_is_reused_and_a_stale_number_reaches_the_new_socket() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        lfd = await backend.socket()
        await backend.bind(lfd, PATH)
        await backend.listen(lfd)
        old = await app.socket()
        other = await app.socket()
        old_id = info(w, app, old).id
        await app.close(old)
        new = await app.socket()
        await app.connect(new, PATH)
        sfd = await backend.accept(lfd)
        await app.write(old, b"stale")  # buggy code still holding the old number
        w.seen["numbers"] = (old, other, new)
        w.seen["ids"] = (old_id, info(w, app, old).id)
        w.seen["received"] = await backend.read(sfd, 10)

    seen = run_ok(main).seen
    assert seen["numbers"] == (FIRST_FD, FIRST_FD + 1, FIRST_FD)
    assert seen["ids"][0] != seen["ids"][1]
    assert seen["received"] == b"stale"


# ----- facts 6 and 8: bounded buffers; reads and writes wake each other ---------------------


def test_write_blocks_on_a_full_buffer_and_the_readers_reads_let_it_finish() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        _, sfd, cfd = await pair(backend, app)

        async def writer() -> None:
            w.seen["wrote"] = await app.write(cfd, b"0123456789")

        task = explorer.spawn(writer, name="android/writer")
        await explorer.sleep(1)
        w.seen["full"] = (task.waits_on, info(w, backend, sfd).unread)
        w.seen["first"] = await backend.read(sfd, 3)
        await explorer.sleep(1)
        w.seen["refilled"] = info(w, backend, sfd).unread
        rest = b""
        while len(rest) < 7:
            rest += await backend.read(sfd, 10)
        w.seen["rest"] = rest
        await task.join()

    seen = run_ok(main, buffer_size=4).seen
    waits_on, unread = seen["full"]
    assert "write on android fd 3 (#1)" in waits_on and unread == 4
    assert seen["first"] == b"012"
    assert seen["refilled"] == 4
    assert seen["rest"] == b"3456789"
    assert seen["wrote"] == 10


def test_data_written_wakes_the_peers_blocked_reader() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        _, sfd, cfd = await pair(backend, app)

        async def reader() -> None:
            w.seen["read"] = await backend.read(sfd, 10)

        async def writer() -> None:
            await app.write(cfd, b"ping")

        explorer.spawn(reader, name="backend/reader")
        explorer.spawn(writer, name="android/writer")

    result, world = run(main)
    assert result.outcome.kind is OutcomeKind.PASS
    assert world.seen["read"] == b"ping"
    steps = [(s.task, s.label) for s in result.trace().steps]
    blocked = steps.index(("backend/reader", "read blocks"))
    assert blocked < steps.index(("android/writer", "sys.write"))


# ----- fact 7: ENOTCONN and EBADF ------------------------------------------------------------


def test_shutdown_of_an_unconnected_socket_is_enotconn() -> None:
    async def main(w: World) -> None:
        backend, _ = procs(w)
        fresh = await backend.socket()
        lfd = await backend.socket()
        await backend.bind(lfd, PATH)
        await backend.listen(lfd)
        w.seen["fresh"] = await errno_of(backend.shutdown(fresh, socket.SHUT_RDWR))
        w.seen["listening"] = await errno_of(backend.shutdown(lfd, socket.SHUT_RD))
        w.seen["bad how"] = await errno_of(backend.shutdown(fresh, 7))

    seen = run_ok(main).seen
    assert seen["fresh"] == seen["listening"] == errno.ENOTCONN
    assert seen["bad how"] == errno.EINVAL


def test_every_call_on_a_closed_fd_is_ebadf() -> None:
    async def main(w: World) -> None:
        backend, _ = procs(w)
        fd = await backend.socket()
        await backend.close(fd)
        calls = [backend.read(fd, 1), backend.write(fd, b"x"), backend.close(fd),
                 backend.shutdown(fd, socket.SHUT_RDWR), backend.accept(fd),
                 backend.connect(fd, PATH), backend.bind(fd, PATH), backend.listen(fd),
                 backend.wait_readable(fd), backend.read(99, 1)]
        w.seen["errnos"] = [await errno_of(c) for c in calls]

    assert run_ok(main).seen["errnos"] == [errno.EBADF] * 10


def test_calls_in_the_wrong_state_fail_like_linux() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        lfd, _, cfd = await pair(backend, app)
        fresh = await app.socket()
        w.seen["errnos"] = [
            await errno_of(app.read(fresh, 1)),  # not connected: EINVAL, as Linux reads do
            await errno_of(app.write(fresh, b"x")),
            await errno_of(backend.read(lfd, 1)),
            await errno_of(app.accept(cfd)),
            await errno_of(app.connect(cfd, PATH)),
            await errno_of(backend.bind(lfd, "/other")),
            await errno_of(app.listen(fresh)),  # unbound
        ]

    assert run_ok(main).seen["errnos"] == [
        errno.EINVAL, errno.ENOTCONN, errno.EINVAL, errno.EINVAL, errno.EISCONN, errno.EINVAL,
        errno.EINVAL]


# ----- fact 9: accept, connect, the path namespace ------------------------------------------


def test_connect_wakes_a_blocked_accept() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        lfd = await backend.socket()
        await backend.bind(lfd, PATH)
        await backend.listen(lfd)

        async def acceptor() -> None:
            sfd = await backend.accept(lfd)
            w.seen["got"] = await backend.read(sfd, 10)

        task = explorer.spawn(acceptor, name="backend/accept")
        await explorer.sleep(1)
        w.seen["waits_on"] = task.waits_on
        cfd = await app.socket()
        await app.connect(cfd, PATH)
        await app.write(cfd, b"hello")
        await task.join()

    seen = run_ok(main).seen
    assert seen["waits_on"] == "accept on backend fd 3 (#0): no connection queued"
    assert seen["got"] == b"hello"


def test_connect_errors_and_the_stale_path_of_a_closed_listener() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        fd = await app.socket()
        w.seen["missing"] = await errno_of(app.connect(fd, PATH))
        lfd = await backend.socket()
        await backend.bind(lfd, PATH)
        w.seen["not listening"] = await errno_of(app.connect(fd, PATH))
        await backend.listen(lfd)
        await backend.close(lfd)
        w.seen["closed"] = await errno_of(app.connect(fd, PATH))
        again = await backend.socket()
        w.seen["rebind"] = await errno_of(backend.bind(again, PATH))
        await backend.unlink(PATH)
        w.seen["unlinked"] = await errno_of(app.connect(fd, PATH))
        await backend.bind(again, PATH)
        await backend.listen(again)
        await app.connect(fd, PATH)
        w.seen["names"] = w.kernel.names()

    seen = run_ok(main).seen
    assert seen["missing"] == errno.ENOENT
    assert seen["not listening"] == errno.ECONNREFUSED
    assert seen["closed"] == errno.ECONNREFUSED
    assert seen["rebind"] == errno.EADDRINUSE
    assert seen["unlinked"] == errno.ENOENT
    assert seen["names"] == {PATH: 2}


def test_listener_release_resets_connections_never_accepted() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        lfd = await backend.socket()
        await backend.bind(lfd, PATH)
        await backend.listen(lfd)
        cfd = await app.socket()
        await app.connect(cfd, PATH)  # no data sent: the reset comes from the embryo alone
        w.seen["queued"] = w.kernel.socket_info(0).accept_queue
        await backend.close(lfd)
        w.seen["read"] = await errno_of(app.read(cfd, 10))
        w.seen["write"] = await errno_of(app.write(cfd, b"x"))
        w.seen["live"] = [s.id for s in w.kernel.live_sockets()]

    seen = run_ok(main).seen
    assert seen["queued"] == (2,)
    assert seen["read"] == errno.ECONNRESET
    assert seen["write"] == errno.EPIPE
    assert seen["live"] == [1]


def test_connect_sleeps_while_the_accept_queue_is_full() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        lfd = await backend.socket()
        await backend.bind(lfd, PATH)
        await backend.listen(lfd, backlog=0)
        await app.connect(await app.socket(), PATH)  # Linux admits backlog + 1

        async def connector() -> None:
            await app.connect(await app.socket(), PATH)

        task = explorer.spawn(connector, name="android/connect")
        await explorer.sleep(1)
        w.seen["waits_on"] = task.waits_on
        await backend.accept(lfd)
        await task.join()
        w.seen["queued"] = len(w.kernel.socket_info(0).accept_queue)

    seen = run_ok(main).seen
    assert seen["waits_on"].endswith(f"accept queue of {PATH} full")
    assert seen["queued"] == 1


# ----- readiness waits (an event loop) ---------------------------------------------------------


def test_wait_readable_holds_no_reference_so_close_releases_at_once() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        _, sfd, cfd = await pair(backend, app)

        async def watcher() -> None:
            await backend.wait_readable(sfd)
            w.seen["first"] = await backend.read(sfd, 10)
            w.seen["second"] = await errno_of(backend.wait_readable(sfd))

        explorer.spawn(watcher, name="backend/loop")
        await explorer.sleep(1)
        await app.write(cfd, b"data")
        await explorer.sleep(1)
        await backend.close(sfd)
        w.seen["eof"] = await app.read(cfd, 10)

    seen = run_ok(main).seen
    assert seen["first"] == b"data"
    assert seen["second"] == errno.EBADF
    assert seen["eof"] == b""


def test_a_cancelled_scope_neither_interrupts_nor_skips_a_syscall() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        _, sfd, cfd = await pair(backend, app)

        async def reader() -> None:
            with explorer.move_on_after(0.5) as scope:
                w.seen["read"] = await backend.read(sfd, 10)  # blocks past the deadline
                w.seen["wrote"] = await backend.write(sfd, b"ack")  # entered while cancelled
                await explorer.sleep(10)  # a suspension point: the cancel lands here
            w.seen["cancelled"] = scope.cancelled_caught

        explorer.spawn(reader, name="backend/reader")
        await explorer.sleep(1)
        await app.write(cfd, b"late")
        await explorer.sleep(1)
        w.seen["ack"] = await app.read(cfd, 10)

    seen = run_ok(main).seen
    assert seen["read"] == b"late" and seen["wrote"] == 3 and seen["ack"] == b"ack"
    assert seen["cancelled"] is True


# ----- observation and determinism ---------------------------------------------------------


def test_socket_info_tags_and_peers_are_plain_data() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        _, _, cfd = await pair(backend, app)
        app.set_tag(cfd, "rpc client of instance 0")
        client = info(w, app, cfd)
        assert client.peer is not None
        w.kernel.set_tag(client.peer, "backend rpc-conn#1")
        w.seen["client"] = w.kernel.socket_for(app, cfd)
        w.seen["peer"] = w.kernel.peer_of(client.id)
        w.seen["live"] = [(s.id, s.owner, s.phase) for s in w.kernel.live_sockets()]
        w.seen["free"] = w.kernel.socket_for(app, 42)

    seen = run_ok(main).seen
    client, peer = seen["client"], seen["peer"]
    assert client.label == "#1 rpc client of instance 0"
    assert (client.owner, client.fds, client.inflight, client.peer) == ("android", (3,), 0, 2)
    assert (peer.owner, peer.fds, peer.tag, peer.peer) == ("backend", (4,), "backend rpc-conn#1", 1)
    assert seen["live"] == [(0, "backend", "listening"), (1, "android", "connected"),
                            (2, "backend", "connected")]
    assert seen["free"] is None


def test_same_choices_give_the_same_trace() -> None:
    async def main(w: World) -> None:
        backend, app = procs(w)
        _, sfd, cfd = await pair(backend, app)

        async def ping() -> None:
            for i in range(3):
                await app.write(cfd, b"p%d" % i)
            await app.shutdown(cfd, socket.SHUT_WR)

        async def pong() -> None:
            while data := await backend.read(sfd, 2):
                w.seen.setdefault("got", []).append(data)
            await backend.close(sfd)

        explorer.spawn(ping, name="android/ping")
        explorer.spawn(pong, name="backend/pong")

    choices = [1, 0, 2, 1, 1, 0, 1]
    first, _ = run(main, choices, buffer_size=3)
    second, _ = run(main, choices, buffer_size=3)
    other, _ = run(main, (), buffer_size=3)
    assert first.outcome.kind is OutcomeKind.PASS
    assert first.trace().steps == second.trace().steps
    assert first.choices == second.choices
    assert first.trace().steps != other.trace().steps
