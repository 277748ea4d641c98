"""A process's view of the kernel: the socket syscalls, each one a scheduling point.

Invariant: a syscall touches kernel state only between its entry point and its return, with no
other task running in between except while it sleeps; a sleeping syscall is woken only by a
kernel event and re-checks its condition, and it holds its socket (an in-flight reference)
from entry to return. Syscalls are never cancellation points: Kotlin coroutines and Node
deliver cancellation at suspension points only, and a blocking syscall ignores it.

Linux behaviour kept on purpose (AF_UNIX stream, ``net/unix/af_unix.c``): ``close`` frees the
number at once and wakes nobody; a read drains queued data before reporting a pending error,
then EOF; a write blocked on a full buffer reports the peer's pending ECONNRESET before EPIPE;
a listener's path stays bound after the listener is gone (a stale socket file: connect gets
ECONNREFUSED, bind EADDRINUSE) until ``unlink``; a connect to a full accept queue sleeps.
SIGPIPE is taken as ignored (Node and Android both ignore it), so EPIPE is an ``OSError``.
"""

from __future__ import annotations

import errno
import socket as _socket
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

from explorer import block, point, waker
from models.kernel.fdtable import Holdings
from models.kernel.sockets import Socket, SocketInfo, WaitList, oserror

if TYPE_CHECKING:
    from models.kernel.kernel import Kernel

#: Linux caps a listen backlog at ``net.core.somaxconn``.
SOMAXCONN = 4096

_HOW = {_socket.SHUT_RD: "SHUT_RD", _socket.SHUT_WR: "SHUT_WR", _socket.SHUT_RDWR: "SHUT_RDWR"}


