"""``proposed``: the project's fix for ``NodeJSIPC``, built to keep every contract.

Invariant: every socket the instance creates belongs to exactly one *session* (one connect
attempt and, if it connects, its connection), is registered there before its fd exists, and
is closed by that session's own coroutine once nothing else can use it; every message belongs
to one session; and ``close()`` returns only after every coroutine of the instance completed.

It uses only what an ordinary app has: ``LocalSocket`` (connect, streams, shutdownInput,
shutdownOutput, close) and documented kotlinx.coroutines behaviour. The design, and why:

- **One lock** (a JVM monitor) guards every field. No one blocks (read, write, join) while
  holding it; only non-blocking syscalls (shutdown, close) run under it, so a shutdown can
  never hit an fd number another thread has just closed and reused.
- **Sessions**: ``connect()`` starts a session coroutine when there is none. It connects with
  retry (each candidate registered before ``connect`` creates its fd, so a session cancelled
  while connecting still closes the socket ``withTimeout`` discards: the review's connect-race
  leak), then launches its sender and runs the receive loop itself, on its own streams.
- **Messages belong to a session**: ``sendMessage`` gives the message to the session that can
  still write it (connecting or connected, FIN not yet sent), or keeps it for the next
  session. A message is never carried from one connection to another: the backend's servers
  and subscriptions are per connection.
- **Ending a session gracefully** (close, disconnect): the sender writes what the session
  accepted, whole frames only, then sends FIN (``shutdownOutput``). The backend reads up to
  it and answers with its own FIN; the receive loop reads on until that EOF, so replies still
  reach JS. That EOF proves every byte was read (see ``outbox``); ``ECONNRESET`` instead
  proves nothing, so what was written then fails *visibly* (``on_send_failed``, an error
  event to JS). A watchdog bounds the graceful end (``END_SECONDS``): a backend that stops
  reading costs the caller that bound, then the session aborts (shutdownInput and Output
  wake the read and a write blocked on a full buffer) and fails visibly what it cannot prove.
- **The backend ends a session** (its FIN, a crash, a reset): the sender stops, and what was
  not written, or written but not proven read, fails visibly.
- **Public calls after close() throw** ``IllegalStateException``: no silent no-op.
- **close()**, synchronous on the module's thread: mark closed; end the session gracefully
  and wait for it (bounded by its watchdog); cancel the scope (the state collector); join every
  coroutine the instance launched, with a watchdog (``JOIN_WATCHDOG_SECONDS``) that records a
  stall and keeps waiting: returning early would let a coroutine act after close() returned
  (the review's last finding); fail visibly anything left; then deliver ``Disconnecting`` and
  ``Disconnected`` to the observer itself, in order, after its collector stopped (the
  conflated collector could skip either, and JS must see STOPPED on a final teardown).
"""

from __future__ import annotations

from collections import deque
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
    State,
    StateHandler,
    disconnected_after,
    error_state,
)
from models.ipc.android.java import EOFException, IllegalStateException, IOException, Monitor
from models.ipc.android.localsocket import LocalSocket, SocketInputStream
from models.ipc.android.outbox import Sender, Session, is_reset
from models.ipc.framing import FramingError, decode_length
from models.kotlin import (
    CancellationException,
    Job,
    TimeoutCancellationException,
    current_job,
    delay,
    ensure_active,
    with_timeout,
)

END_SECONDS = 1.0
JOIN_WATCHDOG_SECONDS = 2.0


