"""``ComapeoCoreModule`` on Android: the two clients' owner and the JS-visible state.

Invariant: JS state changes only in ``_set_js_state``, which decides under ``stateLock`` (one
atomic step here) and emits after releasing it, as the Kotlin does, so two threads' events can
reach JS in the other order; ``js_states`` records what JS saw, repeats dropped. With the
``proposed`` fix the module emits while it holds the lock (``sendEvent`` only queues the event
for JS, so it cannot block) and ignores a Connecting sample that arrives after JS is already
STARTING, STARTED or STOPPING (the conflated collector delivers samples late, after the frames
the backend replays to a new connection).

The module object lives across JS reloads (OnDestroy, then OnCreate, on the same fields), so
OnActivityEntersForeground between the two finds the instances OnDestroy closed.
"""

from __future__ import annotations

from typing import Protocol

import explorer
from models.ipc.android.client import NodeJSIPC
from models.ipc.android.instance import Host, Kind, Outgoing, State
from models.ipc.android.java import (
    IllegalStateException,
    UninitializedPropertyAccessException,
)
from models.ipc.android.proposed import ProposedIPC
from models.ipc.android.versions import ANDROID_VARIANTS, version_named
from models.ipc.framing import frame_type
from models.ipc.observe import ClientRecord, Observations
from models.kernel import Kernel, Process

__all__ = ["ANDROID_VARIANTS", "AndroidModule"]

#: Control frame ``type`` -> JS state (``ControlFrame.parse`` then the module's ``when``).
FRAME_STATES = {"started": "STARTING", "ready": "STARTED", "stopping": "STOPPING",
                "error": "ERROR"}
#: Frames for the service's Sentry SDK: the module ignores them.
IGNORED_FRAMES = ("sentry-event", "sentry-envelope")


class Client(Protocol):
    @property
    def record(self) -> ClientRecord: ...

    async def connect(self) -> None: ...
    async def send_message(self, message: Outgoing) -> None: ...
    async def disconnect(self) -> None: ...
    async def close(self) -> None: ...


