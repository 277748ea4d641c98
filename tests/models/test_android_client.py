"""The Android client (``NodeJSIPC`` in every version) and its module, against a stand-in server.

Each test is one ``explorer.run`` of a tiny model: a server process listening on the RPC and
control paths (a task per connection that reads frames, records them and notes EOF, and can
echo or answer), the app process with an ``AndroidModule``, and a script run as ``app/env``.
Unless a test says otherwise the schedule is the default one (``PrechosenChoices([])``: no
preemption, timers fire only when nothing else can run).
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import attrs
import pytest

import explorer
from explorer.records import OutcomeKind
from explorer.sources.base import ChoiceSource
from explorer.sources.prechosen import PrechosenChoices
from explorer.sources.seeded import SeededRandomSource
from models.ipc.android import ANDROID_VARIANTS, AndroidModule
from models.ipc.framing import decode_body, decode_length, encode
from models.ipc.observe import Observations
from models.kernel import Kernel, Process, SocketInfo

RPC_PATH = "files/comapeo.sock"
CONTROL_PATH = "files/control.sock"
ALL = tuple(name for name, _ in ANDROID_VARIANTS)


@attrs.define
class Conn:
    """One connection the stand-in server accepted."""

    role: str
    fd: int
    socket_id: int
    frames: list[str] = attrs.Factory(list)
    eof: bool = False
    error: str | None = None


@attrs.frozen
class ServerOptions:
    echo: bool = False  # answer each RPC frame with "echo:<text>"
    greeting: str | None = None  # a control frame sent to each new control connection
    delay: float = 0.0  # virtual seconds before the server listens
    pause: float = 0.0  # virtual seconds the server takes between two frames it reads
    reads: bool = True  # False: accepts, then never reads (a stalled backend)


class Server:
    """Listens on both paths; a reader task per connection; ``echo`` answers RPC frames."""

    def __init__(self, kernel: Kernel, options: ServerOptions) -> None:
        self.kernel = kernel
        self.proc = kernel.process("backend")
        self.options = options
        self.reads = options.reads
        self.conns: list[Conn] = []

    async def start(self) -> None:
        if self.options.delay:
            await explorer.sleep(self.options.delay)
        self._listen_on_both()

    def _listen_on_both(self) -> None:
        for role, path in (("rpc", RPC_PATH), ("control", CONTROL_PATH)):
            explorer.spawn(self.listen, role, path, name=f"backend/{role}-server", daemon=True)

    def crash(self) -> None:
        """The backend process dies: the kernel releases its sockets."""
        self.proc.exit()

    async def restart(self, reads: bool = True) -> None:
        """A new backend process: it removes the stale socket files, then listens."""
        self.proc = self.kernel.process("backend")
        self.reads = reads
        for path in (RPC_PATH, CONTROL_PATH):
            await self.proc.unlink(path)
        self._listen_on_both()

    async def hang_up(self) -> None:
        """The backend ends every open connection (``shutdown(SHUT_RDWR)``)."""
        for conn in self.conns:
            if not conn.eof:
                with contextlib.suppress(OSError):
                    await self.proc.shutdown(conn.fd, socket.SHUT_RDWR)

    def role(self, role: str) -> list[Conn]:
        return [c for c in self.conns if c.role == role]

    async def listen(self, role: str, path: str) -> None:
        lfd = await self.proc.socket()
        await self.proc.bind(lfd, path)
        await self.proc.listen(lfd)
        while True:
            fd = await self.proc.accept(lfd)
            info = self.kernel.socket_for(self.proc, fd)
            assert info is not None
            conn = Conn(role, fd, info.id)
            self.conns.append(conn)
            explorer.spawn(self.serve, conn, name=f"backend/{role}-conn#{len(self.conns)}",
                           daemon=True)

    async def serve(self, conn: Conn) -> None:
        options, proc = self.options, self.proc
        try:
            if conn.role == "control" and options.greeting is not None:
                await proc.write(conn.fd, encode(options.greeting))
            while self.reads:
                prefix = await self.read_exactly(proc, conn.fd, 4)
                if prefix is None:
                    break
                body = await self.read_exactly(proc, conn.fd, decode_length(prefix))
                if body is None:
                    break
                conn.frames.append(decode_body(body))
                if options.echo and conn.role == "rpc":
                    await proc.write(conn.fd, encode(f"echo:{conn.frames[-1]}"))
                if options.pause:
                    await explorer.sleep(options.pause)
            if not self.reads:
                await explorer.block("stalled", "nothing: this backend never reads")
        except OSError as exc:
            conn.error = exc.strerror
        conn.eof = True
        await proc.close(conn.fd)

    async def read_exactly(self, proc: Process, fd: int, n: int) -> bytes | None:
        data = b""
        while len(data) < n:
            chunk = await proc.read(fd, n - len(data))
            if not chunk:
                return None
            data += chunk
        return data


class World:
    def __init__(self, variant: str, options: ServerOptions) -> None:
        self.kernel = Kernel(buffer_size=256)
        self.server = Server(self.kernel, options)
        self.app: Process = self.kernel.process("app")
        self.observations = Observations()
        self.module = AndroidModule(variant, self.kernel, self.app, RPC_PATH, CONTROL_PATH,
                                    self.observations)
        self.seen: dict[str, Any] = {}

    def app_sockets(self) -> list[SocketInfo]:
        return [s for s in self.kernel.live_sockets() if s.pid == self.app.pid]

    def client_sockets(self, instance: int) -> list[SocketInfo]:
        ids = self.observations.clients[instance].sockets
        return [self.kernel.socket_info(i) for i in ids]


Script = Callable[[World], Awaitable[None]]


def run(variant: str, script: Script, choices: Sequence[int] | ChoiceSource = (), *,
        server: bool = True, max_steps: int = 20_000, **options: Any,
        ) -> tuple[explorer.RunResult, World]:
    """One run; ``options`` are :class:`ServerOptions` fields."""
    worlds: list[World] = []

    def build(v: str, scenario: Any) -> World:
        worlds.append(World(v, ServerOptions(**options)))
        return worlds[-1]

    async def main(world: World) -> None:
        if server:
            explorer.spawn(world.server.start, name="backend/main", daemon=True)
        explorer.spawn(script, world, name="app/env")

    model = explorer.Model("android", "Android client tests", ANDROID_VARIANTS, build, main)
    source = choices if isinstance(choices, ChoiceSource) else PrechosenChoices(list(choices))
    result = explorer.run(model, variant, None, source, explorer.Settings(max_steps=max_steps))
    return result, worlds[0]


def run_ok(variant: str, script: Script, choices: Sequence[int] | ChoiceSource = (),
           **kw: Any) -> World:
    result, world = run(variant, script, choices, **kw)
    assert result.outcome.kind is OutcomeKind.PASS, result.outcome.headline()
    return world


async def idle(seconds: float = 1.0) -> None:
    """Let everything else run (on the default schedule) while ``seconds`` pass."""
    await explorer.sleep(seconds)


def leaked(w: World) -> list[SocketInfo]:
    """Sockets of destroyed clients that the kernel has not released."""
    return [w.kernel.socket_info(sid) for c in w.observations.clients if c.destroyed
            for sid in c.sockets if not w.kernel.socket_info(sid).released]


def live_tasks(w: World) -> list[str]:
    return [t.name for c in w.observations.clients for t in c.live_tasks()]


def open_conns(w: World, role: str) -> int:
    return sum(1 for c in w.server.role(role) if not c.eof)


@attrs.frozen
class End:
    """The state at the end of a script, read inside the run: once ``explorer.run`` returns,
    the engine has torn the blocked tasks down and their syscalls no longer hold sockets."""

    leaked: list[SocketInfo]
    live: list[str]
    app_sockets: list[SocketInfo]
    open_rpc: int


async def rest(w: World, seconds: float = 1.0) -> None:
    """The script's last step: let everything run, then record :class:`End`."""
    await idle(seconds)
    w.seen["end"] = End(leaked(w), live_tasks(w), w.app_sockets(), open_conns(w, "rpc"))


