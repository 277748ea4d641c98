"""The iOS IPC client (``NodeJSIPC.swift``): one lock, three serial queues, one socket.

Invariant: the client's fd is closed only by ``disconnect()`` after its receive work item has
finished (unless called from it) and its send queue has drained, or by ``performConnect`` when
the fd it just connected is no longer wanted; ``state``, ``socket``, the receive work item and
the pending messages are read and written only while holding ``lock``.
"""

from __future__ import annotations

import contextlib
import enum
import errno
import socket as _socket
from collections.abc import Awaitable, Callable

import explorer
from models.ipc.framing import PREFIX_SIZE, encode_prefix
from models.ipc.ios.dispatch import SerialQueue, WorkItem
from models.ipc.observe import Call, ClientRecord, Observations
from models.kernel import Kernel, Process

#: ``waitForFile``: poll for the socket file every 50 ms, give up after 30 s.
FILE_POLL = 0.05
FILE_TIMEOUT = 30.0
#: ``connectWithRetry``: 5 attempts, 100 ms doubling to at most 5 s between them.
CONNECT_ATTEMPTS = 5
FIRST_RETRY_DELAY = 0.1
MAX_RETRY_DELAY = 5.0

Body = Callable[[], Awaitable[None]]


class IOSState(enum.Enum):
    DISCONNECTED = "disconnected"
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTING = "disconnecting"
    ERROR = "error"


class IPCError(Exception):
    """``NodeJSIPC.IPCError``: what the client's own loops catch (never reaches JS)."""


def _errname(exc: OSError) -> str:
    return errno.errorcode.get(exc.errno or 0, str(exc))


