"""The IPC lifecycle of a React Native app and its Node backend (see ipc-system notes).

Invariant: ``MODEL`` (and ``MODELS``, a list of it) is the one ``ipc`` model, built on first
access, so that importing a part of it (the backend, the iOS client, the framing) does not
import every client version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from explorer import Model

    MODEL: Model
    MODELS: list[Model]

DOC = (
    "A React Native app's IPC lifecycle: the app module's RPC and control clients (Android "
    "NodeJSIPC in five versions, iOS NodeJSIPC) on a simulated kernel, talking to a Node "
    "backend whose per-connection subscriptions live on one shared manager; scenarios drive "
    "JS reloads, foregrounding, messages, backend events, control frames, crashes and restarts."
)


def _models() -> list[Model]:
    import explorer
    from models.ipc.environment import main
    from models.ipc.invariants import INVARIANTS
    from models.ipc.world import VARIANTS, build

    return [explorer.Model("ipc", DOC, variants=VARIANTS, build=build, main=main,
                           invariants=INVARIANTS)]


def __getattr__(name: str) -> Any:
    if name in ("MODEL", "MODELS"):
        models = _models()
        globals().update(MODELS=models, MODEL=models[0])
        return globals()[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
