"""``proposed``'s sessions and outbox: what was accepted for sending and not yet proven read.

Invariant: a message accepted by ``sendMessage`` is in exactly one place: the outbox (not yet
written whole), a session's ``unconfirmed`` list (written, not yet proven read by the
backend), proven read, or handed to the module as failed. Nothing here waits for the backend
without a bound: the sender never polls, and only ``close()``'s drain polls, within its bound.

Proof of reading comes from ``TIOCOUTQ`` (the bytes we sent that the peer has not read):
a reading of P > 0 proves everything but the last P bytes was read (a dead peer's buffer is
purged, which reads 0). A reading of 0 is a proof only once something shows the peer was
alive after it: a later write that succeeds, or no ``ECONNRESET`` (the kernel's word that the
peer died with our bytes unread) when the connection's input is read to its end.
"""

from __future__ import annotations

import errno
from collections import deque
from collections.abc import Awaitable, Callable

import explorer
from models.ipc.android.instance import Outgoing
from models.ipc.android.java import IOException, Monitor
from models.ipc.android.localsocket import LocalSocket, SocketInputStream, SocketOutputStream
from models.ipc.framing import encode_prefix
from models.kotlin import Job, suspend_until

#: ``close()`` polls ``TIOCOUTQ`` this often while it drains, within its bound.
DRAIN_POLL_SECONDS = 0.01


class Session:
    """One connect attempt and, once connected, its connection."""

    def __init__(self, number: int) -> None:
        self.number = number
        self.socket: LocalSocket | None = None  # registered before its fd exists
        self.input: SocketInputStream | None = None
        self.connected = False
        self.ending = False
        self.input_shut = False  # our shutdownInput succeeded: reads no longer block
        self.failure: Exception | None = None  # why connecting failed
        self.job: Job | None = None
        self.sender: Job | None = None
        self.reset = False  # ECONNRESET seen: the peer died with bytes of ours unread
        self.written = 0  # bytes written whole on this connection
        self.unconfirmed: deque[tuple[int, Outgoing]] = deque()  # (end offset, message)

    def confirm(self, upto: int) -> None:
        """The peer has read the first ``upto`` bytes we wrote."""
        while self.unconfirmed and self.unconfirmed[0][0] <= upto:
            self.unconfirmed.popleft()


def is_reset(exc: IOException) -> bool:
    """The connection-reset error: the peer was released with data of ours unread."""
    cause = exc.__cause__
    return isinstance(cause, OSError) and cause.errno == errno.ECONNRESET


EndSession = Callable[[Session], Awaitable[None]]


class Outbox:
    """The messages in order; every method named ``*_locked`` runs under ``lock``."""

    def __init__(self, name: str, lock: Monitor) -> None:
        self.name = name
        self.lock = lock
        self.items: deque[Outgoing] = deque()
        self.changed = explorer.WaitQueue(f"{name} outbox to change")

    def __len__(self) -> int:
        return len(self.items)

    def add_locked(self, message: Outgoing) -> None:
        self.items.append(message)
        self.changed.wake_all()

    def take_all_locked(self) -> list[Outgoing]:
        taken = list(self.items)
        self.items.clear()
        return taken

    # ----- the sender ----------------------------------------------------------------------

    async def send_loop(self, session: Session, sock: LocalSocket, out: SocketOutputStream,
                        end_session_locked: EndSession) -> None:
        """The session's sender: writes the head message, then moves it to ``unconfirmed``."""
        while True:
            await suspend_until(lambda: bool(self.items), self.changed, "wait outbox")
            async with self.lock:
                message = self.items[0] if self.items else None
            if message is None:
                continue
            try:
                await self._send(session, sock, out, message)
            except IOException as exc:  # the message stays at the head for the next session
                async with self.lock:
                    session.reset |= is_reset(exc)
                    await end_session_locked(session)
                return
            async with self.lock:
                assert self.items and self.items[0] is message, "only the sender removes"
                self.items.popleft()
                session.unconfirmed.append((session.written, message))
                self.changed.wake_all()

    async def _send(self, session: Session, sock: LocalSocket, out: SocketOutputStream,
                    message: Outgoing) -> None:
        body = message.text.encode("utf-8")
        before = session.written
        unread = None
        if session.unconfirmed:
            unread = await _unread(sock)
            async with self.lock:
                _apply_reading(session, unread)
        await out.write(encode_prefix(body))
        if unread == 0:
            # The peer took new bytes, so it was alive after that reading: a real zero.
            async with self.lock:
                session.confirm(before)
        await out.write(body)
        session.written = before + 4 + len(body)

    # ----- the end of a session, and close()'s drain ---------------------------------------

    async def unread_at_end(self, session: Session) -> list[Outgoing]:
        """What the session wrote that the peer is not proven to have read; empties the list.

        Runs in the session's coroutine after its sender ended and its input was shut down,
        so the reads here return at once: data, then a pending ``ECONNRESET``, then EOF.
        """
        sock, stream = session.socket, session.input
        if session.unconfirmed and sock is not None and stream is not None and session.input_shut:
            unread = await _unread(sock)
            await self._read_to_end(session, stream)
            async with self.lock:
                _apply_reading(session, unread)
                if unread == 0 and not session.reset:
                    session.confirm(session.written)
        async with self.lock:
            messages = [message for _, message in session.unconfirmed]
            session.unconfirmed.clear()
        return messages

    @staticmethod
    async def _read_to_end(session: Session, stream: SocketInputStream) -> None:
        scratch = bytearray(256)
        try:
            while await stream.read(scratch, 0, len(scratch)) >= 0:
                pass  # what the backend sent after we stopped listening: dropped
        except IOException as exc:
            session.reset |= is_reset(exc)

    async def drain(self, session: Session, seconds: float) -> None:
        """``close()``: wait, bounded, until everything queued is written and proven read.

        Runs on the module's thread (``runBlocking``); a reading takes the lock, as the
        session closes its socket under it.
        """
        with explorer.move_on_after(seconds, f"{self.name} close() drain bound"):
            while not session.ending:
                if self.items:
                    await self.changed.wait("close() drains the outbox")
                    continue
                async with self.lock:
                    sock = session.socket
                    if session.ending or not session.unconfirmed or sock is None:
                        return
                    unread = await _unread(sock)
                    _apply_reading(session, unread)
                if unread == 0:
                    return  # the session's end checks this zero for a reset
                await explorer.sleep(DRAIN_POLL_SECONDS)


async def _unread(sock: LocalSocket) -> int:
    """One ``TIOCOUTQ`` reading on a socket only its session will close."""
    fd = sock.fd
    assert fd is not None, "only the session closes its socket, once nothing else uses it"
    return await sock.pending_output(fd)


def _apply_reading(session: Session, unread: int) -> None:
    """A non-zero reading is a proof at once (a dead peer's buffer reads 0)."""
    if unread > 0:
        session.confirm(session.written - unread)
