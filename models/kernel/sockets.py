"""One AF_UNIX stream socket: receive buffer, shutdown flags, peer link, references.

Invariant: a socket is released exactly once, when its last reference goes (an fd-table entry,
an in-flight syscall, or its place in a listener's accept queue), and release is the only event
that tells the peer the socket is gone. Closing one fd of several never reaches the peer.

The flags follow Linux's ``sk_shutdown``: ``rcv_shutdown`` (reads return EOF once the buffer is
drained) and ``send_shutdown`` (writes fail with EPIPE) are set by the socket's own shutdown,
by the peer's opposite shutdown, or by the peer's release. ``error`` is Linux's one-shot
``sk_err``: the first read (or woken write) that finds it consumes it.
"""

from __future__ import annotations

import errno
import os
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

import attrs

from explorer import Waker

Phase = Literal["fresh", "listening", "connected"]


def oserror(code: int) -> OSError:
    """The exception a real syscall would raise for ``code``."""
    return OSError(code, os.strerror(code))


@attrs.frozen
class SocketInfo:
    """A snapshot of one socket, as plain data for invariants, tests and reports.

    ``peer_eof_queued``: the peer sent its FIN (its SHUT_WR or its release), so this socket's
    reader sees EOF once it has drained ``unread`` bytes. ``shut_rd``/``shut_wr`` record this
    socket's own shutdown calls; ``rcv_shutdown``/``send_shutdown`` are the kernel's flags,
    whatever set them. ``fds`` are the numbers in ``owner``'s fd table that refer to it.
    """

    id: int
    owner: str
    pid: int
    tag: str | None
    phase: Phase
    path: str | None
    peer: int | None
    fds: tuple[int, ...]
    inflight: int
    writes_inflight: int
    queued: bool
    accept_queue: tuple[int, ...]
    unread: int
    shut_rd: bool
    shut_wr: bool
    rcv_shutdown: bool
    send_shutdown: bool
    peer_eof_queued: bool
    pending_error: int | None
    released: bool

    @property
    def label(self) -> str:
        """``#7`` or ``#7 rpc client``: how traces and messages name the socket."""
        return f"#{self.id}" if self.tag is None else f"#{self.id} {self.tag}"


class WaitList:
    """Tasks sleeping in a syscall until this socket changes (Linux's socket wait queue)."""

    __slots__ = ("_wakers",)

    def __init__(self) -> None:
        self._wakers: list[Waker] = []

    def __len__(self) -> int:
        return len(self._wakers)

    def add(self, w: Waker) -> None:
        self._wakers.append(w)

    def discard(self, w: Waker) -> None:
        if w in self._wakers:
            self._wakers.remove(w)

    def wake_all(self) -> None:
        # Every sleeper re-checks its own condition, as a woken Linux syscall does.
        wakers, self._wakers = self._wakers, []
        for w in wakers:
            w.wake()


