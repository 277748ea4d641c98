"""One accepted connection in the Node backend: a ``net.Socket`` wrapped in a framed stream.

Invariant: the backend's fd of a connection is closed exactly once (by ``destroy``), and the
``close`` event (the cleanup hook of the servers attached to it) fires once, after that close,
and never while the process is dead. Node's event loop never blocks on a socket: reads wait
for readiness (epoll) holding no reference, and writes go through a userland buffer drained
by the connection's own writer task, so a full peer buffer stalls that writer only.
"""

from __future__ import annotations

import errno
import socket as _socket
from collections import deque
from collections.abc import Callable

import explorer
from models.ipc.framing import PREFIX_SIZE, FramingError, decode_body, decode_length, encode
from models.kernel import Process

#: libuv reads up to 64 KiB per readable event.
READ_CHUNK = 65536

Handler = Callable[[str], None]
CloseHandler = Callable[[], None]


def take_frames(buf: bytearray) -> list[str]:
    """Remove every complete frame from ``buf`` and return their texts (FramedStream)."""
    texts: list[str] = []
    while len(buf) >= PREFIX_SIZE:
        length = decode_length(bytes(buf[:PREFIX_SIZE]))
        if len(buf) < PREFIX_SIZE + length:
            break
        texts.append(decode_body(bytes(buf[PREFIX_SIZE:PREFIX_SIZE + length])))
        del buf[:PREFIX_SIZE + length]
    return texts


class NodeLoop:
    """Node's one JavaScript thread: while it is busy (a long synchronous task, a stall), no
    connection reads, writes or accepts; the kernel keeps queueing bytes meanwhile."""

    def __init__(self, name: str) -> None:
        self.busy = False
        self.stalls = 0  # how many times it has been busy so far
        self._free = explorer.WaitQueue(f"{name} event loop to be free")

    def stall(self, seconds: float) -> None:
        """Busy for ``seconds`` of virtual time (a stall already under way goes on)."""
        if self.busy:
            return
        self.busy = True
        self.stalls += 1
        explorer.call_later(seconds, "the backend's event loop is free again", self._resume)

    def _resume(self) -> None:
        self.busy = False
        self._free.wake_all()

    async def turn(self) -> bool:
        """Wait until JavaScript can run; True if it had to wait."""
        waited = False
        while self.busy:
            waited = True
            await self._free.wait("node.busy", cancellable=False)
        return waited