class ProposedIPC(ClientCore):
    """``NodeJSIPC`` redesigned; construct with :meth:`open`."""

    #: The classes of a session and of its sender (a candidate fix may change either).
    session_class: type[Session] = Session
    sender_class: type[Sender] = Sender

    def __init__(self, host: Host, path: str, on_message: MessageHandler,
                 on_state: StateHandler | None, on_send_failed: SendFailedHandler) -> None:
        super().__init__(host, path, on_message, on_state)
        self.lock = Monitor(f"{host.name}.lock", host.tracer)
        self.session: Session | None = None
        self._sessions = 0
        self.reconnect = False  # a connection was asked for while the session was ending
        self.pending: deque[Outgoing] = deque()  # for the next session
        self._on_send_failed = on_send_failed

    @classmethod
    async def open(cls, host: Host, path: str, on_message: MessageHandler,
                   on_state: StateHandler | None, on_send_failed: SendFailedHandler,
                   ) -> ProposedIPC:
        ipc = cls(host, path, on_message, on_state, on_send_failed)
        ipc._start_state_observer()
        await ipc._connect()
        return ipc

    def _start_state_observer(self) -> None:
        """The collector forwards every sample but the initial ``Disconnected(0)``: it says
        nothing happened, and delivered late (the collector is conflated) it would read as
        "the backend went away" after the new connection's ready frame. A session's end is
        ``Disconnected(n)`` with n >= 1, a different value, so it is forwarded even when the
        conflated collector saw none of the session's states before it."""
        if self._on_state is None:
            return

        async def forward(state: State) -> None:
            if state != DISCONNECTED:
                await self.deliver_state(state)

        async def observe() -> None:
            await self.state.flow.collect(forward)

        self.launch(observe, "observer")

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
            session = self.session
            if session is not None and session.accepting:
                session.queue.append(message)
                session.changed.wake_all()
            else:
                self.pending.append(message)
            self._want_connection_locked()

    async def _disconnect(self) -> None:
        async with self.lock:
            self._check_open("disconnect")
            self.reconnect = False
            if self.session is not None:
                self._end_session_locked(self.session)

    # ----- sessions ------------------------------------------------------------------------

    def _want_connection_locked(self) -> None:
        session = self.session
        if session is None:
            self._start_session_locked()
        elif session.ending or not session.accepting:
            self.reconnect = True
        elif session.connected:
            session.wanted_while_connected = True

    def _start_session_locked(self) -> None:
        self._sessions += 1
        session = self.session_class(self._sessions, self.host.name)
        session.queue.extend(self.pending)
        self.pending.clear()
        self.session, self.reconnect = session, False
        self.state.set_now(CONNECTING)
        # ATOMIC: the session's own end (closing its socket, failing its messages visibly)
        # runs even when the session is cancelled before its coroutine started.
        session.job = self.launch(lambda: self._run_session(session), "session", atomic=True)

    def _end_session_locked(self, session: Session) -> None:
        """Ask for a graceful end: the sender writes what is queued, then FIN; bounded."""
        if session.ending:
            return
        session.ending = True
        session.changed.wake_all()
        if session.connected:
            self.state.set_now(DISCONNECTING)
        elif not session.queue:
            assert session.job is not None
            session.job.cancel()  # nothing to deliver: stop connecting now
        session.watchdog = self.launch(lambda: self._bound_end(session), "end-watchdog")

    async def _bound_end(self, session: Session) -> None:
        """The graceful end's bound: a backend that does not answer in time is cut off."""
        with suppress(CancellationException):
            await delay(END_SECONDS)
            async with self.lock:
                await self._abort_locked(session)

    async def _abort_locked(self, session: Session) -> None:
        """End now: wake the blocked read and write, stop connecting."""
        if session.aborted or session.job is None or session.job.is_completed:
            return
        session.aborted = True
        session.changed.wake_all()
        if session.connected and session.socket is not None:
            with suppress(IOException):
                await session.socket.shutdown_input()
            with suppress(IOException):
                await session.socket.shutdown_output()
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
            if session.aborted:
                return
            session.connected, session.input = True, stream
            self.state.set_now(CONNECTED)
            sender = self.sender_class(session, sock, out, self.lock)
            session.sender = self.launch(sender.run, "send", parent=current_job())
        await self._receive_loop(session, stream)

    async def _connect_with_retry(self, session: Session) -> LocalSocket:
        failures: list[IOException] = []

        async def attempt_until_connected() -> LocalSocket:
            # Only this coroutine touches a candidate until the session is connected, so no
            # lock here; registering it first means that a connect which succeeds just as
            # the session is cancelled (its value discarded by withTimeout) still leaves the
            # socket where the session's end will close it.
            while True:
                await ensure_active()  # a session cancelled before it connects stops here
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
            lost = not session.ending  # nobody asked for this end: the connection was lost
            session.ending = session.peer_done = True
            session.changed.wake_all()
        if session.sender is not None:
            await self._wait_completed(session.sender)
        if session.watchdog is not None:
            session.watchdog.cancel()
        async with self.lock:
            if session.socket is not None:
                with suppress(IOException):
                    await session.socket.close()
                session.socket = None
            if self.session is session:
                self.session = None
            failed = session.take_undelivered()
            if not self.closed:
                self._settle_locked(session, lost)
        reason = (f"connect failed: {session.failure}" if session.failure is not None
                  else "the connection ended before the backend confirmed it")
        for message in failed:
            await self._on_send_failed(message, reason)

    def _settle_locked(self, session: Session, lost: bool) -> None:
        """After a session: its end state, and a new session if one is still wanted: asked
        for during its end, needed by pending messages, or asked for while it was connected
        and then lost (a connect() on a connection whose peer had already gone, EOF not yet
        read, must not be the no-op that leaves the client without one)."""
        if session.failure is not None:
            self.state.set_now(error_state(session.failure))
        else:
            self.state.set_now(disconnected_after(session.number))
        if self.reconnect or self.pending or (lost and session.wanted_while_connected):
            self._start_session_locked()

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
        prefix = bytearray(4)
        while True:
            try:
                await stream.read_fully(prefix, 0, 4)
                body = bytearray(decode_length(bytes(prefix)))
                await stream.read_fully(body, 0, len(body))
            except IOException as exc:  # EOF, reset, or our own shutdown: the input is over
                async with self.lock:
                    session.reset |= is_reset(exc)
                    session.eof = not session.reset and _is_eof(exc)
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
            if session is not None:
                self._end_session_locked(session)
        if session is not None and session.job is not None:
            await self._wait_completed(session.job)
        await self.tracer.point("scope.cancel")
        self.scope.cancel()
        await self._join_every_coroutine()
        async with self.lock:
            assert self.session is None or self.session.socket is None, "a socket outlived close"
            self.session = None
            failed = list(self.pending)
            self.pending.clear()
            self.state.set_now(disconnected_after(self._sessions))
        for message in failed:
            await self._on_send_failed(message, "closed before it could be sent")
        await self.deliver_state(DISCONNECTING)
        await self.deliver_state(disconnected_after(self._sessions))

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


def _is_eof(exc: IOException) -> bool:
    """The read ended at the end of the stream, not in an error."""
    return isinstance(exc, EOFException)