class Socket:
    """The kernel's socket object (the open file description); processes hold fds to it."""

    def __init__(self, sid: int, owner: str, pid: int, capacity: int) -> None:
        self.id = sid
        self.owner, self.pid = owner, pid
        self.tag: str | None = None
        self.capacity = capacity
        self.phase: Phase = "fresh"
        self.path: str | None = None
        self.backlog = 0
        self.accept_queue: deque[Socket] = deque()
        self.peer: Socket | None = None  # kept after the peer's release, as Linux keeps it
        self.buffer = bytearray()
        self.shut_rd = self.shut_wr = False
        self.rcv_shutdown = self.send_shutdown = False
        self.fin_received = False
        self.error: int | None = None
        self.fds: list[int] = []
        self.inflight = 0
        self.writes_inflight = 0  # of ``inflight``: writes, which a concurrent close races
        self.queued = False
        self.released = False
        self.readers = WaitList()  # data, EOF, an error, or (listening) a connection to accept
        self.writers = WaitList()  # room in the peer's buffer, or a reason to fail the write
        self.connectors = WaitList()  # (listening) room in the accept queue

    @property
    def label(self) -> str:
        return f"#{self.id}" if self.tag is None else f"#{self.id} {self.tag}"

    # ----- data ----------------------------------------------------------------------------

    def readable(self) -> bool:
        """A read would return now (or, listening, an accept): epoll's EPOLLIN|EPOLLHUP."""
        if self.phase == "listening":
            return bool(self.accept_queue)
        if self.phase == "fresh":
            return True  # an unconnected stream socket polls as hung up
        return bool(self.buffer) or self.error is not None or self.rcv_shutdown

    def put(self, data: bytes) -> int:
        """Append what fits of ``data`` to this socket's receive buffer; wake its readers."""
        n = min(len(data), self.capacity - len(self.buffer))
        if n > 0:
            self.buffer += data[:n]
            self.readers.wake_all()
        return n

    def take(self, n: int) -> bytes:
        """Remove up to ``n`` queued bytes; the room made wakes the peer's blocked writers."""
        data = bytes(self.buffer[:n])
        del self.buffer[:n]
        if data and self.peer is not None:
            self.peer.writers.wake_all()
        return data

    def take_error(self) -> int | None:
        code, self.error = self.error, None
        return code

    # ----- state changes -------------------------------------------------------------------

    def link(self, other: Socket) -> None:
        self.peer, other.peer = other, self
        self.phase = other.phase = "connected"

    def shutdown(self, rd: bool, wr: bool) -> None:
        """``shutdown(2)``: set own flags and the peer's opposite ones; wake both sides."""
        self.shut_rd |= rd
        self.shut_wr |= wr
        self.rcv_shutdown |= rd
        self.send_shutdown |= wr
        self.wake_all()
        peer = self.peer
        if peer is None or peer.released:
            return
        peer.send_shutdown |= rd
        peer.rcv_shutdown |= wr
        peer.fin_received |= wr
        peer.wake_all()

    def wake_all(self) -> None:
        self.readers.wake_all()
        self.writers.wake_all()
        self.connectors.wake_all()

    # ----- references ----------------------------------------------------------------------

    def references(self) -> int:
        return len(self.fds) + self.inflight + int(self.queued)

    def drop_if_unreferenced(self) -> None:
        if not self.released and self.references() == 0:
            self.release(embryo=False)

    def release(self, *, embryo: bool) -> None:
        """The last reference went: tell the peer, drop queued connections, purge the buffer.

        ``embryo`` is a connection never accepted: its client gets ECONNRESET even without
        unread data, as Linux's ``unix_release_sock(sk, embrion=1)`` does.
        """
        assert not self.released and self.references() == 0, f"release of referenced {self.label}"
        self.released = True
        self.rcv_shutdown = self.send_shutdown = True
        peer = self.peer
        if peer is not None and not peer.released:
            peer.rcv_shutdown = peer.send_shutdown = peer.fin_received = True
            if self.buffer or embryo:
                peer.error = errno.ECONNRESET
            peer.wake_all()
        self.buffer.clear()
        while self.accept_queue:
            pending = self.accept_queue.popleft()
            pending.queued = False
            pending.release(embryo=True)
        self.wake_all()

    @contextmanager
    def writing(self) -> Iterator[None]:
        self.writes_inflight += 1
        try:
            yield
        finally:
            self.writes_inflight -= 1

    # ----- observation ---------------------------------------------------------------------

    def info(self) -> SocketInfo:
        return SocketInfo(
            id=self.id, owner=self.owner, pid=self.pid, tag=self.tag, phase=self.phase,
            path=self.path, peer=None if self.peer is None else self.peer.id,
            fds=tuple(sorted(self.fds)), inflight=self.inflight,
            writes_inflight=self.writes_inflight, queued=self.queued,
            accept_queue=tuple(s.id for s in self.accept_queue), unread=len(self.buffer),
            shut_rd=self.shut_rd, shut_wr=self.shut_wr, rcv_shutdown=self.rcv_shutdown,
            send_shutdown=self.send_shutdown, peer_eof_queued=self.fin_received,
            pending_error=self.error, released=self.released,
        )