class AndroidModule:
    """What the app lifecycle and JS call on Android (the same interface as iOS)."""

    def __init__(self, variant: str, kernel: Kernel, app: Process, rpc_path: str,
                 control_path: str, observations: Observations,
                 client_class: type[ProposedIPC] = ProposedIPC) -> None:
        self.version = version_named(variant)
        self.client_class = client_class  # the ``proposed`` client, or a candidate fix
        self.kernel = kernel
        self.app = app
        self.rpc_path = rpc_path
        self.control_path = control_path
        self.observations = observations
        self.ipc: Client | None = None  # lateinit
        self.control_ipc: Client | None = None  # lateinit
        self.js_state = "STOPPED"
        self.last_error: str | None = None

    @property
    def proposed(self) -> bool:
        return self.version.name == "proposed"

    # ----- lifecycle hooks -----------------------------------------------------------------

    async def on_create(self) -> None:
        self.ipc = await self._open("rpc", self.rpc_path, False)
        self.control_ipc = await self._open("control", self.control_path, True)

    async def _open(self, role: str, path: str, control: bool) -> Client:
        host = Host.create(self.kernel, self.app, self.observations, role)
        on_message = self._on_control_message if control else self._on_rpc_message
        on_state = self._on_connection_state if control else None
        if self.proposed:
            return await self.client_class.open(host, path, on_message, on_state,
                                                self._on_send_failed)
        return await NodeJSIPC.open(host, path, self.version, on_message, on_state)

    async def on_destroy(self) -> None:
        for client in (self.ipc, self.control_ipc):
            if client is None:
                continue
            client.record.destroyed = True
            if self.version.destroy_calls == "disconnect":
                await client.disconnect()
                client.record.close_returned = True
            else:
                await client.close()
        if self.proposed:
            # Drop the closed instances, as iOS does: later hooks find nothing to call.
            self.ipc = self.control_ipc = None

    async def on_foreground(self) -> None:
        for client in (self.ipc, self.control_ipc):
            if client is not None:
                await client.connect()  # idempotent, the Kotlin assumes; closed, maybe

    async def post_message(self, text: str) -> None:
        """JS ``postMessage``: ``ipc.sendMessage(text)`` on the JS thread."""
        ipc = self.ipc
        posted = self.observations.new_post(text, ipc.record.instance if ipc is not None else -1)
        try:
            if ipc is None:
                raise self._no_client()
            await ipc.send_message(Outgoing(posted.ident, text))
        except Exception as exc:  # reaches JS as a rejected call
            self.observations.fail_visibly(posted)
            self.observations.notes.append(f"postMessage m{posted.ident} threw {exc!r}")
        posted.returned = True

    def _no_client(self) -> Exception:
        if self.proposed:
            return IllegalStateException("postMessage() after OnDestroy: no IPC client")
        return UninitializedPropertyAccessException("lateinit property ipc not initialized")

    # ----- callbacks from the clients ------------------------------------------------------

    async def _on_rpc_message(self, text: str) -> None:
        await explorer.point("sendEvent message", text)
        self.observations.js_messages.append(text)

    async def _on_send_failed(self, message: Outgoing, reason: str) -> None:
        """``proposed`` only: a message it accepted but could not send reaches JS as a
        ``sendError`` event naming it."""
        await explorer.point("sendEvent sendError", f"m{message.ident}: {reason}")
        self.observations.fail_visibly(self.observations.posted[message.ident])

    async def _on_control_message(self, text: str) -> None:
        kind = frame_type(text)
        if kind in FRAME_STATES:
            await self._set_js_state(FRAME_STATES[kind], text if kind == "error" else None)
        elif kind not in IGNORED_FRAMES:
            await explorer.point("sendEvent messageerror", text)
            self.observations.notes.append(f"malformed control frame {text!r}")

    async def _on_connection_state(self, state: State) -> None:
        kind = state.kind
        if kind is Kind.CONNECTING:
            # the fix: a late Connecting sample must not undo what a control frame said (the
            # backend replays its phase to each new connection: started, ready, stopping);
            # decided under the lock, with the change itself
            unless = ("STARTING", "STARTED", "STOPPING") if self.proposed else ()
            await self._set_js_state("STARTING", unless=unless)
        elif kind is Kind.DISCONNECTING:
            await self._set_js_state("STOPPING")
        elif kind is Kind.ERROR:
            await self._set_js_state("ERROR", f"ipc: {state}")
        elif kind is Kind.DISCONNECTED:
            await self._on_disconnected()

    async def _on_disconnected(self) -> None:
        if self.proposed:  # the fix: read and change the state in one synchronized block
            await explorer.point("synchronized stateLock", "Disconnected")
            stopped = self.js_state in ("STOPPING", "STOPPED")
            if stopped or self.js_state in ("STARTING", "STARTED"):
                await self._apply_js_state("STOPPED" if stopped else "ERROR",
                                           None if stopped else "Backend disconnected unexpectedly")
            return
        await explorer.point("read jsState")  # its own synchronized block
        current = self.js_state
        if current in ("STOPPING", "STOPPED"):
            await self._set_js_state("STOPPED")
        elif current in ("STARTING", "STARTED"):
            await self._set_js_state("ERROR", "Backend disconnected unexpectedly")

    async def _set_js_state(self, new: str, error: str | None = None,
                            unless: tuple[str, ...] = ()) -> None:
        await explorer.point("synchronized stateLock", new)
        if self.js_state not in unless:
            await self._apply_js_state(new, error)

    async def _apply_js_state(self, new: str, error: str | None) -> None:
        """Inside the synchronized block: change the state and emit it."""
        if self.js_state == new and not (new == "ERROR" and error is not None):
            return
        self.js_state, self.last_error = new, error
        if not self.proposed:
            # emitted after the lock is released: another thread's event can overtake it
            await explorer.point("sendEvent stateChange", new)
        states = self.observations.js_states
        if not states or states[-1] != new:
            states.append(new)
