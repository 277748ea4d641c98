"""The environment of the IPC model: the task ``app/env`` that plays a scenario.

Invariant: the environment performs the scenario's events one at a time, in order, with a
scheduling point before each; it is not a daemon, so a lifecycle hook that never returns (or a
script that cannot go on) makes the run a deadlock.

A scenario is plain JSON::

    {"events": [["post", "m1"], ["reload"], ["idle"], ...],
     "backend_late": false, "old_backend": false, "subscriptions": ["invite-received"]}

First the backend is started (after ``BACKEND_LATE_DELAY`` seconds of virtual time when
``backend_late``: the app's first connects are refused and retried), then the app starts:
the module's ``on_create()``, after which the JS bundle subscribes to each manager event in
``subscriptions`` (one ``postMessage("on:<event>")`` each, as the app does at every start).
``old_backend`` runs the backend from before PR #86 (no cleanup on close). Events:

- ``["post", text]``: JS ``postMessage(text)``.
- ``["reload"]``: a JS reload: ``on_destroy()``, then ``on_create()`` and the subscriptions.
- ``["teardown"]``: a final ``on_destroy()``, with no ``on_create()`` after it.
- ``["destroy"]`` and ``["create"]``: the two halves of a reload, so that other events (a
  foreground, a message) can land between ``on_destroy()`` and the next ``on_create()``.
- ``["foreground"]``: the activity enters the foreground: ``on_foreground()``.
- ``["backend_event"]`` or ``["backend_event", name]``: the manager emits ``name`` (default
  ``invite-received``) to every listener.
- ``["control", kind]``: the backend broadcasts control frame ``kind`` (started, ready,
  stopping, error) to every control client.
- ``["crash_backend"]``: the backend process dies; ``["restart_backend"]``: a new one starts
  if it is dead.
- ``["idle"]`` or ``["idle", seconds]``: the user waits (default 1 s of virtual time), so
  everything else runs before the next event (31 s outlasts the clients' connect budget).
- ``["stall_backend", seconds]``: the backend's event loop is busy for ``seconds``: it reads,
  writes and accepts nothing meanwhile, while the kernel still queues bytes (full buffers,
  then a slow drain).
- ``["subscribe"]``: the JS bundle subscribes to the manager events now (a late start-up
  subscription, or one after a foreground). With ``"auto_subscribe": false`` in the scenario
  the bundle does not subscribe at start, only at ``subscribe`` events.

An unknown event, or one with the wrong arguments, raises ``ValueError`` when the world is
built (``Scenario.parse``): a bad scenario is the caller's error, not a finding.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import explorer
from models.ipc.backend import DEFAULT_EVENT, SUBSCRIBE
from models.ipc.world import World

BACKEND_LATE_DELAY = 0.2
IDLE_SECONDS = 1.0

Action = Callable[[World, tuple[Any, ...]], Awaitable[None]]


async def _app_start(world: World) -> None:
    await world.module.on_create()
    if world.scenario.auto_subscribe:
        await _subscribe(world, ())


async def _subscribe(world: World, args: tuple[Any, ...]) -> None:
    for event in world.scenario.subscriptions:
        await world.module.post_message(SUBSCRIBE + event)


async def _post(world: World, args: tuple[Any, ...]) -> None:
    await world.module.post_message(args[0])


async def _reload(world: World, args: tuple[Any, ...]) -> None:
    await world.module.on_destroy()
    await _app_start(world)


async def _teardown(world: World, args: tuple[Any, ...]) -> None:
    await world.module.on_destroy()


async def _create(world: World, args: tuple[Any, ...]) -> None:
    await _app_start(world)


async def _foreground(world: World, args: tuple[Any, ...]) -> None:
    await world.module.on_foreground()


async def _backend_event(world: World, args: tuple[Any, ...]) -> None:
    world.backend.emit_event(args[0] if args else DEFAULT_EVENT)


async def _control(world: World, args: tuple[Any, ...]) -> None:
    world.backend.broadcast_control(args[0])


async def _crash(world: World, args: tuple[Any, ...]) -> None:
    world.backend.crash()


async def _restart(world: World, args: tuple[Any, ...]) -> None:
    world.backend.restart()


async def _stall(world: World, args: tuple[Any, ...]) -> None:
    world.backend.stall(args[0])


async def _idle(world: World, args: tuple[Any, ...]) -> None:
    await explorer.sleep(args[0] if args else IDLE_SECONDS)


ACTIONS: dict[str, Action] = {
    "post": _post, "reload": _reload, "teardown": _teardown, "destroy": _teardown,
    "create": _create, "foreground": _foreground,
    "backend_event": _backend_event, "control": _control, "crash_backend": _crash,
    "restart_backend": _restart, "idle": _idle, "stall_backend": _stall,
    "subscribe": _subscribe,
}


async def environment(world: World) -> None:
    """The script: start the backend, start the app, then each event in order."""
    world.backend.start(BACKEND_LATE_DELAY if world.scenario.backend_late else 0.0)
    await explorer.point("env.app_start", world.variant)
    await _app_start(world)
    world.snapshot("app_start", explorer.now())
    for event in world.scenario.events:
        name, args = event[0], tuple(event[1:])
        await explorer.point(f"env.{name}", " ".join(str(a) for a in args))
        await ACTIONS[name](world, args)
        world.snapshot(name, explorer.now())
    world.finished = True


async def main(world: World) -> None:
    """The model's main task: hand the script to ``app/env`` (a non-daemon task)."""
    explorer.spawn(environment, world, name="app/env")
