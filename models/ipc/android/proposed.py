"""``proposed``: the project's fix for ``NodeJSIPC``, built to pass every teardown invariant.

Invariant: every socket the instance creates belongs to exactly one *session* (one connect
attempt and, if it connects, its connection), is registered there before its
fd exists, and is closed by that session's own coroutine once nothing else can use it; and
``close()`` returns only after every coroutine of the instance has completed.

The design, and why each part is there:

- **One lock** (a JVM monitor) guards every field: ``closed``, the current session, the
  outbox and the state. The old fields were unsynchronised, which let a coroutine of an old
  connection act on the streams of a newer one. No one blocks (read, write, join) while
  holding it; only non-blocking syscalls (shutdown, close) run under it, so a shutdown can
  never hit an fd number another thread has just closed and reused.
- **Sessions**: ``connect()`` starts a session coroutine when there is none. It connects with
  retry (each candidate is registered in the session before ``connect`` creates its fd, so a
  session cancelled while connecting, whose connected socket ``withTimeout`` then discards,
  still closes it: the review's connect-race leak), then launches its sender
  and runs the receive loop itself. Both use the session's own streams, never a shared field.
  When the session ends, for whatever reason, it waits (non-cancellably) for its sender,
  closes its socket with ``LocalSocket.close()`` (not the stream's close, whose flush polls
  until the peer has read everything), and only then lets a new session start: the peer sees
  EOF on the old connection before the next connect.
- **Ending a session** (close, disconnect, a failed write) is one step under the lock: mark it
  ending, ``shutdown`` input and output if it is connected (wakes the blocked read and a write
  blocked on a full buffer; the peer sees EOF now), and cancel its job (wakes the retry delay
  and the sender's wait). Nothing the session does can block on anything else.
- **An outbox, and proof of reading**: ``sendMessage`` appends under the lock; the sender
  writes the head message whole, then moves it to its session's *unconfirmed* list. Bytes
  written are not bytes delivered: a backend that dies with our bytes unread discards them,
  and the only sign is ``ECONNRESET``. So a message leaves the client's care only once the
  backend is proven to have read it (``TIOCOUTQ`` readings, see ``outbox``); when a session
  ends, what it wrote but cannot prove read fails *visibly* (``on_send_failed``, an error
  event to JS), and what was never written whole stays queued for the next session: at most
  once, never silently lost. The sender never waits for the backend: a poll that lasts as
  long as the backend is slow is a livelock on a slow enough schedule; only ``close()``'s
  bounded drain polls. A session whose connect failed fails its outbox visibly too.
- **Public calls after close() throw** ``IllegalStateException``: no silent no-op.
- **close()**, synchronous on the module's thread:
  1. under the lock: ``closed = true`` (nothing new starts after this);
  2. if messages are queued or unconfirmed and the session is connecting or connected, wait
     until they are written and proven read, bounded by ``DRAIN_SECONDS``: a reload right
     after a postMessage still delivers it, and a backend that is down or slow costs the
     caller that bound, no more;
  3. end the session (shutdown + cancel) and cancel the scope (the state collector);
  4. join every coroutine the instance ever launched (``runBlocking`` on the caller). After
     step 3 every one of them is runnable or waiting on something step 3 woke, so the join
     ends as soon as they are scheduled. The join has a watchdog of ``JOIN_WATCHDOG_SECONDS``:
     when it fires, close() records the stall and keeps waiting. Returning early would let a
     coroutine act after close() returned (the review's last finding), and closing fds under
     a running syscall would free numbers it may be about to use, so the watchdog reports, it
     does not abandon. The one wait step 3 cannot end is a connect() stuck on the full accept
     queue of a backend that stopped accepting; that stall is what the note is for;
  5. fail visibly what is left in the outbox (each session's end already failed what it
     wrote and could not prove read);
  6. deliver ``Disconnecting`` then ``Disconnected`` to the observer itself, in order, after
     its collector has stopped: the conflated collector could skip either, and JS must see
     STOPPED on a final teardown.
"""

from __future__ import annotations

from contextlib import suppress

import explorer
from models.ipc.android.core import CONNECT_DEADLINE_SECONDS, RETRY_INTERVAL_SECONDS, ClientCore
from models.ipc.android.instance import (
    CONNECTED,
    CONNECTING,
    DISCONNECTED,
    DISCONNECTING,
    Host,
    MessageHandler,
    Outgoing,
    SendFailedHandler,
    StateHandler,
    error_state,
)
from models.ipc.android.java import IllegalStateException, IOException, Monitor
from models.ipc.android.localsocket import LocalSocket, SocketInputStream
from models.ipc.android.outbox import Outbox, Session, is_reset
from models.ipc.framing import FramingError, decode_length
from models.kotlin import (
    CancellationException,
    Job,
    TimeoutCancellationException,
    current_job,
    delay,
    with_timeout,
)

