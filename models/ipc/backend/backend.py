"""The Node.js backend: one process at a time, its two servers and its one shared manager.

Invariant: at most one backend process is alive; a restart starts a new process with new
listeners and a new manager, and nothing of a dead process (its connections, its listeners)
counts as live any more. A connection is live from accept until the backend closes its fd.
"""

from __future__ import annotations

import errno

import explorer
from models.ipc.backend.connection import Connection, NodeLoop
from models.ipc.backend.manager import Listener, Manager
from models.ipc.backend.servers import ControlServer, Registry, RpcServer
from models.ipc.observe import Observations
from models.kernel import Kernel, Process

#: The manager event the app subscribes to unless told otherwise.
DEFAULT_EVENT = "invite-received"


class Generation:
    """One run of the Node process: from start to its exit."""

    def __init__(self, number: int, proc: Process, close_event: bool, rpc_path: str,
                 control_path: str, registry: Registry) -> None:
        self.number = number
        self.proc = proc
        self.manager = Manager()
        self.loop = NodeLoop(proc.name)
        self.control = ControlServer(proc, control_path, number, close_event, registry,
                                     self.loop)
        self.rpc = RpcServer(proc, rpc_path, number, close_event, registry, self.loop,
                             self.manager)
        self.listening = False

    @property
    def alive(self) -> bool:
        return self.proc.alive


class Backend:
    """The backend as the app sees it: started, crashed and restarted by the environment.

    ``old_backend`` is the code before PR #86: connections close, but their close event never
    fires, so their servers stay open and their manager listeners are never removed.
    """

    def __init__(self, kernel: Kernel, rpc_path: str, control_path: str, *,
                 old_backend: bool = False, observations: Observations | None = None) -> None:
        self.kernel = kernel
        self.rpc_path = rpc_path
        self.control_path = control_path
        self.old_backend = old_backend
        self.registry = Registry(observations)
        #: fact numbers at which the backend stopped being able to take messages (a crash,
        #: an event-loop stall), for invariants that ask whether it was up all along
        self.outages: list[int] = []
        self.crashes: list[int] = []  # fact numbers of the crashes alone
        self.generations: list[Generation] = []

    # ----- lifecycle (called by the environment task) --------------------------------------

    def start(self, delay: float = 0.0) -> None:
        """Start a new process; it listens (control, then RPC) after ``delay`` seconds."""
        number = len(self.generations) + 1
        name = "backend" if number == 1 else f"backend#{number}"
        gen = Generation(number, self.kernel.process(name), not self.old_backend,
                         self.rpc_path, self.control_path, self.registry)
        self.generations.append(gen)
        suffix = "" if number == 1 else f"@{number}"
        explorer.spawn(self._boot, gen, delay, name=f"backend/main{suffix}", daemon=True)

    def crash(self) -> None:
        """The process dies: the kernel closes all its fds; no JavaScript runs any more."""
        gen = self.current
        if gen is not None:
            self.outages.append(self.registry.observations.tick())
            self.crashes.append(self.outages[-1])
            gen.proc.exit()

    def stall(self, seconds: float) -> None:
        """The event loop is busy for ``seconds``: nothing is read, written or accepted."""
        gen = self.current
        if gen is not None:
            self.outages.append(self.registry.observations.tick())
            gen.loop.stall(seconds)

    def restart(self) -> None:
        """A new process, if the current one is dead (a live backend is left alone)."""
        if self.current is None:
            self.start()

    async def _boot(self, gen: Generation, delay: float) -> None:
        if delay > 0:
            await explorer.sleep(delay)
        if gen.number > 1:
            await self._remove_stale_paths(gen.proc)
        await gen.control.listen()
        gen.control.set_phase("started")
        await gen.rpc.listen()
        gen.control.set_phase("ready")
        gen.listening = True

    async def _remove_stale_paths(self, proc: Process) -> None:
        """The socket files of the dead process are deleted before the new one binds."""
        for path in (self.control_path, self.rpc_path):
            try:
                await proc.unlink(path)
            except OSError as exc:
                if exc.errno != errno.ENOENT:
                    raise

    # ----- what the backend does on its own ------------------------------------------------

    def emit_event(self, event: str = DEFAULT_EVENT) -> int:
        """The manager emits ``event``: each listener writes it to its connection."""
        gen = self.current
        return 0 if gen is None else gen.manager.emit(event)

    def broadcast_control(self, kind: str) -> None:
        """A control frame to every control client (remembered if terminal)."""
        gen = self.current
        if gen is not None:
            gen.control.broadcast(kind)

    # ----- read-only views for invariants and tests ----------------------------------------

    @property
    def current(self) -> Generation | None:
        """The live process's generation, or None when the backend is dead (or not started)."""
        if self.generations and self.generations[-1].alive:
            return self.generations[-1]
        return None

    @property
    def alive(self) -> bool:
        return self.current is not None

    @property
    def listening(self) -> bool:
        gen = self.current
        return gen is not None and gen.listening

    def unavailable(self, connection: int | None = None) -> str | None:
        """Why the backend cannot take a message now (on RPC connection ``connection``, when
        given), or None when it can: running, listening, reading, the connection open."""
        gen = self.current
        if gen is None:
            return "the backend was not running"
        if not gen.listening:
            return "the backend was not listening yet"
        if gen.loop.busy:
            return "the backend was not reading (its event loop was busy)"
        if connection is not None:
            conn = next((c for c in self.connections("rpc") if c.number == connection), None)
            if conn is None or not conn.open or conn.ending:
                return "its connection had ended on the backend's side"
        return None

    def connections(self, role: str | None = None) -> tuple[Connection, ...]:
        """Every connection ever accepted (all processes), in accept order."""
        return tuple(c for c in self.registry.connections if role is None or c.role == role)

    def live_connections(self, role: str) -> tuple[Connection, ...]:
        """Connections of ``role`` whose fd the (alive) backend still holds."""
        return tuple(c for c in self.connections(role) if c.open)

    def listeners(self) -> tuple[Listener, ...]:
        """The current manager's listeners (none while the backend is dead)."""
        gen = self.current
        return () if gen is None else tuple(gen.manager.listeners)

    def listener_count(self) -> int:
        return len(self.listeners())

    def open_servers(self, conn: Connection) -> int:
        """How many of an RPC connection's two servers are still open (0 once cleaned up)."""
        gen = self.generations[conn.generation - 1]
        return gen.rpc.open_servers(conn) if gen.alive else 0
