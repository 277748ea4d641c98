"""The backend's two socket servers: RPC (rpc-reflector on the manager) and control.

Invariant: every connection a server accepts gets its own ``Connection`` with its reader and
writer tasks, at once and without limit: nothing refuses or replaces an older connection, so
old and new connections coexist until each one's own close event.
"""

from __future__ import annotations

import json

import explorer
from models.ipc.backend.connection import Connection, NodeLoop
from models.ipc.backend.manager import Manager, ReflectorServer
from models.ipc.observe import Observations
from models.kernel import Process

#: Control frames that stay true for every later client (SimpleRpcServer's terminal frame).
TERMINAL_FRAMES = ("stopping", "error")
READINESS_PHASES = ("started", "ready")


def control_frame(kind: str) -> str:
    """The text of a control frame, as the backend sends it: ``{"type": "ready"}``."""
    return json.dumps({"type": kind})


class Registry:
    """Every connection the backend ever accepted, across restarts, numbered per role; and
    where facts for invariants go."""

    def __init__(self, observations: Observations | None = None) -> None:
        self.connections: list[Connection] = []
        self.observations = observations or Observations()

    def next_number(self, role: str) -> int:
        return 1 + sum(1 for c in self.connections if c.role == role)


class Server:
    """``ServerHelper``: a listening socket on ``path`` and a loop accepting connections."""

    def __init__(self, role: str, proc: Process, path: str, generation: int,
                 close_event: bool, registry: Registry, loop: NodeLoop) -> None:
        self.role = role
        self.loop = loop
        self.proc = proc
        self.path = path
        self.generation = generation
        self.close_event = close_event
        self.registry = registry
        self.fd: int | None = None

    async def listen(self) -> None:
        fd = await self.proc.socket()
        self.proc.set_tag(fd, f"backend {self.role} listener")
        await self.proc.bind(fd, self.path)
        await self.proc.listen(fd)
        self.fd = fd
        suffix = "" if self.generation == 1 else f"@{self.generation}"
        explorer.spawn(self._accept_loop, name=f"backend/{self.role}-accept{suffix}", daemon=True)

    async def _accept_loop(self) -> None:
        assert self.fd is not None
        while True:
            await self.loop.turn()  # libuv accepts from the event loop
            fd = await self.proc.accept(self.fd)
            number = self.registry.next_number(self.role)
            conn = Connection(self.proc, fd, self.role, number, self.generation,
                              self.close_event, self.loop, self.registry.observations.tick())
            self.registry.connections.append(conn)
            self.on_connection(conn)
            conn.start()

    def on_connection(self, conn: Connection) -> None:
        raise NotImplementedError


class RpcServer(Server):
    """``ComapeoRpc``: each connection gets a core server (on the manager) and a services one."""

    def __init__(self, proc: Process, path: str, generation: int, close_event: bool,
                 registry: Registry, loop: NodeLoop, manager: Manager) -> None:
        super().__init__("rpc", proc, path, generation, close_event, registry, loop)
        self.manager = manager
        self.servers: dict[int, tuple[ReflectorServer, ...]] = {}

    def on_connection(self, conn: Connection) -> None:
        core = ReflectorServer("core", conn.number, self.manager, conn.post)
        services = ReflectorServer("services", conn.number, None, conn.post)
        self.servers[conn.number] = (core, services)

        def on_message(text: str) -> None:
            self.registry.observations.deliver(text, conn.number)
            core.handle(text)
            services.handle(text)

        def on_close() -> None:
            core.close()
            services.close()

        conn.on_message = on_message
        conn.on_close.append(on_close)

    def open_servers(self, conn: Connection) -> int:
        return sum(1 for s in self.servers.get(conn.number, ()) if s.open)


class ControlServer(Server):
    """``SimpleRpcServer``: broadcasts to every client and replays state to late clients."""

    def __init__(self, proc: Process, path: str, generation: int, close_event: bool,
                 registry: Registry, loop: NodeLoop) -> None:
        super().__init__("control", proc, path, generation, close_event, registry, loop)
        self.clients: list[Connection] = []
        self.phase = "pre-listening"
        self.terminal: str | None = None
        self.received: list[str] = []

    def on_connection(self, conn: Connection) -> None:
        self.clients.append(conn)
        conn.on_message = self.received.append
        conn.on_close.append(lambda: self.clients.remove(conn))
        if self.phase in READINESS_PHASES:
            conn.post(control_frame("started"))
        if self.phase == "ready":
            conn.post(control_frame("ready"))
        if self.terminal is not None:
            conn.post(control_frame(self.terminal))

    def set_phase(self, phase: str) -> None:
        """``setReadinessPhase``: idempotent; a change is sent to every client."""
        if self.phase == phase:
            return
        self.phase = phase
        for client in list(self.clients):
            client.post(control_frame(phase))

    def broadcast(self, kind: str) -> None:
        """``broadcast``: to every client still in the set; a terminal frame is remembered."""
        if kind in TERMINAL_FRAMES:
            self.terminal = kind
        for client in list(self.clients):
            client.post(control_frame(kind))