class IOSClient:
    """One ``NodeJSIPC`` instance. ``start()`` is the initializer's ``connect()`` call."""

    def __init__(self, kernel: Kernel, proc: Process, path: str, record: ClientRecord,
                 observations: Observations, on_message: Callable[[str], None]) -> None:
        self.kernel, self.proc, self.path = kernel, proc, path
        self.record = record
        self.observations = observations
        self.on_message = on_message
        self.name = f"{record.role}#{record.instance}"
        self.task_prefix = f"ios/{self.name}."  # the instance's queue tasks: "ios/rpc#1.sendQ"
        self.lock = explorer.Lock(f"NodeJSIPC {self.name}")
        self.state = IOSState.DISCONNECTED
        self.history: list[IOSState] = [self.state]
        self.socket = -1
        self.receive_work_item: WorkItem | None = None
        self.pending: list[str] = []
        self.connect_queue = self._queue("connect")
        self.send_queue = self._queue("send")
        self.receive_queue = self._queue("receive")
        # Swift ARC: the owner's reference plus one per running `[weak self]` closure.
        self._strong_refs = 1
        self.deallocated = False

    def _queue(self, kind: str) -> SerialQueue:
        queue = SerialQueue(f"{kind} {self.name}", f"{self.task_prefix}{kind}Q")
        self.record.tasks.append(queue.task)
        return queue

    # ----- bookkeeping that is not Swift code ----------------------------------------------

    def _note(self, label: str) -> None:
        """Record a step one of this instance's queues takes after its teardown returned."""
        if not self.record.close_returned:
            return
        task = explorer.current_task().name
        if task.startswith(self.task_prefix):
            self.record.after_close.append(f"{task}: {label}")

    def _call(self, op: str) -> None:
        self.observations.calls.append(
            Call(self.record.instance, op, on_closed_instance=self.record.close_returned))
        if op in ("connect", "sendMessage"):
            self.record.wanted = True
            self.record.wanted_seq = self.observations.tick()
        elif op == "disconnect":
            self.record.wanted = False

    def _set(self, state: IOSState) -> None:
        self.state = state
        self.history.append(state)

    def _weak(self, body: Body) -> Body:
        """``{ [weak self] in self?.body() }``: a no-op once the instance is deallocated."""

        async def run() -> None:
            if self.deallocated:
                return
            self._strong_refs += 1
            try:
                await body()
            finally:
                self._release()

        return run

    def _release(self) -> None:
        self._strong_refs -= 1
        if self._strong_refs == 0:
            self.deallocated = True
            for queue in (self.connect_queue, self.send_queue, self.receive_queue):
                queue.release()

    def drop(self) -> None:
        """The owner lets go of the instance (``self.ipc = nil``)."""
        self._release()

    async def _locked(self) -> None:
        self._note("lock")
        await self.lock.acquire()

    # ----- public API ----------------------------------------------------------------------

    async def start(self) -> None:
        """``init(socketPath:onMessage:)`` ends by calling ``connect()``."""
        await self._connect()

    async def connect(self) -> None:
        self._call("connect")
        await self._acting(self._connect)

    async def _connect(self) -> None:
        await self._locked()
        # .disconnecting is refused so a racing sendMessage cannot reopen a closing client.
        if self.state in (IOSState.CONNECTED, IOSState.CONNECTING, IOSState.DISCONNECTING):
            await self.lock.release()
            return
        if self.state is IOSState.ERROR:
            self._set(IOSState.DISCONNECTED)
        self._set(IOSState.CONNECTING)
        await self.lock.release()
        self.connect_queue.run_async("performConnect", self._weak(self._perform_connect))

    async def send_message(self, text: str) -> None:
        self._call("sendMessage")
        await self._acting(self._connect)
        self.send_queue.run_async("sendMessageInternal", self._weak(self._sender(text)))

    async def disconnect(self) -> None:
        self._call("disconnect")
        await self._acting(self._disconnect)

    async def _acting(self, body: Body) -> None:
        """Run a public method's body as this instance's act (its syscalls are the instance's)."""
        acting = self.observations.acting
        acting.append(self.record.instance)
        try:
            await body()
        finally:
            acting.pop()

    async def _disconnect(self) -> None:
        await self._locked()
        if self.state in (IOSState.DISCONNECTING, IOSState.DISCONNECTED):
            await self.lock.release()
            return
        self._set(IOSState.DISCONNECTING)
        fd, work = self.socket, self.receive_work_item
        self.receive_work_item = None
        await self.lock.release()
        if fd >= 0:
            await self._ignore(self._shutdown(fd))
        if work is not None and not self.receive_queue.is_current():
            self._note("workItem.wait")
            await work.wait()
        self._note("sendQueue.sync")
        await self.send_queue.sync_empty()
        if fd >= 0:
            await self._ignore(self._close(fd))
        await self._locked()
        self.socket = -1
        self._set(IOSState.DISCONNECTED)
        await self.lock.release()

    # ----- connecting (on the connect queue) -----------------------------------------------

    async def _perform_connect(self) -> None:
        await self._wait_for_file()
        try:
            fd = await self._connect_with_retry()
        except IPCError:
            await self._locked()
            if self.state is IOSState.CONNECTING:
                self._set(IOSState.ERROR)
            await self.lock.release()
            return
        await self._locked()
        if self.state is not IOSState.CONNECTING:
            # disconnect() ran while we connected: the new fd is an orphan.
            await self.lock.release()
            await self._ignore(self._close(fd))
            return
        self.socket = fd
        self._set(IOSState.CONNECTED)
        flush, self.pending = self.pending, []
        await self.lock.release()
        await self._start_receiving()
        for text in flush:
            self.send_queue.run_async("sendMessageInternal", self._weak(self._sender(text)))

    async def _wait_for_file(self) -> None:
        if await self._file_exists():
            return
        deadline = explorer.now() + FILE_TIMEOUT
        while not await self._file_exists():
            if explorer.now() > deadline:
                return
            await explorer.sleep(FILE_POLL)

    async def _file_exists(self) -> bool:
        self._note("sys.stat")
        await explorer.point("sys.stat", f"{self.proc.name} {self.path}")
        return self.path in self.kernel.names()

    async def _connect_with_retry(self) -> int:
        delay, last = FIRST_RETRY_DELAY, ""
        for attempt in range(CONNECT_ATTEMPTS):
            try:
                return await self._connect_socket()
            except IPCError as exc:
                last = str(exc)
                if attempt < CONNECT_ATTEMPTS - 1:
                    await explorer.sleep(delay)  # usleep: blocks the connect queue
                    delay = min(delay * 2, MAX_RETRY_DELAY)
        raise IPCError(f"connection failed after {CONNECT_ATTEMPTS} attempts: {last}")

    async def _connect_socket(self) -> int:
        self._note("sys.socket")
        fd = await self.proc.socket()
        info = self.proc.socket_info(fd)
        assert info is not None
        self.record.sockets.append(info.id)
        self.proc.set_tag(fd, f"ios {self.name}")
        try:
            self._note("sys.connect")
            await self.proc.connect(fd, self.path)
        except OSError as exc:
            await self._ignore(self._close(fd))
            raise IPCError(f"connect() failed: {_errname(exc)}") from exc
        return fd

    # ----- sending (on the send queue) -----------------------------------------------------

    def _sender(self, text: str) -> Body:
        async def send() -> None:
            await self._send_internal(text)

        return send

    async def _send_internal(self, text: str) -> None:
        await self._locked()
        fd, state = self.socket, self.state
        await self.lock.release()
        if fd < 0:
            if state in (IOSState.CONNECTING, IOSState.DISCONNECTED):
                await self._locked()
                self.pending.append(text)
                await self.lock.release()
            else:
                self._lost(text, f"not connected ({state.value})")
            return
        body = text.encode("utf-8")
        try:
            await self._write(fd, encode_prefix(body))
            await self._write(fd, body)
        except OSError as exc:
            self._lost(text, f"write failed: {_errname(exc)}")

    def _lost(self, text: str, why: str) -> None:
        """The Swift code only logs here: the message is gone and nobody is told."""
        self.observations.notes.append(f"ios {self.name}: send of {text!r} dropped: {why}")

    # ----- receiving (on the receive queue) ------------------------------------------------

    async def _start_receiving(self) -> None:
        item = WorkItem(f"receiveLoop {self.name}", self._weak(self._receive_loop))
        await self._locked()
        self.receive_work_item = item
        await self.lock.release()
        self.receive_queue.submit(item)

    async def _receive_loop(self) -> None:
        while True:
            await self._locked()
            fd, state = self.socket, self.state
            await self.lock.release()
            if fd < 0 or state is not IOSState.CONNECTED:
                return
            try:
                text = await self._receive_message(fd)
            except IPCError:
                await self._disconnect()
                return
            self.on_message(text)

    async def _receive_message(self, fd: int) -> str:
        prefix = await self._read_fully(fd, PREFIX_SIZE)
        # Swift does not cap the length (a TODO in the source): neither does the model.
        body = await self._read_fully(fd, int.from_bytes(prefix, "little"))
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise IPCError("invalid UTF-8") from exc

    async def _read_fully(self, fd: int, count: int) -> bytes:
        data = b""
        while len(data) < count:
            try:
                self._note("sys.read")
                chunk = await self.proc.read(fd, count - len(data))
            except OSError as exc:
                raise IPCError(f"read error: {_errname(exc)}") from exc
            if not chunk:
                raise IPCError("connection closed by peer")
            data += chunk
        return data

    # ----- syscalls ------------------------------------------------------------------------

    async def _write(self, fd: int, data: bytes) -> None:
        self._note("sys.write")
        await self.proc.write(fd, data)

    async def _shutdown(self, fd: int) -> None:
        self._note("sys.shutdown")
        await self.proc.shutdown(fd, _socket.SHUT_RDWR)

    async def _close(self, fd: int) -> None:
        self._note("sys.close")
        await self.proc.close(fd)

    @staticmethod
    async def _ignore(call: Awaitable[None]) -> None:
        """``_ = Darwin.shutdown(...)`` / ``close(fd)``: the result is not looked at."""
        with contextlib.suppress(OSError):
            await call
