"""The simulated kernel: every socket ever created, the path namespace, the processes.

Invariant: sockets and processes are numbered in creation order and never forgotten (a
released socket stays, marked released), so an invariant can ask about any socket by id at any
time, and every listing is in creation order: nothing here depends on hashing or identity.
"""

from __future__ import annotations

import errno

from models.kernel.process import Process
from models.kernel.sockets import Socket, SocketInfo, oserror


class Kernel:
    """AF_UNIX stream sockets for a few processes; ``buffer_size`` bytes per receive buffer."""

    def __init__(self, buffer_size: int = 256) -> None:
        if buffer_size < 1:
            raise ValueError(f"buffer_size must be at least 1 byte, got {buffer_size}")
        self.buffer_size = buffer_size
        self._sockets: list[Socket] = []
        self._names: dict[str, Socket] = {}
        self._processes: list[Process] = []

    def process(self, name: str) -> Process:
        """A new process with an empty fd table (names may repeat: a restart is a new pid)."""
        proc = Process(self, name, len(self._processes) + 1)
        self._processes.append(proc)
        return proc

    # ----- observation: plain data ---------------------------------------------------------

    def processes(self) -> list[Process]:
        return list(self._processes)

    def sockets(self) -> list[SocketInfo]:
        """Every socket ever created, released ones included, in creation order."""
        return [s.info() for s in self._sockets]

    def live_sockets(self) -> list[SocketInfo]:
        """Sockets not yet released, in creation order."""
        return [s.info() for s in self._sockets if not s.released]

    def closed_under_write(self, pid: int) -> list[str]:
        """Labels of ``pid``'s live sockets that no fd refers to while a write on them is
        still in flight (read off the sockets directly: this runs after every step)."""
        return [s.label for s in self._sockets
                if s.pid == pid and s.writes_inflight and not s.fds and not s.released]

    def socket_info(self, sid: int) -> SocketInfo:
        return self._socket(sid).info()

    def socket_for(self, process: Process, fd: int) -> SocketInfo | None:
        """The socket ``process``'s ``fd`` refers to now, or None when the number is free."""
        return process.socket_info(fd)

    def peer_of(self, sid: int) -> SocketInfo | None:
        """The other end of socket ``sid``'s connection (possibly released), if it has one."""
        peer = self._socket(sid).peer
        return None if peer is None else peer.info()

    def names(self) -> dict[str, int]:
        """The path namespace: each bound path and the id of the socket bound there.

        A path outlives its socket (a stale socket file) until it is unlinked.
        """
        return {path: sock.id for path, sock in self._names.items()}

    def set_tag(self, sid: int, tag: str | None) -> None:
        """Name socket ``sid`` for invariants and reports, e.g. ``"rpc client of #3"``."""
        self._socket(sid).tag = tag

    def _socket(self, sid: int) -> Socket:
        if not 0 <= sid < len(self._sockets):
            raise KeyError(f"no socket #{sid} (sockets #0..#{len(self._sockets) - 1} exist)")
        return self._sockets[sid]

    # ----- kernel side, for Process --------------------------------------------------------

    def create_socket(self, owner: str, pid: int) -> Socket:
        sock = Socket(len(self._sockets), owner, pid, self.buffer_size)
        self._sockets.append(sock)
        return sock

    def bind_path(self, path: str, sock: Socket) -> None:
        if path in self._names:
            raise oserror(errno.EADDRINUSE)
        self._names[path] = sock
        sock.path = path

    def unlink_path(self, path: str) -> None:
        if self._names.pop(path, None) is None:
            raise oserror(errno.ENOENT)

    def listener_at(self, path: str) -> Socket:
        """The socket a connect to ``path`` reaches: ENOENT, or ECONNREFUSED if not listening."""
        sock = self._names.get(path)
        if sock is None:
            raise oserror(errno.ENOENT)
        if sock.released or sock.phase != "listening":
            raise oserror(errno.ECONNREFUSED)
        return sock