def end(w: World) -> End:
    result = w.seen["end"]
    assert isinstance(result, End), "the script did not finish with rest()"
    return result


Plan = Sequence[tuple[str, str, str]]


def plan_choices(variant: str, script: Script, plan: Plan, **kw: Any) -> list[int]:
    """A choice list for ``PrechosenChoices`` that follows ``plan``, found from traces.

    Each ``(task, label, then)``: at the first step after the previous one where ``task``
    takes the point ``label``, switch to the task named ``then`` ("clock" fires the timer).
    Everything else is the default schedule.
    """
    choices: list[int] = []
    for task, label, then in plan:
        source = Remembering(choices)
        result, _ = run(variant, script, source, **kw)
        choices = _extend(choices, result, source.offered, task, label, then)
    return choices


class Remembering(PrechosenChoices):
    """Prechosen choices that keep a copy of the options of every decision."""

    def __init__(self, values: Sequence[int]) -> None:
        super().__init__(values)
        self.offered: list[list[int]] = []

    def choose(self, options: Sequence[int], step: int) -> int:
        self.offered.append(list(options))
        return super().choose(options, step)


def _extend(choices: list[int], result: explorer.RunResult, offered: list[list[int]],
            task: str, label: str, then: str) -> list[int]:
    names = result.task_names
    decision = -1
    for step in result.trace().steps:
        if step.decision is None:
            continue
        decision += 1
        if decision < len(choices) or (step.task, step.label) != (task, label):
            continue
        for index, tid in enumerate(offered[decision]):
            if (names[tid] if tid >= 0 else "clock") == then:
                return [*choices, *[0] * (decision - len(choices)), index]
    raise AssertionError(f"{task} never took point {label!r} with {then} able to run")