DRAIN_SECONDS = 1.0
JOIN_WATCHDOG_SECONDS = 2.0


class ProposedIPC(ClientCore):
    """``NodeJSIPC`` redesigned; construct with :meth:`open`."""

    def __init__(self, host: Host, path: str, on_message: MessageHandler,
                 on_state: StateHandler | None, on_send_failed: SendFailedHandler) -> None:
        super().__init__(host, path, on_message, on_state)
        self.lock = Monitor(f"{host.name}.lock", host.tracer)
        self.session: Session | None = None
        self._sessions = 0
        self.reconnect = False  # connect() came while the session was ending
        self.outbox = Outbox(host.name, self.lock)
        self._on_send_failed = on_send_failed

    @classmethod
    async def open(cls, host: Host, path: str, on_message: MessageHandler,
                   on_state: StateHandler | None, on_send_failed: SendFailedHandler,
                   ) -> ProposedIPC:
        ipc = cls(host, path, on_message, on_state, on_send_failed)
        # Every sample is forwarded: the initial Disconnected maps to no change in JS.
        ipc.start_observer(skip_first=False)
        await ipc._connect()
        return ipc

    # ----- public methods ------------------------------------------------------------------

    async def close(self) -> None:
        try:
            await self.public("close", self._close)
        finally:
            self.record.close_returned = True

    def _check_open(self, op: str) -> None:
        if self.closed:
            raise IllegalStateException(f"{op}() on closed NodeJSIPC {self.host.name}")

    async def _connect(self) -> None:
        async with self.lock:
            self._check_open("connect")
            self._want_connection_locked()

    async def _send_message(self, message: Outgoing) -> None:
        async with self.lock:
            self._check_open("sendMessage")
            self.outbox.add_locked(message)
            self._want_connection_locked()

    async def _disconnect(self) -> None:
        async with self.lock:
            self._check_open("disconnect")
            if self.session is not None:
                await self._end_session_locked(self.session)

    # ----- sessions ------------------------------------------------------------------------

    def _want_connection_locked(self) -> None:
        session = self.session
        if session is None:
            self._start_session_locked()
        elif session.ending:
            self.reconnect = True

    def _start_session_locked(self) -> None:
        self._sessions += 1
        session = Session(self._sessions)
        self.session, self.reconnect = session, False
        self.state.set_now(CONNECTING)
        session.job = self.launch(lambda: self._run_session(session), "session")

    async def _end_session_locked(self, session: Session) -> None:
        """Wake everything the session waits on; the session closes its socket itself."""
        if session.ending:
            return
        session.ending = True
        self.outbox.changed.wake_all()  # a drain waiting in close() looks again
        if session.connected and session.socket is not None:
            self.state.set_now(DISCONNECTING)
            with suppress(IOException):
                await session.socket.shutdown_input()
                session.input_shut = True
            with suppress(IOException):
                await session.socket.shutdown_output()
        assert session.job is not None
        session.job.cancel()

    async def _run_session(self, session: Session) -> None:
        try:
            await self._connect_and_serve(session)
        except CancellationException:
            pass
        except Exception as exc:  # connecting failed (or a bug): the session ends in Error
            session.failure = exc
        await self._end_of_session(session)

    async def _connect_and_serve(self, session: Session) -> None:
        sock = await self._connect_with_retry(session)
        out, stream = sock.output_stream(), sock.input_stream()
        async with self.lock:
            if session.ending:
                return
            session.connected, session.input = True, stream
            self.state.set_now(CONNECTED)
            session.sender = self.launch(
                lambda: self.outbox.send_loop(session, sock, out, self._end_session_locked),
                "send", parent=current_job())
        await self._receive_loop(session, stream)

    async def _connect_with_retry(self, session: Session) -> LocalSocket:
        failures: list[IOException] = []

        async def attempt_until_connected() -> LocalSocket:
            # Only this coroutine ever touches a candidate (ending a session shuts down a
            # *connected* socket only), so no lock here; registering it first means that a
            # connect which succeeds just as the session is cancelled (its value discarded by
            # withTimeout) still leaves the socket where the session's end will close it.
            while True:
                candidate = LocalSocket(self.host)
                session.socket = candidate
                try:
                    await candidate.connect(self.path)
                    return candidate
                except IOException as exc:
                    failures.append(exc)
                session.socket = None
                with suppress(IOException):
                    await candidate.close()
                await delay(RETRY_INTERVAL_SECONDS)

        try:
            return await with_timeout(CONNECT_DEADLINE_SECONDS, attempt_until_connected)
        except TimeoutCancellationException:
            raise IOException(f"Timed out connecting to socket after {len(failures)} attempts"
                              ) from (failures[-1] if failures else None)

    async def _end_of_session(self, session: Session) -> None:
        async with self.lock:
            await self._end_session_locked(session)
        if session.sender is not None:
            await self._wait_completed(session.sender)
        unread = await self.outbox.unread_at_end(session)
        failed: list[Outgoing] = []
        async with self.lock:
            if session.socket is not None:
                with suppress(IOException):
                    await session.socket.close()
                session.socket = None
            if self.session is session:
                self.session = None
            if not self.closed:
                failed = self._settle_locked(session)
        for message in unread:
            await self._on_send_failed(message, "the connection ended before the backend read it")
        for message in failed:
            await self._on_send_failed(message, f"connect failed: {session.failure}")

    def _settle_locked(self, session: Session) -> list[Outgoing]:
        """After a session: its end state, and a new session if one is still wanted."""
        if session.failure is not None:
            failed = self.outbox.take_all_locked()
            self.state.set_now(error_state(session.failure))
            if self.reconnect:
                self._start_session_locked()
            return failed
        self.state.set_now(DISCONNECTED)
        if self.reconnect or self.outbox:
            self._start_session_locked()
        return []

    async def _wait_completed(self, job: Job) -> None:
        """``withContext(NonCancellable) { job.join() }``: the session is ending anyway."""
        if job.is_completed:
            return
        self.tracer.mark("join sender")
        w = explorer.waker()

        def wake(_cause: BaseException | None) -> None:
            w.wake()

        job.invoke_on_completion(wake)
        await explorer.block("join (NonCancellable)", f"job {job.name} to complete",
                             cancellable=False)

    # ----- the receive loop: the session coroutine, once connected ---------------------------

    async def _receive_loop(self, session: Session, stream: SocketInputStream) -> None:
        job = current_job()
        prefix = bytearray(4)
        while True:
            await self.tracer.point("isActive")
            if not job.is_active:
                return
            try:
                await stream.read_fully(prefix, 0, 4)
                body = bytearray(decode_length(bytes(prefix)))
                await stream.read_fully(body, 0, len(body))
            except IOException as exc:  # EOF, reset, or our own shutdown: the session is over
                async with self.lock:
                    session.reset |= is_reset(exc)
                return
            except FramingError:
                return  # a frame we cannot read: the stream is out of step
            await self.deliver_message(bytes(body).decode("utf-8", errors="replace"))

    # ----- close() -------------------------------------------------------------------------

    async def _close(self) -> None:
        async with self.lock:
            if self.closed:
                return  # Closeable: a second close does nothing
            self.closed = True
            session = self.session
        if session is not None and not session.ending and (self.outbox or session.unconfirmed):
            await self.outbox.drain(session, DRAIN_SECONDS)
        async with self.lock:
            if self.session is not None:
                await self._end_session_locked(self.session)
        await self.tracer.point("scope.cancel")
        self.scope.cancel()
        await self._join_every_coroutine()
        async with self.lock:
            assert self.session is None or self.session.socket is None, "a socket outlived close"
            self.session = None
            failed = self.outbox.take_all_locked()
            self.state.set_now(DISCONNECTED)
        for message in failed:
            await self._on_send_failed(message, "closed before it could be sent")
        await self.deliver_state(DISCONNECTING)
        await self.deliver_state(DISCONNECTED)

    async def _join_every_coroutine(self) -> None:
        with explorer.move_on_after(JOIN_WATCHDOG_SECONDS,
                                    f"{self.host.name} close() join watchdog") as watchdog:
            await self._join_all()
        if watchdog.cancelled_caught:
            running = ", ".join(j.name for j in self.jobs if not j.is_completed)
            self.host.observations.notes.append(
                f"{self.host.name}: close() still waiting after {JOIN_WATCHDOG_SECONDS:g}s"
                f" for {running}")
            await self._join_all()

    async def _join_all(self) -> None:
        index = 0
        while index < len(self.jobs):  # a job launched meanwhile is joined too
            await self.jobs[index].join()
            index += 1
