"""``NodeJSIPC`` as it was written, in the versions ``pre_pr`` .. ``pr_v2`` (see ``versions``).

Invariant: the model keeps the Kotlin's concurrency exactly: no field is synchronised, every
read and write of one is a scheduling point (Android runs this code on several threads), the
state cell is the only atomic, and each coroutine reads the *current* field where the Kotlin
does, so a coroutine of an old connection can act on the streams of a newer one.
"""

from __future__ import annotations

import struct
from contextlib import suppress

from models.ipc.android.core import (
    CONNECT_DEADLINE_SECONDS,
    RETRY_INTERVAL_SECONDS,
    Body,
    ClientCore,
)
from models.ipc.android.instance import (
    CONNECTED,
    CONNECTING,
    DISCONNECTED,
    DISCONNECTING,
    Field,
    Host,
    Kind,
    MessageHandler,
    Outgoing,
    StateHandler,
    error_state,
)
from models.ipc.android.java import (
    IndexOutOfBoundsException,
    IOException,
    OutOfMemoryError,
    busy_loop_turn,
)
from models.ipc.android.localsocket import LocalSocket, SocketInputStream, SocketOutputStream
from models.ipc.android.versions import (
    CANCEL_SCOPE,
    CLOSE_ALL,
    CLOSE_CHANNEL,
    MARK_DISCONNECTED,
    SHUTDOWN,
    Version,
)
from models.ipc.framing import MAX_FRAME, encode_prefix
from models.kotlin import (
    CancellationException,
    Channel,
    Job,
    TimeoutCancellationException,
    current_job,
    delay,
    with_timeout,
)

#: ``receiveMessageBuffer``: reused for every message that fits.
RECEIVE_BUFFER_SIZE = 1024
#: A length prefix above this fails the allocation: the model's stand-in for the app's heap
#: limit, reached only by a prefix read out of step with the frames.
HEAP_LIMIT = MAX_FRAME


def _allocate(length: int) -> bytearray:
    """``ByteArray(length)`` for a message larger than the reused buffer."""
    if length > HEAP_LIMIT:
        raise OutOfMemoryError(f"Failed to allocate a {length} byte allocation")
    return bytearray(length)