# ----- connect and send ---------------------------------------------------------------------


@pytest.mark.parametrize("variant", ALL)
def test_connects_and_sends_a_message_end_to_end(variant: str) -> None:
    async def script(w: World) -> None:
        await w.module.on_create()
        await w.module.post_message("hello")
        await idle()

    w = run_ok(variant, script, echo=True)
    assert [c.frames for c in w.server.role("rpc")] == [["hello"]]
    assert w.observations.js_messages == ["echo:hello"]
    assert len(w.server.role("control")) == 1
    posted = w.observations.posted
    assert [(p.text, p.returned, p.failed_visibly) for p in posted] == [("hello", True, False)]
    assert [c.role for c in w.observations.clients] == ["rpc", "control"]
    assert all(len(c.sockets) == 1 for c in w.observations.clients)


@pytest.mark.parametrize("variant", ALL)
def test_control_frames_drive_the_js_state(variant: str) -> None:
    async def script(w: World) -> None:
        await idle(0.01)
        await w.module.on_create()
        await idle()

    w = run_ok(variant, script, greeting='{"type": "ready"}')
    assert w.observations.js_states[-1] == "STARTED"


@pytest.mark.parametrize("variant", ALL)
def test_retries_until_the_backend_listens_and_closes_every_failed_candidate(
        variant: str) -> None:
    async def script(w: World) -> None:
        await w.module.on_create()
        await w.module.post_message("late")
        await rest(w)

    w = run_ok(variant, script, delay=0.2)
    assert [c.frames for c in w.server.role("rpc")] == [["late"]]
    rpc = w.observations.clients[0]
    assert len(rpc.sockets) > 2  # 50 ms apart for 0.2 s: a new socket per attempt
    assert [s.id for s in end(w).app_sockets] == [w.observations.clients[0].sockets[-1],
                                                  w.observations.clients[1].sockets[-1]]