class Process:
    """A process: its own fd table; its syscalls are called by its modelled tasks."""

    def __init__(self, kernel: Kernel, name: str, pid: int) -> None:
        self.kernel = kernel
        self.name = name
        self.pid = pid
        self.alive = True
        self._holdings = Holdings()
        self._watchers: dict[int, WaitList] = {}  # fd -> readiness waiters, woken by close
        #: Called at every syscall on an fd, with the call, the fd and the id of the socket it
        #: reached: an observation hook for invariants (it must not change anything).
        self.on_fd_call: Callable[[str, int, int], None] | None = None

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"<process {self.pid} {self.name}{'' if self.alive else ' exited'}>"

    # ----- not syscalls: observation and bookkeeping ---------------------------------------

    def fds(self) -> list[int]:
        """Open fd numbers, ascending."""
        return self._holdings.table.numbers()

    def socket_info(self, fd: int) -> SocketInfo | None:
        """The socket ``fd`` refers to now, or None when the number is free."""
        sock = self._holdings.table.peek(fd)
        return None if sock is None else sock.info()

    def set_tag(self, fd: int, tag: str | None) -> None:
        """Name the socket behind ``fd`` for invariants and reports (EBADF if closed)."""
        self._holdings.table.get(fd).tag = tag

    def exit(self) -> None:
        """Process death: its syscalls end where they are, then every fd is closed."""
        if not self.alive:
            return
        self.alive = False
        self._holdings.drop_all()
        watchers, self._watchers = self._watchers, {}
        for waiting in watchers.values():
            waiting.wake_all()

    # ----- syscalls ------------------------------------------------------------------------

    async def socket(self) -> int:
        """A new unconnected socket on the lowest free fd number."""
        await self._point("sys.socket", self.name)
        sock = self.kernel.create_socket(self.name, self.pid)
        return self._holdings.table.install(sock)

    async def bind(self, fd: int, path: str) -> None:
        sock = await self._enter("bind", fd, f" to {path}")
        with self._holdings.hold(sock):
            if sock.path is not None:
                raise oserror(errno.EINVAL)
            self.kernel.bind_path(path, sock)

    async def listen(self, fd: int, backlog: int = 16) -> None:
        sock = await self._enter("listen", fd, f", backlog {backlog}")
        with self._holdings.hold(sock):
            if sock.path is None or sock.phase == "connected":
                raise oserror(errno.EINVAL)
            sock.phase = "listening"
            sock.backlog = backlog if 0 <= backlog <= SOMAXCONN else SOMAXCONN
            sock.connectors.wake_all()  # a larger backlog may admit a sleeping connect

    async def accept(self, fd: int) -> int:
        """The next queued connection on a new fd; sleeps while none is queued."""
        sock = await self._enter("accept", fd)
        with self._holdings.hold(sock):
            if sock.phase != "listening":
                raise oserror(errno.EINVAL)
            while not sock.accept_queue:
                await self._sleep([sock.readers], "accept", fd, sock, "no connection queued")
            server = sock.accept_queue.popleft()
            new_fd = self._holdings.table.install(server)
            server.queued = False
            server.owner, server.pid = self.name, self.pid
            sock.connectors.wake_all()
            return new_fd

    async def connect(self, fd: int, path: str) -> None:
        """Connect to the listener bound at ``path``: the server side waits in its queue."""
        sock = await self._enter("connect", fd, f" to {path}")
        with self._holdings.hold(sock):
            while True:
                listener = self.kernel.listener_at(path)
                if len(listener.accept_queue) <= listener.backlog:
                    break
                await self._sleep([listener.connectors], "connect", fd, sock,
                                  f"accept queue of {path} full")
            if sock.phase != "fresh":
                raise oserror(errno.EISCONN if sock.phase == "connected" else errno.EINVAL)
            server = self.kernel.create_socket(listener.owner, listener.pid)
            sock.link(server)
            server.queued = True
            listener.accept_queue.append(server)
            listener.readers.wake_all()

    async def read(self, fd: int, n: int) -> bytes:
        """Up to ``n`` bytes; sleeps until data, a pending error (raised once) or EOF (b"")."""
        if n < 0:
            raise ValueError(f"read of {n} bytes")
        sock = await self._enter("read", fd, f", {n} bytes")
        with self._holdings.hold(sock):
            if sock.phase != "connected":
                raise oserror(errno.EINVAL)
            while n > 0:
                if sock.buffer:
                    return sock.take(n)
                code = sock.take_error()
                if code is not None:
                    raise oserror(code)
                if sock.rcv_shutdown:
                    break
                await self._sleep([sock.readers], "read", fd, sock, "no data")
            return b""

    async def write(self, fd: int, data: bytes) -> int:
        """All of ``data``, sleeping while the peer's buffer is full.

        This is the write-all loop every modelled caller runs (Android's JNI stream, libuv):
        an error after part of the data went through is raised, not returned as a short count.
        """
        sock = await self._enter("write", fd, f", {len(data)} bytes")
        with self._holdings.hold(sock), sock.writing():
            peer = sock.peer
            if peer is None:
                raise oserror(errno.ENOTCONN)
            if sock.send_shutdown:
                raise oserror(errno.EPIPE)
            sent = 0
            while sent < len(data):
                code = sock.take_error()
                if code is not None:
                    raise oserror(code)
                if sock.send_shutdown or peer.released or peer.rcv_shutdown:
                    raise oserror(errno.EPIPE)
                room = peer.put(data[sent:])
                if room == 0:
                    await self._sleep([sock.writers], "write", fd, sock,
                                      f"peer {peer.label} buffer full")
                sent += room
            return sent

    async def shutdown(self, fd: int, how: int) -> None:
        """SHUT_RD, SHUT_WR or SHUT_RDWR; ENOTCONN unless connected (see the package doc)."""
        sock = await self._enter("shutdown", fd, f", {_HOW.get(how, how)}")
        with self._holdings.hold(sock):
            if how not in _HOW:
                raise oserror(errno.EINVAL)
            if sock.phase != "connected":
                raise oserror(errno.ENOTCONN)
            sock.shutdown(rd=how != _socket.SHUT_WR, wr=how != _socket.SHUT_RD)

    async def close(self, fd: int) -> None:
        """Free the number now; the socket goes with its last reference. Wakes no reader."""
        await self._enter("close", fd)
        self._holdings.table.remove(fd)
        watching = self._watchers.pop(fd, None)
        if watching is not None:
            watching.wake_all()

    async def unlink(self, path: str) -> None:
        """Remove the name ``path`` (a live listener stays, unreachable by that name)."""
        await self._point("sys.unlink", f"{self.name} {path}")
        self.kernel.unlink_path(path)

    async def wait_readable(self, fd: int) -> None:
        """Sleep until ``fd`` is readable (an event loop's epoll wait, as in Node).

        Unlike a blocking read it holds no reference, so closing ``fd`` from elsewhere still
        releases the socket; that close ends the wait with EBADF (libuv stops the watcher).
        """
        sock = await self._enter("poll", fd, ", readable")
        while not sock.readable():
            await self._sleep([sock.readers, self._watchers.setdefault(fd, WaitList())],
                              "poll", fd, sock, "not readable")
            if self._holdings.table.peek(fd) is not sock:
                raise oserror(errno.EBADF)

    # ----- helpers -------------------------------------------------------------------------

    async def _point(self, label: str, detail: str) -> None:
        await point(label, detail, cancellable=False)
        if not self.alive:
            await self._vanish()

    async def _enter(self, call: str, fd: int, extra: str = "") -> Socket:
        """The syscall's entry point, then the fd lookup (EBADF)."""
        sock = self._holdings.table.peek(fd)
        what = "" if sock is None else f" ({sock.label})"
        await self._point(f"sys.{call}", f"{self.name} fd {fd}{what}{extra}")
        reached = self._holdings.table.get(fd)
        if self.on_fd_call is not None:
            self.on_fd_call(call, fd, reached.id)
        return reached

    async def _sleep(self, lists: Sequence[WaitList], call: str, fd: int, sock: Socket,
                     why: str) -> None:
        w = waker()
        for waiting in lists:
            waiting.add(w)
        try:
            await block(f"{call} blocks", f"{call} on {self.name} fd {fd} ({sock.label}): {why}",
                        cancellable=False)
        finally:
            for waiting in lists:
                waiting.discard(w)
        if not self.alive:
            await self._vanish()

    async def _vanish(self) -> NoReturn:
        """A task of a dead process never returns from the kernel again."""
        while True:
            await block("exited", f"process {self.name} exited", cancellable=False)
