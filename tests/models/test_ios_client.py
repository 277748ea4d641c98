"""The iOS client and module models keep the mechanisms of ``NodeJSIPC.swift``.

Each test runs the client against the backend model under the default schedule and checks one
fact: connecting, sending, pending messages, the order of ``disconnect()``, orphaned fds,
recovery from an error, and that hooks after ``OnDestroy`` do nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import attrs

import explorer
from explorer import OutcomeKind, RunResult
from explorer.sources import PrechosenChoices
from models.ipc.backend import RESPONSE, Backend
from models.ipc.ios import IOSClient, IOSModule, IOSState
from models.ipc.observe import Observations
from models.kernel import Kernel, Process

RPC = "comapeo.sock"
CONTROL = "control.sock"
S = IOSState


@attrs.define
class World:
    kernel: Kernel
    backend: Backend
    app: Process
    observations: Observations
    received: list[str] = attrs.Factory(list)
    clients: list[IOSClient] = attrs.Factory(list)
    module: IOSModule | None = None
    seen: list[object] = attrs.Factory(list)

    def client(self) -> IOSClient:
        record = self.observations.new_client("rpc", "ios")
        made = IOSClient(self.kernel, self.app, RPC, record, self.observations,
                         self.received.append)
        self.clients.append(made)
        return made


Script = Callable[[World], Awaitable[None]]


def run(script: Script, *, backend_delay: float | None = 0.0) -> tuple[RunResult, World]:
    """``backend_delay`` None: the backend is not started by the harness."""
    worlds: list[World] = []

    def build(variant: str, scenario: object) -> World:
        kernel = Kernel(buffer_size=256)
        observations = Observations()
        backend = Backend(kernel, RPC, CONTROL, observations=observations)
        worlds.append(World(kernel, backend, kernel.process("app"), observations))
        return worlds[-1]

    async def main(world: World) -> None:
        if backend_delay is not None:
            world.backend.start(backend_delay)
        await script(world)

    model = explorer.Model("ios-test", "", (("ios", ""),), build, main)
    result = explorer.run(model, "ios", {}, PrechosenChoices([]))
    assert result.outcome.kind is OutcomeKind.PASS, result.outcome.headline()
    return result, worlds[-1]


async def settle(seconds: float = 1.0) -> None:
    await explorer.sleep(seconds)


async def connected(w: World) -> IOSClient:
    client = w.client()
    await client.start()
    await settle()
    return client


def test_connect_reaches_the_backend() -> None:
    async def script(w: World) -> None:
        client = await connected(w)
        w.seen.append(client.state)

    _, w = run(script)
    assert w.seen == [S.CONNECTED]
    assert w.clients[0].history == [S.DISCONNECTED, S.CONNECTING, S.CONNECTED]
    assert len(w.backend.live_connections("rpc")) == 1
    info = w.app.socket_info(w.clients[0].socket)
    assert info is not None and w.observations.clients[0].sockets == [info.id]


def test_send_delivers_and_the_answer_comes_back() -> None:
    async def script(w: World) -> None:
        client = await connected(w)
        await client.send_message("m1")
        await settle()

    _, w = run(script)
    assert list(w.observations.delivered) == ["m1"]
    assert w.received == [RESPONSE + "m1"]
    assert [c.op for c in w.observations.calls] == ["sendMessage"]


def test_messages_sent_before_connect_wait_in_pending_then_go_in_order() -> None:
    async def script(w: World) -> None:
        client = w.client()
        await client.start()
        await client.send_message("a")
        await client.send_message("b")
        await settle(0.1)  # the socket file does not exist yet: waitForFile polls
        w.seen.append((client.state, list(client.pending)))
        await settle()

    _, w = run(script, backend_delay=0.5)
    assert w.seen == [(S.CONNECTING, ["a", "b"])]
    assert list(w.observations.delivered) == ["a", "b"]
    assert w.clients[0].pending == []


def test_disconnect_shuts_down_joins_receive_drains_sends_then_closes() -> None:
    async def script(w: World) -> None:
        client = await connected(w)
        await client.disconnect()
        w.seen.append((client.state, client.socket))
        await settle()

    result, w = run(script)
    assert w.seen == [(S.DISCONNECTED, -1)]
    main_steps = [s.label for s in result.trace().steps if s.task == "main"]
    order = [lab for lab in main_steps
             if lab in ("sys.shutdown", "workitem.wait", "queue.sync", "sys.close")]
    assert order == ["sys.shutdown", "workitem.wait", "workitem.wait", "queue.sync",
                     "queue.sync", "sys.close"]
    assert w.clients[0].history[-2:] == [S.DISCONNECTING, S.DISCONNECTED]
    (conn,) = w.backend.connections("rpc")
    assert conn.cleaned_up
    assert w.kernel.socket_info(w.observations.clients[0].sockets[0]).released


def test_disconnect_from_the_receive_loop_skips_the_join() -> None:
    async def script(w: World) -> None:
        client = await connected(w)
        w.backend.crash()  # the receive loop reads EOF and calls disconnect() itself
        await settle()
        w.seen.append(client.state)

    result, w = run(script)
    assert w.seen == [S.DISCONNECTED]
    receive = [s for s in result.trace().steps if s.task == "ios/rpc#0.receiveQ"]
    labels = [s.label for s in receive]
    assert "sys.close" in labels and "queue.sync" in labels
    assert "workitem.wait" not in labels
    assert w.app.fds() == []


def test_connect_adopts_the_fd_only_while_still_connecting() -> None:
    async def script(w: World) -> None:
        client = w.client()
        await client.start()
        await client.disconnect()  # while performConnect waits for the socket file
        await settle()
        w.seen.append(client.state)

    _, w = run(script, backend_delay=0.5)
    assert w.seen == [S.DISCONNECTED]
    (sid,) = w.observations.clients[0].sockets
    assert w.kernel.socket_info(sid).released  # the orphan was closed, not leaked
    assert [c.why for c in w.backend.connections("rpc")] == ["eof"]


def test_connect_is_refused_while_disconnecting() -> None:
    async def script(w: World) -> None:
        client = await connected(w)
        await client.lock.acquire()
        client.state = S.DISCONNECTING  # as disconnect() leaves it before its shutdown
        await client.lock.release()
        await client.connect()
        w.seen.append(client.state)

    _, w = run(script)
    assert w.seen == [S.DISCONNECTING]
    assert len(w.observations.clients[0].sockets) == 1


def test_failed_connect_ends_in_error_and_connect_recovers() -> None:
    async def script(w: World) -> None:
        client = w.client()
        await client.start()
        await settle(40.0)  # 30 s waiting for the file, then 5 refused attempts
        w.seen.append(client.state)
        w.backend.start()
        await settle()
        await client.connect()
        await settle()
        w.seen.append(client.state)

    _, w = run(script, backend_delay=None)
    assert w.seen == [S.ERROR, S.CONNECTED]
    assert S.ERROR in w.clients[0].history
    assert len(w.observations.clients[0].sockets) == 6


# ----- the module -----------------------------------------------------------------------------


def test_module_hooks_after_on_destroy_do_nothing() -> None:
    async def script(w: World) -> None:
        module = IOSModule("ios", w.kernel, w.app, RPC, CONTROL, w.observations)
        w.module = module
        await module.on_create()
        await settle()
        await module.on_destroy()
        sockets = len(w.kernel.sockets())
        await module.on_foreground()
        await module.post_message("late")
        await settle()
        w.seen.append(len(w.kernel.sockets()) - sockets)

    _, w = run(script)
    assert w.seen == [0]
    rpc = w.observations.clients[1]
    assert (rpc.role, rpc.destroyed, rpc.close_returned) == ("rpc", True, True)
    assert rpc.live_tasks() == [] and rpc.after_close == []
    assert not any(c.on_closed_instance for c in w.observations.calls)
    (late,) = w.observations.posted
    assert (late.instance, late.returned) == (-1, True)
    assert "late" not in w.observations.delivered


def test_module_control_client_survives_reload_and_drives_js_state() -> None:
    async def script(w: World) -> None:
        module = IOSModule("ios", w.kernel, w.app, RPC, CONTROL, w.observations)
        await module.on_create()
        await settle()
        await module.on_destroy()
        await module.on_create()
        await settle()
        w.backend.broadcast_control("stopping")
        await settle()

    _, w = run(script)
    roles = [(c.role, c.destroyed) for c in w.observations.clients]
    assert roles == [("control", False), ("rpc", True), ("rpc", False)]
    assert len(w.backend.live_connections("control")) == 1
    assert len(w.backend.live_connections("rpc")) == 1
    assert w.observations.js_states == ["STARTED", "STOPPING"]