@pytest.mark.parametrize(("variant", "failed_visibly"), [("pr_v2", False), ("proposed", True)])
def test_connect_gives_up_after_30_seconds(variant: str, failed_visibly: bool) -> None:
    async def script(w: World) -> None:
        await w.module.on_create()
        await w.module.post_message("nobody listens")
        await rest(w, 31)

    w = run_ok(variant, script, server=False, max_steps=50_000)
    assert w.observations.js_states == ["STARTING", "ERROR"]
    assert w.observations.posted[0].failed_visibly is failed_visibly
    assert len(w.observations.clients[0].sockets) == 600  # one per 50 ms attempt
    assert end(w).app_sockets == []


# ----- the reload: OnDestroy then OnCreate, with an idle backend ------------------------------


def test_pre_pr_reload_with_an_idle_server_deadlocks_the_disconnect() -> None:
    async def script(w: World) -> None:
        await idle(0.01)
        await w.module.on_create()
        await idle()
        await w.module.on_destroy()
        await rest(w)
        w.seen["waits"] = {t.name: t.waits_on for c in w.observations.clients for t in c.tasks
                           if not t.finished}

    result, w = run("pre_pr", script)
    assert result.outcome.kind is OutcomeKind.PASS  # coroutines are daemons: no engine deadlock
    waits = w.seen["waits"]
    assert waits["android/rpc#0.disconnect"] == "job rpc#0.connect to complete"
    assert waits["android/control#1.disconnect"] == "job control#1.connect to complete"
    assert waits["android/rpc#0.receive"].startswith("read on app fd 3")
    assert [c.eof for c in w.server.conns] == [False, False]
    assert len(end(w).leaked) == 2


@pytest.mark.parametrize(("variant", "open_after_each_reload"), [
    ("pre_pr", [1, 2, 3, 4]), ("close_no_shutdown", [1, 2, 3, 4]),
    ("pr_v1", [1, 1, 1, 1]), ("pr_v2", [1, 1, 1, 1]), ("proposed", [1, 1, 1, 1]),
])
def test_connections_climb_per_reload_until_the_socket_is_shut_down(
        variant: str, open_after_each_reload: list[int]) -> None:
    """The device measurement in the PR: 1→2→3→4 before, bounded at 1 after."""

    async def script(w: World) -> None:
        counts = w.seen.setdefault("open", [])
        await idle(0.01)
        await w.module.on_create()
        await idle()
        counts.append(open_conns(w, "rpc"))
        for _ in range(3):
            await w.module.on_destroy()
            await w.module.on_create()
            await idle()
            counts.append(open_conns(w, "rpc"))

    w = run_ok(variant, script)
    assert w.seen["open"] == open_after_each_reload


def test_close_no_shutdown_leaves_the_server_connection_without_eof() -> None:
    async def script(w: World) -> None:
        await idle(0.01)
        await w.module.on_create()
        await idle()
        await w.module.on_destroy()
        await rest(w)

    w = run_ok("close_no_shutdown", script)
    assert [c.eof for c in w.server.conns] == [False, False]
    for sock in end(w).leaked:  # the fd is gone, the blocked read still holds the socket
        assert (sock.fds, sock.inflight, sock.peer_eof_queued) == ((), 1, False)
    assert len(end(w).leaked) == 2
    assert end(w).live == ["android/rpc#0.receive", "android/control#1.receive"]


@pytest.mark.parametrize("variant", ("pr_v1", "pr_v2", "proposed"))
def test_close_gives_the_server_eof_and_releases_every_socket(variant: str) -> None:
    async def script(w: World) -> None:
        await idle(0.01)
        await w.module.on_create()
        await w.module.post_message("hello")
        await idle()
        await w.module.on_destroy()
        await rest(w)

    w = run_ok(variant, script)
    assert [(c.role, c.eof) for c in w.server.conns] == [("rpc", True), ("control", True)]
    assert end(w).leaked == []
    assert end(w).app_sockets == []