class Connection:
    """A connection's socket, framing and message port, with its reader and writer tasks.

    ``on_message`` receives each decoded frame; ``on_close`` handlers are the message port's
    ``close`` listeners. ``close_event`` False models the backend before PR #86, whose
    message port never emitted ``close``: the socket still closes, but no handler runs.
    """

    def __init__(self, proc: Process, fd: int, role: str, number: int, generation: int,
                 close_event: bool, loop: NodeLoop | None = None, seq: int = 0) -> None:
        self.proc = proc
        self.loop = loop or NodeLoop(f"{role}-conn#{number}")
        self.seq = seq  # the order of its accept among the world's facts
        self.fd = fd
        self.role = role
        self.number = number
        self.generation = generation
        self.close_event = close_event
        self.name = f"{role}-conn#{number}"
        info = proc.socket_info(fd)
        assert info is not None, f"accepted fd {fd} has no socket"
        self.socket_id = info.id
        proc.set_tag(fd, f"backend {self.name}")
        self.on_message: Handler = lambda _text: None
        self.on_close: list[CloseHandler] = []
        self._outgoing: deque[bytes] = deque()
        self._writer_wait = explorer.WaitQueue(f"{self.name} write buffer to fill")
        self.ending = False  # EOF seen: flush, then end our side (allowHalfOpen false)
        self.destroyed = False  # the backend fd is closed (or closing)
        self.closed = False  # the 'close' event has been emitted
        self.cleaned_up = False  # the close handlers (server cleanup) ran
        self.why = ""  # why the connection ended: "eof", "EPIPE", "framing error", ...
        self.sent = 0
        self.written: list[str] = []  # texts whose frame went wholly into the socket
        self.dropped: list[str] = []  # texts written after the socket ended: they go nowhere
        #: the app's FIN (or release) was already queued when the event loop came back from a
        #: stall: a frame cut by it was cut while the backend was not reading
        self.cut_while_stalled = False

    @property
    def open(self) -> bool:
        """The backend still holds this connection's fd and its process is alive."""
        return not self.destroyed and self.proc.alive

    def start(self) -> None:
        explorer.spawn(self._read_loop, name=f"backend/{self.name}", daemon=True)
        explorer.spawn(self._write_loop, name=f"backend/{self.name}-write", daemon=True)

    # ----- writing (socket.write: never blocks the caller) ---------------------------------

    def post(self, text: str) -> None:
        """``messagePort.postMessage``: queue one frame; the writer task puts it on the wire."""
        if self.destroyed or self.ending or not self.proc.alive:
            self.dropped.append(text)
            return
        self._outgoing.append(encode(text))
        self._writer_wait.wake_one()

    async def _write_loop(self) -> None:
        while True:
            while not (self._outgoing or self.ending or self.destroyed):
                await self._writer_wait.wait("node.idle", cancellable=False)
            if self.destroyed:
                return
            if self._outgoing:
                await self.loop.turn()
                if self.destroyed:
                    return
                if not await self._write_one(self._outgoing.popleft()):
                    return
                continue
            await self._end_our_side()
            return

    async def _write_one(self, frame: bytes) -> bool:
        try:
            await self.proc.write(self.fd, frame)
        except OSError as exc:
            await self.destroy(errno.errorcode.get(exc.errno or 0, str(exc)))
            return False
        self.sent += 1
        self.written.append(decode_body(frame[PREFIX_SIZE:]))
        return True

    async def _end_our_side(self) -> None:
        """All queued writes are out: send our FIN, then the stream is done and destroyed."""
        try:
            await self.proc.shutdown(self.fd, _socket.SHUT_WR)
        except OSError as exc:
            await self.destroy(errno.errorcode.get(exc.errno or 0, str(exc)))
            return
        await self.destroy(self.why or "eof")

    # ----- reading --------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        buf = bytearray()
        while True:
            try:
                await self.proc.wait_readable(self.fd)
                if await self.loop.turn():
                    self._note_cut_while_stalled()
                if self.destroyed:
                    return
                chunk = await self.proc.read(self.fd, READ_CHUNK)
            except OSError as exc:
                if not self.destroyed:
                    await self.destroy(errno.errorcode.get(exc.errno or 0, str(exc)))
                return
            if not chunk:
                await self._on_end(buf)
                return
            buf += chunk
            if not await self._deliver(buf):
                return

    def _note_cut_while_stalled(self) -> None:
        info = self.proc.socket_info(self.fd)
        if info is not None and info.peer_eof_queued:
            self.cut_while_stalled = True

    async def _deliver(self, buf: bytearray) -> bool:
        try:
            texts = take_frames(buf)
        except FramingError:
            await self.destroy("framing error")
            return False
        for text in texts:
            if self.destroyed:
                break
            self.on_message(text)
        return True

    async def _on_end(self, buf: bytearray) -> None:
        if buf:
            # FramedStream ends with a partial frame: a stream error, which destroys it.
            await self.destroy("framing error (frame cut off by EOF)")
            return
        self.why = "eof"
        self.ending = True
        self._writer_wait.wake_one()

    # ----- the end --------------------------------------------------------------------------

    async def destroy(self, why: str) -> None:
        """``socket.destroy()``: close the fd now; the 'close' event follows on a later tick."""
        if self.destroyed:
            return
        self.destroyed = True
        self.why = why
        self._outgoing.clear()
        self._writer_wait.wake_all()
        try:
            await self.proc.close(self.fd)
        except OSError:
            return
        await explorer.point("node.close", f"{self.name} ({why})")
        self._emit_close()

    def _emit_close(self) -> None:
        self.closed = True
        if not self.close_event or not self.proc.alive:
            return
        for handler in self.on_close:
            handler()
        self.cleaned_up = True