class NodeJSIPC(ClientCore):
    """One client on one socket path; construct with :meth:`open` (the ``init`` block)."""

    def __init__(self, host: Host, path: str, version: Version, on_message: MessageHandler,
                 on_state: StateHandler | None) -> None:
        super().__init__(host, path, on_message, on_state)
        self.version = version
        tracer = host.tracer
        self.socket: Field[LocalSocket | None] = Field(tracer, "socket", None)  # lateinit
        self.output: Field[SocketOutputStream | None] = Field(tracer, "dataOutputStream", None)
        self.input: Field[SocketInputStream | None] = Field(tracer, "dataInputStream", None)
        self.connect_job: Field[Job | None] = Field(tracer, "connectJob", None)
        self.send_channel: Field[Channel[Outgoing]] = Field(
            tracer, "sendChannel", Channel(f"{host.name}.send"))
        self._channels = 1
        # The Kotlin reuses these arrays across messages (and across connections).
        self._length_in = bytearray(4)
        self._length_out = bytearray(4)
        self._message_in = bytearray(RECEIVE_BUFFER_SIZE)

    @classmethod
    async def open(cls, host: Host, path: str, version: Version, on_message: MessageHandler,
                   on_state: StateHandler | None = None) -> NodeJSIPC:
        ipc = cls(host, path, version, on_message, on_state)
        ipc.start_observer(skip_first=True)
        await ipc._connect()
        return ipc

    # ----- public methods ------------------------------------------------------------------

    async def close(self) -> None:
        """Synchronous and terminal, joining nothing: this version's steps in its order.

        Not quite non-blocking: closing the output stream flushes, and LocalSocket's flush
        polls until the peer has read everything we sent.
        """
        assert self.version.has_close, f"{self.version.name} has no close()"
        try:
            await self.public("close", self._close)
        finally:
            self.record.close_returned = True

    async def _close(self) -> None:
        self.closed = True
        steps: dict[str, Body] = {
            CANCEL_SCOPE: self._cancel_scope, CLOSE_CHANNEL: self._close_channel,
            SHUTDOWN: self._shutdown_socket, CLOSE_ALL: self._close_streams_and_socket,
            MARK_DISCONNECTED: lambda: self.state.set(DISCONNECTED),
        }
        for step in self.version.close_steps:
            await steps[step]()

    async def _cancel_scope(self) -> None:
        await self.tracer.point("scope.cancel")
        self.scope.cancel()

    async def _close_channel(self) -> None:
        channel = await self.send_channel.get()
        await self.tracer.point("sendChannel.close")
        channel.close()

    # ----- connect() and the connect coroutine C --------------------------------------------

    async def _connect(self) -> None:
        """The synchronous part, on the caller's thread."""
        if (await self.state.get()).kind is Kind.CONNECTED:
            return
        if (await self.state.get()).kind is Kind.CONNECTING:
            return
        if (await self.state.get()).kind is Kind.ERROR:
            await self.state.set(DISCONNECTED)
        channel = await self.send_channel.get()
        await self.tracer.point("sendChannel.isClosedForSend")
        if channel.is_closed_for_send:
            self._channels += 1
            await self.send_channel.set(Channel(f"{self.host.name}.send{self._channels}"))
        job = self.launch(self._connect_coroutine, "connect")
        await self.connect_job.set(job, job.name)

    async def _connect_coroutine(self) -> None:
        job = current_job()
        if not await self._claim_connecting(job):
            return
        await self._close_previous_socket()
        try:
            sock = await self._connect_with_retry()
            await self._adopt(sock)
        except Exception as exc:  # Kotlin's catch (e: Exception): cancellation included
            await self.state.set(error_state(exc))
            return
        await self.state.set(CONNECTED)
        self.launch(self._receive_loop, "receive", parent=job)
        self.launch(self._send_loop, "send", parent=job)

    async def _claim_connecting(self, job: Job) -> bool:
        """C's state loop: False to return early; True also when the job stopped being
        active, as the Kotlin then falls out of its ``while (isActive)`` into the connect."""
        while await self._is_active(job):
            state = await self.state.get()
            if state.kind in (Kind.CONNECTING, Kind.CONNECTED):
                return False
            if state.kind is Kind.DISCONNECTING:
                await self.state.first(lambda s: s.kind is Kind.DISCONNECTED, "wait Disconnected")
            elif state.kind is Kind.DISCONNECTED:
                if await self.state.cas(DISCONNECTED, CONNECTING):
                    return True
            else:
                await self.state.set(DISCONNECTED)
        return True

    async def _is_active(self, job: Job) -> bool:
        await self.tracer.point("isActive")
        return job.is_active

    async def _close_previous_socket(self) -> None:
        """A plain close of the previous socket: no shutdown."""
        if await self.socket.get() is not None:
            sock = await self.socket.get()
            assert sock is not None
            with suppress(Exception):
                await sock.close()

    async def _connect_with_retry(self) -> LocalSocket:
        attempts = [0]
        failures: list[IOException] = []

        async def attempt_until_connected() -> LocalSocket:
            while True:
                attempts[0] += 1
                candidate = LocalSocket(self.host)  # a new fd per attempt
                try:
                    await candidate.connect(self.path)
                    return candidate
                except IOException as exc:
                    with suppress(Exception):
                        await candidate.close()
                    failures.append(exc)
                    await delay(RETRY_INTERVAL_SECONDS)

        try:
            return await with_timeout(CONNECT_DEADLINE_SECONDS, attempt_until_connected)
        except TimeoutCancellationException:
            raise IOException(f"Timed out connecting to socket after"
                              f" {CONNECT_DEADLINE_SECONDS:g}s across {attempts[0]} attempts"
                              ) from (failures[-1] if failures else None)

    async def _adopt(self, sock: LocalSocket) -> None:
        """``socket = connectWithRetry().apply { streams }``: the streams are set first."""
        await self.output.set(sock.output_stream())
        await self.input.set(sock.input_stream())
        await self.socket.set(sock, f"fd {sock.fd}")

    # ----- the receive loop R ---------------------------------------------------------------

    async def _receive_loop(self) -> None:
        job = current_job()
        while await self._is_active(job):
            try:
                await self._receive_message()
            except IOException:
                await self._disconnect()
                # No suspension here: the loop retries the read at once.
                await busy_loop_turn(self.tracer, "receive loop retries after an IOException")

    async def _receive_message(self) -> None:
        """Two ``readFully`` calls, each on the input-stream field as it is *then*."""
        stream = await self.input.get()
        if stream is not None:
            await stream.read_fully(self._length_in, 0, 4)
        (length,) = struct.unpack("<i", bytes(self._length_in))  # a Java int: signed
        buffer = self._message_in if length <= RECEIVE_BUFFER_SIZE else _allocate(length)
        stream = await self.input.get()
        if stream is not None:
            await stream.read_fully(buffer, 0, length)
        if length < 0:
            raise IndexOutOfBoundsException(f"decodeToString(0, {length})")
        await self.deliver_message(bytes(buffer[:length]).decode("utf-8", errors="replace"))

    # ----- sendMessage() and the send loop S ------------------------------------------------

    async def _send_message(self, message: Outgoing) -> None:
        await self._connect()
        channel = await self.send_channel.get()
        await self.tracer.point("trySend", f"m{message.ident}")
        channel.try_send(message)  # the result is ignored: a closed channel drops it silently

    async def _send_loop(self) -> None:
        channel = await self.send_channel.get()  # the channel object S started with
        async for message in channel:
            try:
                await self._send_one(message)
            except IOException:
                await self._disconnect()
                break

    async def _send_one(self, message: Outgoing) -> None:
        body = message.text.encode("utf-8")
        await self.state.first(lambda s: s.kind is Kind.CONNECTED, "wait Connected")
        out = await self.output.get()
        if out is None:
            raise IOException("Socket not connected")
        self._length_out[:] = encode_prefix(body)  # the shared sendLengthBuffer
        await out.write(self._length_out)
        await out.write(body)

    # ----- disconnect() and the disconnect coroutine D --------------------------------------

    async def _disconnect(self) -> None:
        if (await self.state.get()).kind is Kind.DISCONNECTING:
            return
        if (await self.state.get()).kind is Kind.DISCONNECTED:
            return
        await self._close_channel()  # before any state change
        job = self.launch(self._disconnect_coroutine, "disconnect")
        job.invoke_on_completion(self._disconnect_completed)

    def _disconnect_completed(self, cause: BaseException | None) -> None:
        """Runs however D ended, early returns included."""
        if cause is None or isinstance(cause, IOException | CancellationException):
            self.state.set_now(DISCONNECTED)
        else:
            self.state.set_now(error_state(cause))

    async def _disconnect_coroutine(self) -> None:
        job = current_job()
        if not await self._claim_disconnecting(job):
            return
        if self.version.shutdown_in_disconnect:
            await self._shutdown_socket()
        connect_job = await self.connect_job.get()
        if connect_job is not None:
            await self.tracer.point("cancelAndJoin connectJob", connect_job.name)
            await connect_job.cancel_and_join()
        await self.connect_job.set(None)
        await self._close_streams_and_socket()

    async def _claim_disconnecting(self, job: Job) -> bool:
        while await self._is_active(job):
            state = await self.state.get()
            if state.kind in (Kind.DISCONNECTING, Kind.DISCONNECTED):
                return False
            if state.kind is Kind.CONNECTING:
                await self.state.first(lambda s: s.kind in (Kind.CONNECTED, Kind.ERROR),
                                       "wait Connected or Error")
            elif state.kind is Kind.CONNECTED:
                if await self.state.cas(CONNECTED, DISCONNECTING):
                    return True
            else:
                await self.state.set(DISCONNECTED)
                return False
        return True

    # ----- teardown helpers (each call's errors swallowed, as in the Kotlin) ----------------

    async def _shutdown_socket(self) -> None:
        if await self.socket.get() is None:
            return
        sock = await self.socket.get()
        assert sock is not None
        with suppress(Exception):
            await sock.shutdown_input()
        sock = await self.socket.get()
        assert sock is not None
        with suppress(Exception):
            await sock.shutdown_output()

    async def _close_streams_and_socket(self) -> None:
        out = await self.output.get()
        if out is not None:
            with suppress(Exception):
                await out.close()  # flushes first: waits for the peer to read what we sent
        stream = await self.input.get()
        if stream is not None:
            with suppress(Exception):
                await stream.close()
        if await self.socket.get() is not None:
            sock = await self.socket.get()
            assert sock is not None
            with suppress(Exception):
                await sock.close()