@pytest.mark.parametrize(("variant", "running"), [
    ("pr_v2", ["android/rpc#0.receive", "android/rpc#0.send", "android/control#1.receive",
               "android/control#1.send"]),
    ("proposed", []),
])
def test_what_still_runs_when_close_returns(variant: str, running: list[str]) -> None:
    """Review finding 6: the peer has its EOF when close() returns (what the PR's test
    checks) but in pr_v2 the coroutines are still unwinding."""

    async def script(w: World) -> None:
        await idle(0.01)
        await w.module.on_create()
        await idle()
        await w.module.on_destroy()
        w.seen["running"] = live_tasks(w)
        w.seen["eof"] = [w.kernel.socket_info(c.socket_id).peer_eof_queued
                         for c in w.server.conns]
        await rest(w)

    w = run_ok(variant, script)
    assert w.seen["eof"] == [True, True]
    assert [n for n in w.seen["running"] if not n.endswith(".observer")] == running
    after = [entry for c in w.observations.clients for entry in c.after_close]
    assert bool(after) is bool(running)
    assert end(w).live == []


# ----- review findings on pr_v1 / pr_v2, and the proposed fix ---------------------------------


CONNECT_RACE: dict[str, Plan] = {
    # close() runs while the connect coroutine is inside its connect syscall.
    "pr_v1": [("app/env", "write connectJob", "android/rpc#0.connect"),
              ("android/rpc#0.connect", "sys.connect", "app/env")],
    "pr_v2": [("app/env", "write connectJob", "android/rpc#0.connect"),
              ("android/rpc#0.connect", "sys.connect", "app/env")],
    "proposed": [("app/env", "lock", "android/rpc#0.session"),
                 ("android/rpc#0.session", "sys.connect", "app/env")],
}


@pytest.mark.parametrize(("variant", "leaks"), [("pr_v1", True), ("pr_v2", True),
                                                ("proposed", False)])
def test_connect_race_close_while_connecting(variant: str, leaks: bool) -> None:
    """Review finding 1: the connect finishes after close() and its socket is never closed."""

    async def script(w: World) -> None:
        await idle(0.01)
        await w.module.on_create()
        await w.module.on_destroy()
        await rest(w)

    choices = plan_choices(variant, script, CONNECT_RACE[variant])
    result, w = run(variant, script, choices)
    assert result.outcome.kind is OutcomeKind.PASS, result.outcome.headline()
    steps = [(s.task, s.label) for s in result.trace().steps]
    connect_at = steps.index((CONNECT_RACE[variant][1][0], "sys.connect"))
    assert ("app/env", "scope.cancel") in steps[connect_at:]  # close ran inside the window
    assert bool(end(w).leaked) is leaks
    if leaks:
        (sock,) = end(w).leaked
        assert sock.tag == "android rpc#0" and len(sock.fds) == 1  # an fd nobody will close
        assert end(w).open_rpc == 1  # and the backend keeps its end open


@pytest.mark.parametrize(("variant", "delivered", "failed_visibly"), [
    ("pr_v1", [], False), ("pr_v2", [], False), ("proposed", ["last words"], False),
])
def test_a_message_posted_just_before_on_destroy(
        variant: str, delivered: list[str], failed_visibly: bool) -> None:
    """Review finding 3: cancelling the scope strands what the channel still holds."""

    async def script(w: World) -> None:
        await idle(0.01)
        await w.module.on_create()
        await idle()
        await w.module.post_message("last words")
        await w.module.on_destroy()
        await idle()

    w = run_ok(variant, script)
    assert [f for c in w.server.role("rpc") for f in c.frames] == delivered
    (posted,) = w.observations.posted
    assert (posted.returned, posted.failed_visibly) == (True, failed_visibly)


