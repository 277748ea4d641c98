"""Deliberately broken copies of ``proposed``: the mistakes a developer fixing the PR makes.

Invariant: each mutant differs from :class:`ProposedIPC` in exactly one mechanism, named in
its docstring, and changes nothing a search could not observe; ``MUTANTS`` names each one with
the scenario group of the flagship searches expected to kill it.
"""

from __future__ import annotations

from contextlib import suppress

from models.ipc.android.core import CONNECT_DEADLINE_SECONDS, RETRY_INTERVAL_SECONDS
from models.ipc.android.instance import DISCONNECTED, DISCONNECTING, Outgoing, State
from models.ipc.android.java import IOException
from models.ipc.android.localsocket import LocalSocket
from models.ipc.android.outbox import Sender, Session
from models.ipc.android.proposed import ProposedIPC
from models.kotlin import (
    Job,
    TimeoutCancellationException,
    delay,
    ensure_active,
    with_timeout,
)


class JoinDropped(ProposedIPC):
    """close() asks the session to end and cancels the scope, then returns: no join."""

    async def _close(self) -> None:
        async with self.lock:
            if self.closed:
                return
            self.closed = True
            if self.session is not None:
                self._end_session_locked(self.session)
        await self.tracer.point("scope.cancel")
        self.scope.cancel()
        await self.deliver_state(DISCONNECTING)
        await self.deliver_state(DISCONNECTED)


class _ClosingSender(Sender):
    async def _next_locked(self) -> Outgoing | None:
        session = self.session
        if session.accepting and session.ending and not session.queue:
            with suppress(IOException):
                await self.out.close()  # "closing the output stream sends EOF"
            session.shut_out = True
            session.changed.wake_all()
            return None
        return await super()._next_locked()


class CloseInsteadOfShutdown(ProposedIPC):
    """The sender ends its half by closing the output stream instead of ``shutdownOutput``
    (close and shutdown swapped): the socket closes under the blocked read, and no FIN goes
    out while that read holds its last reference."""

    sender_class = _ClosingSender


class DrainSkipped(ProposedIPC):
    """close() aborts the session at once instead of letting it write what it accepted."""

    def _end_session_locked(self, session: Session) -> None:
        super()._end_session_locked(session)
        session.aborted = True  # as if the bound had already passed
        session.changed.wake_all()
        if session.job is not None:
            session.job.cancel()


class ScopeCancelledFirst(ProposedIPC):
    """close() cancels the scope before the session has ended."""

    async def _close(self) -> None:
        await self.tracer.point("scope.cancel")
        self.scope.cancel()
        await super()._close()


class SessionReadOutsideLock(ProposedIPC):
    """sendMessage reads whether the session still accepts messages before taking the lock."""

    async def _send_message(self, message: Outgoing) -> None:
        self._check_open("sendMessage")
        session = self.session
        accepting = session is not None and session.accepting
        async with self.lock:
            if session is not None and accepting:
                session.queue.append(message)
                session.changed.wake_all()
            else:
                self.pending.append(message)
            self._want_connection_locked()


class _ResetBlindSession(Session):
    @property
    def proven_read(self) -> bool:
        return (self.eof or self.reset) and not self.aborted


class ResetTakenAsProof(ProposedIPC):
    """The end of the input counts as proof of reading even when it was ``ECONNRESET``."""

    session_class = _ResetBlindSession


class _HastySender(Sender):
    async def _next_locked(self) -> Outgoing | None:
        session = self.session
        if session.ending and session.accepting and session.queue:
            with suppress(IOException):
                await self.sock.shutdown_output()
            session.shut_out = True
            session.changed.wake_all()
            return None
        return await super()._next_locked()


class FinBeforeQueue(ProposedIPC):
    """The sender sends FIN as soon as the session ends, with messages still queued."""

    sender_class = _HastySender


class CarriedOver(ProposedIPC):
    """What a session did not write is carried to the next session instead of failing."""

    async def _end_of_session(self, session: Session) -> None:
        async with self.lock:
            self.pending.extendleft(reversed(session.queue))
            session.queue.clear()
        await super()._end_of_session(session)


class _TrustingSession(Session):
    def take_undelivered(self) -> list[Outgoing]:
        failed = list(self.queue)  # written counts as delivered
        self.queue.clear()
        self.written.clear()
        return failed


class WrittenTakenAsDelivered(ProposedIPC):
    """A write that returned is taken as proof of delivery: what the backend may never have
    read is not failed when the session ends."""

    session_class = _TrustingSession


class RegisteredAfterConnect(ProposedIPC):
    """A connect candidate is registered in its session only once connect() returned."""

    async def _connect_with_retry(self, session: Session) -> LocalSocket:
        async def attempt_until_connected() -> LocalSocket:
            while True:
                await ensure_active()
                candidate = LocalSocket(self.host)
                try:
                    await candidate.connect(self.path)
                    session.socket = candidate
                    return candidate
                except IOException:
                    pass
                with suppress(IOException):
                    await candidate.close()
                await delay(RETRY_INTERVAL_SECONDS)

        try:
            return await with_timeout(CONNECT_DEADLINE_SECONDS, attempt_until_connected)
        except TimeoutCancellationException:
            raise IOException("Timed out connecting to socket") from None


class NoFinalStates(ProposedIPC):
    """close() leaves the final Disconnecting/Disconnected to the cancelled collector."""

    async def deliver_state(self, state: State) -> None:
        if not self.closed:
            await super().deliver_state(state)


class SilentAfterClose(ProposedIPC):
    """connect() and sendMessage() on a closed instance do nothing instead of throwing."""

    async def _connect(self) -> None:
        if not self.closed:
            await super()._connect()

    async def _send_message(self, message: Outgoing) -> None:
        if not self.closed:
            await super()._send_message(message)


class SenderNotJoined(ProposedIPC):
    """The session closes its socket without waiting for its sender to finish a write."""

    async def _wait_completed(self, job: Job) -> None:
        if ".send" not in job.name:
            await super()._wait_completed(job)


#: name -> (the mistake, the flagship search group expected to kill it)
MUTANTS: dict[str, tuple[str, type[ProposedIPC], str]] = {
    "join_dropped": ("close() does not join", JoinDropped, "close_joins"),
    "close_for_shutdown": ("abort closes instead of shutting down", CloseInsteadOfShutdown,
                           "dropped_send"),
    "drain_skipped": ("close() aborts without draining", DrainSkipped, "dropped_send"),
    "scope_first": ("scope cancelled before the drain", ScopeCancelledFirst, "dropped_send"),
    "read_outside_lock": ("session read outside the lock", SessionReadOutsideLock,
                          "faults"),
    "reset_as_proof": ("ECONNRESET taken as proof of reading", ResetTakenAsProof, "faults"),
    "fin_before_queue": ("FIN sent with messages queued", FinBeforeQueue, "dropped_send"),
    "carried_over": ("unwritten messages carried to the next session", CarriedOver, "faults"),
    "written_as_delivered": ("a returned write taken as proof of delivery",
                             WrittenTakenAsDelivered, "faults"),
    "registered_late": ("connect candidate registered after connect", RegisteredAfterConnect,
                        "fd_leak"),
    "no_final_states": ("final states left to the cancelled collector", NoFinalStates,
                        "js_state"),
    "silent_after_close": ("calls after close() do nothing", SilentAfterClose,
                           "use_after_close"),
    "sender_not_joined": ("socket closed under the sender's write", SenderNotJoined,
                          "send_vs_close"),
}
