"""``android.net.LocalSocket`` and the Data streams Kotlin wraps around it, over the kernel.

Invariant: the Java object holds its fd number until the first close, and a close forgets the
number *before* the close syscall, so a later call on the object fails with "socket closed"
or "socket not created" instead of reaching a reused number. Closing either stream closes the
socket; a socket nobody closes stays open (only garbage collection would close it).

A stream call reads the fd number and then enters the kernel: a close on another thread
between the two is the real race of the JNI code, and the model keeps its window.
"""

from __future__ import annotations

import errno
import os
import socket as _socket

from models.ipc.android.instance import Host
from models.ipc.android.java import (
    EOFException,
    IndexOutOfBoundsException,
    IOException,
    Monitor,
    thread_sleep,
)

#: ``SocketOutputStream.flush`` polls the send queue with this sleep between polls.
FLUSH_POLL_SECONDS = 0.01


def _io(exc: OSError) -> IOException:
    """The ``ErrnoException`` rethrown as an ``IOException``, cause kept."""
    wrapped = IOException(f"{os.strerror(exc.errno or 0)} (errno {exc.errno})")
    wrapped.__cause__ = exc
    return wrapped


class LocalSocket:
    """A client ``LocalSocket``; the fd is created by the first call that needs it."""

    def __init__(self, host: Host) -> None:
        self._host = host
        self.fd: int | None = None  # the FileDescriptor; None before create and after close
        self._created = False
        self._connected = False
        self.read_monitor = Monitor("readMonitor", host.tracer)
        self.write_monitor = Monitor("writeMonitor", host.tracer)

    def __repr__(self) -> str:
        return f"<LocalSocket {self._host.name} fd={self.fd}>"

    def _mark(self, call: str) -> None:
        """The kernel takes its own point for a syscall; we only note it for ``after_close``."""
        self._host.tracer.mark(f"sys.{call}")

    async def _create_if_needed(self) -> None:
        """``implCreateIfNeeded``: ``socket()`` once, even if it fails."""
        if self._created:
            return
        self._created = True
        self._mark("socket")
        try:
            fd = await self._host.process.socket()
        except OSError as exc:
            raise _io(exc) from exc
        self._host.adopt_socket(fd)
        self.fd = fd

    def _fd_or_raise(self, message: str) -> int:
        if self.fd is None:
            raise IOException(message)
        return self.fd

    async def connect(self, path: str) -> None:
        if self._connected:
            raise IOException("already connected")
        await self._create_if_needed()
        fd = self._fd_or_raise("socket not created")
        self._mark("connect")
        try:
            await self._host.process.connect(fd, path)
        except OSError as exc:
            raise _io(exc) from exc
        self._connected = True

    def input_stream(self) -> SocketInputStream:
        self._fd_or_raise("socket not created")
        return SocketInputStream(self, self._host)

    def output_stream(self) -> SocketOutputStream:
        self._fd_or_raise("socket not created")
        return SocketOutputStream(self, self._host)

    async def shutdown_input(self) -> None:
        await self._shutdown(_socket.SHUT_RD)

    async def shutdown_output(self) -> None:
        await self._shutdown(_socket.SHUT_WR)

    async def _shutdown(self, how: int) -> None:
        await self._create_if_needed()
        fd = self._fd_or_raise("socket not created")
        self._mark("shutdown")
        try:
            await self._host.process.shutdown(fd, how)
        except OSError as exc:
            raise _io(exc) from exc

    async def close(self) -> None:
        """Forget the number, then close it; a second close does nothing."""
        await self._create_if_needed()
        fd, self.fd = self.fd, None
        if fd is None:
            return
        self._mark("close")
        try:
            await self._host.process.close(fd)
        except OSError as exc:
            raise _io(exc) from exc

    async def pending_output(self, fd: int) -> int:
        """``ioctl(fd, TIOCOUTQ)``: bytes we sent that the peer has not read yet.

        The kernel model has no ioctl, so this reads its observation API at a point of its
        own: on AF_UNIX the count is what sits unread in the peer's receive buffer.
        """
        host = self._host
        await host.tracer.point("sys.ioctl", f"{host.process.name} fd {fd}, TIOCOUTQ")
        info = host.kernel.socket_for(host.process, fd)
        if info is None:
            raise _io(OSError(errno.EBADF, os.strerror(errno.EBADF)))
        if info.peer is None:
            return 0
        peer = host.kernel.socket_info(info.peer)
        return 0 if peer.released else peer.unread


class SocketInputStream:
    """``LocalSocketImpl.SocketInputStream`` with ``DataInputStream.readFully`` on top."""

    def __init__(self, sock: LocalSocket, host: Host) -> None:
        self._sock = sock
        self._host = host

    async def read(self, buffer: bytearray, offset: int, length: int) -> int:
        """Bytes read into ``buffer[offset:]``, or -1 at end of stream."""
        async with self._sock.read_monitor:
            fd = self._sock.fd
            if fd is None:
                raise IOException("socket closed")
            if length == 0:
                return 0
            self._host.tracer.mark("sys.read")
            try:
                data = await self._host.process.read(fd, length)
            except OSError as exc:
                raise _io(exc) from exc
        if not data:
            return -1
        buffer[offset:offset + len(data)] = data
        return len(data)

    async def read_fully(self, buffer: bytearray, offset: int, length: int) -> None:
        """``DataInputStream.readFully``: loop until ``length`` bytes, EOF is an error."""
        if length < 0 or offset + length > len(buffer):
            raise IndexOutOfBoundsException(f"offset {offset}, length {length}")
        done = 0
        while done < length:
            count = await self.read(buffer, offset + done, length - done)
            if count < 0:
                raise EOFException()
            done += count

    async def close(self) -> None:
        await self._sock.close()


class SocketOutputStream:
    """``LocalSocketImpl.SocketOutputStream`` inside a ``DataOutputStream``."""

    def __init__(self, sock: LocalSocket, host: Host) -> None:
        self._sock = sock
        self._host = host
        self._closed = False  # FilterOutputStream's flag: a second close does nothing

    async def write(self, data: bytes | bytearray) -> None:
        async with self._sock.write_monitor:
            fd = self._sock.fd
            if fd is None:
                raise IOException("socket closed")
            self._host.tracer.mark("sys.write")
            try:
                await self._host.process.write(fd, bytes(data))  # JNI copies the array now
            except OSError as exc:
                raise _io(exc) from exc

    async def flush(self) -> None:
        """Polls until the peer has read everything we sent (LocalSocket's own flush)."""
        fd = self._sock.fd
        if fd is None:
            raise IOException("socket closed")
        while await self._sock.pending_output(fd) > 0:
            await thread_sleep(FLUSH_POLL_SECONDS, self._host.tracer)

    async def close(self) -> None:
        """``DataOutputStream.close()``: flush, then close the socket whatever flush did."""
        if self._closed:
            return
        self._closed = True
        try:
            await self.flush()
        finally:
            await self._sock.close()
