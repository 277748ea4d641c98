"""``proposed``'s sessions: the messages each one accepted, and what it can prove delivered.

Invariant: a message accepted by ``sendMessage`` is in exactly one place: the instance's
``pending`` list (no session could take it yet), one session's ``queue`` (not yet written
whole), that session's ``written`` list (written whole, not yet proven read), proven read, or
handed to the module as failed. A message belongs to one session only: it is never written on
a connection other than the one it was accepted for.

Proof of reading uses only what an app has: the stream's own order and its end. The backend
(Node, ``allowHalfOpen`` false) answers our FIN with its own after it has read everything
before it; a socket the backend releases with bytes of ours unread reports ``ECONNRESET`` to
our reader instead of EOF. So an EOF on a session's input that our own ``shutdownInput`` did
not cause proves the backend read every byte written before it; nothing else proves anything.
"""

from __future__ import annotations

import errno
from collections import deque

import explorer
from models.ipc.android.instance import Outgoing
from models.ipc.android.java import IOException, Monitor
from models.ipc.android.localsocket import LocalSocket, SocketInputStream, SocketOutputStream
from models.ipc.framing import encode_prefix
from models.kotlin import Job, suspend_until


class Session:
    """One connect attempt and, once connected, its connection; fields change under the lock."""

    def __init__(self, number: int, name: str) -> None:
        self.number = number
        self.socket: LocalSocket | None = None  # registered before its fd exists
        self.input: SocketInputStream | None = None
        self.connected = False
        self.ending = False  # an end was asked for: write what is queued, then FIN
        self.shut_out = False  # our FIN is sent: nothing more can be written
        self.aborted = False  # ended without waiting: our shutdownInput made the EOF we read
        self.peer_done = False  # the connection is gone on the backend's side: stop writing
        self.eof = False  # our reader saw the input end in EOF (not an error)
        self.reset = False  # ECONNRESET: the backend was released with bytes of ours unread
        self.failure: Exception | None = None  # why connecting failed
        # connect() or sendMessage() was called while this session was connected: its caller
        # relies on a connection afterwards, even if this one is already gone unnoticed
        self.wanted_while_connected = False
        self.job: Job | None = None
        self.sender: Job | None = None
        self.watchdog: Job | None = None  # bounds a graceful end
        self.queue: deque[Outgoing] = deque()
        self.written: list[Outgoing] = []
        self.changed = explorer.WaitQueue(f"{name} session #{number} to change")

    @property
    def accepting(self) -> bool:
        """A message given now can still be written on this session's connection."""
        return not (self.shut_out or self.aborted or self.peer_done or self.failure)

    @property
    def proven_read(self) -> bool:
        """The input ended in the backend's own EOF: it read everything we wrote."""
        return self.eof and not self.reset and not self.aborted

    def take_undelivered(self) -> list[Outgoing]:
        """At the session's end: what was never written, and what was not proven read."""
        failed = list(self.queue) + ([] if self.proven_read else self.written)
        self.queue.clear()
        self.written.clear()
        return failed


def is_reset(exc: IOException) -> bool:
    """The connection-reset error: the peer was released with data of ours unread."""
    cause = exc.__cause__
    return isinstance(cause, OSError) and cause.errno == errno.ECONNRESET


class Sender:
    """A session's sender coroutine: writes its queue in order, whole frames only, then FIN."""

    def __init__(self, session: Session, sock: LocalSocket, out: SocketOutputStream,
                 lock: Monitor) -> None:
        self.session = session
        self.sock = sock
        self.out = out
        self.lock = lock

    async def run(self) -> None:
        session = self.session
        while True:
            await suspend_until(lambda: bool(session.queue) or session.ending
                                or not session.accepting, session.changed, "wait queue")
            async with self.lock:
                message = await self._next_locked()
            if message is None:
                return
            if not await self._write(message):
                return

    async def _next_locked(self) -> Outgoing | None:
        """The head message, or None when the sender is done (after sending FIN if it ends)."""
        session = self.session
        if not session.accepting:
            return None
        if session.queue:
            return session.queue[0]
        # ending, with everything written: FIN. The backend reads up to it, then answers.
        try:
            await self.sock.shutdown_output()
        except IOException:
            session.peer_done = True  # the socket is already unusable
        session.shut_out = True
        session.changed.wake_all()
        return None

    async def _write(self, message: Outgoing) -> bool:
        body = message.text.encode("utf-8")
        try:
            await self.out.write(encode_prefix(body))
            await self.out.write(body)
        except IOException as exc:  # EPIPE, reset, or our own abort: it stays in the queue
            async with self.lock:
                self.session.reset |= is_reset(exc)
                self.session.peer_done = True
                self.session.changed.wake_all()
            return False
        async with self.lock:
            session = self.session
            assert session.queue and session.queue[0] is message, "only the sender removes"
            session.queue.popleft()
            session.written.append(message)
            session.changed.wake_all()
        return True