@pytest.mark.parametrize("variant", ("pr_v1", "pr_v2", "proposed"))
def test_foreground_and_post_after_on_destroy(variant: str) -> None:
    """Review finding 4: calls on the closed instance, before the next OnCreate."""

    async def script(w: World) -> None:
        await idle(0.01)
        await w.module.on_create()
        await idle()
        await w.module.on_destroy()
        await w.module.on_foreground()
        await w.module.post_message("into the void")
        await rest(w)

    w = run_ok(variant, script)
    silent = [c.op for c in w.observations.calls if c.on_closed_instance and not c.raised]
    (posted,) = w.observations.posted
    assert [f for c in w.server.role("rpc") for f in c.frames] == []
    if variant == "proposed":
        assert silent == []
        assert posted.failed_visibly
    else:
        assert silent == ["connect", "connect", "sendMessage"]
        assert not posted.failed_visibly
        assert end(w).leaked == []  # the cancelled scope never runs the connect coroutine


@pytest.mark.parametrize(("variant", "last"), [("pr_v1", "STARTED"), ("pr_v2", "STARTED"),
                                              ("proposed", "STOPPED")])
def test_final_teardown_and_the_stopped_state(variant: str, last: str) -> None:
    """Review finding 5: close() cancels the collector, so JS never sees STOPPED."""

    async def script(w: World) -> None:
        await idle(0.01)
        await w.module.on_create()
        await idle()
        await w.module.on_destroy()
        await idle()

    w = run_ok(variant, script, greeting='{"type": "ready"}')
    assert w.observations.js_states[-1] == last


# ----- other mechanisms the model keeps ------------------------------------------------------


@pytest.mark.parametrize("variant", ("pr_v2", "proposed"))
def test_a_backend_that_stopped_reading(variant: str) -> None:
    """Closing the output stream flushes, and LocalSocket's flush polls until the peer has
    read everything: with a stalled backend pr_v2's close() never returns."""

    async def script(w: World) -> None:
        await idle(0.01)
        await w.module.on_create()
        await idle()
        await w.module.post_message("unread")
        await idle(0.1)
        await w.module.on_destroy()
        await rest(w)

    result, w = run(variant, script, reads=False, max_steps=3000)
    if variant == "pr_v2":
        assert result.outcome.kind is OutcomeKind.STEP_BOUND
        assert "app/env at sys.ioctl" in result.outcome.message
        assert "end" not in w.seen
    else:  # the drain gives up at its bound; the unread message is reported, not lost
        assert result.outcome.kind is OutcomeKind.PASS, result.outcome.headline()
        assert end(w).leaked == []
        assert w.observations.posted[0].failed_visibly


@pytest.mark.parametrize(("variant", "failed_visibly"), [("pr_v2", False), ("proposed", True)])
def test_a_message_the_backend_never_read_before_it_crashed(
        variant: str, failed_visibly: bool) -> None:
    """Written is not delivered: the dying backend discards what it had not read, and the
    client learns it only from ECONNRESET. proposed reports it (at most once, never silent);
    pr_v2 forgets it."""

    async def script(w: World) -> None:
        await idle(0.01)
        await w.module.on_create()
        await idle()
        await w.module.post_message("unread")
        await idle(0.1)
        w.server.crash()
        await idle(0.1)
        await w.server.restart(reads=True)
        await idle()
        await w.module.on_destroy()
        await rest(w)

    w = run_ok(variant, script, reads=False)
    assert [f for c in w.server.role("rpc") for f in c.frames] == []
    (posted,) = w.observations.posted
    assert (posted.returned, posted.failed_visibly) == (True, failed_visibly)
    assert end(w).leaked == []


@pytest.mark.parametrize("variant", ALL)
def test_backend_hang_up_then_reconnect_on_the_next_post(variant: str) -> None:
    async def script(w: World) -> None:
        await idle(0.01)
        await w.module.on_create()
        await idle()
        await w.module.post_message("one")
        await idle()
        await w.server.hang_up()
        await idle()
        await w.module.post_message("two")
        await rest(w)

    w = run_ok(variant, script)
    assert [c.frames for c in w.server.role("rpc")] == [["one"], ["two"]]
    assert end(w).open_rpc == 1
    assert end(w).leaked == []


