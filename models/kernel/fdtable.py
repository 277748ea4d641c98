"""What one process holds on sockets: its fd table and its in-flight syscalls.

Invariant: every reference a process holds is counted on the socket (an fd entry in
``Socket.fds``, an in-flight call in ``Socket.inflight``) and is dropped exactly once, so a
socket is released when, and only when, nothing holds it any more. A new fd always takes the
lowest free number, so a number freed by close() is handed to the next socket at once.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager

from models.kernel.sockets import Socket, oserror

#: 0, 1 and 2 are the standard streams, which the model leaves out: sockets start at 3.
FIRST_FD = 3


class FdTable:
    """fd number -> socket, allocating the lowest free number (POSIX requires it)."""

    def __init__(self) -> None:
        self._entries: dict[int, Socket] = {}

    def numbers(self) -> list[int]:
        return sorted(self._entries)

    def peek(self, fd: int) -> Socket | None:
        return self._entries.get(fd)

    def get(self, fd: int) -> Socket:
        sock = self._entries.get(fd)
        if sock is None:
            raise oserror(errno.EBADF)
        return sock

    def install(self, sock: Socket) -> int:
        fd = FIRST_FD
        while fd in self._entries:
            fd += 1
        self._entries[fd] = sock
        sock.fds.append(fd)
        return fd

    def remove(self, fd: int) -> Socket:
        """Free the number at once; the socket goes only if this was its last reference."""
        sock = self.get(fd)
        del self._entries[fd]
        sock.fds.remove(fd)
        sock.drop_if_unreferenced()
        return sock


class InFlight:
    """One syscall under way: it holds its socket until it returns (or its process dies)."""

    __slots__ = ("dropped", "sock")

    def __init__(self, sock: Socket) -> None:
        self.sock = sock
        self.dropped = False

    def drop(self) -> None:
        if not self.dropped:
            self.dropped = True
            self.sock.inflight -= 1
            self.sock.drop_if_unreferenced()


class Holdings:
    """A process's fd table plus its in-flight calls; ``drop_all`` is process death."""

    def __init__(self) -> None:
        self.table = FdTable()
        self._calls: list[InFlight] = []

    @contextmanager
    def hold(self, sock: Socket) -> Iterator[InFlight]:
        """Count a syscall on ``sock`` from entry to return, as ``fdget``/``fdput`` do."""
        call = InFlight(sock)
        sock.inflight += 1
        self._calls.append(call)
        try:
            yield call
        finally:
            if call in self._calls:
                self._calls.remove(call)
            call.drop()

    def drop_all(self) -> None:
        """The threads die first (their syscalls end), then every fd is closed in order."""
        calls, self._calls = self._calls, []
        for call in calls:
            call.drop()
        for fd in self.table.numbers():
            self.table.remove(fd)