@pytest.mark.parametrize("variant", ("pre_pr", "pr_v2"))
def test_a_connect_overwritten_before_it_ran_leaves_a_receive_loop_spinning(variant: str) -> None:
    """postMessage right after OnCreate calls connect() again before the first connect
    coroutine ran: ``connectJob`` now names the second one, which returns at once. When the
    backend later hangs up, disconnect() cancels that finished job, so the first one's receive
    loop is never cancelled and retries its dead stream forever."""

    async def script(w: World) -> None:
        await idle(0.01)
        await w.module.on_create()
        await w.module.post_message("at once")
        await idle()
        await w.server.hang_up()
        await idle()

    result, w = run(variant, script, max_steps=4000)
    assert result.outcome.kind is OutcomeKind.STEP_BOUND
    assert "android/rpc#0.receive" in result.outcome.message
    tasks = [t.name for t in w.observations.clients[0].tasks]
    assert tasks[:3] == ["android/rpc#0.connect", "android/rpc#0.connect2",
                         "android/rpc#0.receive"]


def test_proposed_passes_the_teardown_checks_on_random_schedules() -> None:
    async def script(w: World) -> None:
        await w.module.on_create()
        await w.module.post_message("m1")
        await w.module.on_destroy()
        await w.module.on_create()
        await w.module.post_message("m2")
        await w.module.on_foreground()
        await w.server.hang_up()
        await w.module.post_message("m3")
        await w.module.on_destroy()
        w.seen["running"] = live_tasks(w)
        await rest(w, 5)

    for seed in range(25):
        result, w = run("proposed", script, SeededRandomSource(seed), greeting='{"type": "ready"}')
        assert result.outcome.kind is OutcomeKind.PASS, (seed, result.outcome.headline())
        obs = w.observations
        delivered = [f for c in w.server.role("rpc") for f in c.frames]
        assert end(w).leaked == [], seed
        assert w.seen["running"] == [] and all(not c.after_close for c in obs.clients), seed
        assert all(p.text in delivered or p.failed_visibly for p in obs.posted), seed
        assert not [c for c in obs.calls if c.on_closed_instance and not c.raised], seed
        assert obs.js_states[-1] == "STOPPED" and obs.unhandled == [], seed
        assert all(c.eof for c in w.server.conns), seed


def test_runs_are_deterministic() -> None:
    async def script(w: World) -> None:
        await w.module.on_create()
        await w.module.post_message("m1")
        await w.module.on_destroy()
        await idle()

    for variant in ("pr_v2", "proposed"):
        first, _ = run(variant, script, SeededRandomSource(7))
        again, _ = run(variant, script, PrechosenChoices(list(first.choices)))
        assert first.trace().steps == again.trace().steps


def test_proposed_uses_only_public_socket_calls() -> None:
    """The fix may use only what an ordinary app can call: no ``ioctl`` (``TIOCOUTQ`` is not
    public API, and Linux reports buffer truesize rather than bytes), whatever it does."""

    async def script(w: World) -> None:
        await w.module.on_create()
        await w.module.post_message("m1")
        await w.module.on_destroy()
        await w.module.on_create()
        await w.module.post_message("m2")
        await w.server.hang_up()
        await w.module.on_destroy()
        await rest(w, 5)

    seen: set[str] = set()
    for seed in range(10):
        result, _ = run("proposed", script, SeededRandomSource(seed), greeting='{"type": "ready"}')
        labels = {step.label for step in result.trace().steps}
        assert not any("ioctl" in label for label in labels), seed
        seen |= labels
    assert "sys.shutdown" in seen  # it ends its sessions with shutdown(2)
