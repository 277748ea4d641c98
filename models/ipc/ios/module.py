"""The iOS module (``ComapeoCoreModule.swift``) and the service-owned control client.

Invariant: the module reaches at most one RPC client, the one its latest ``OnCreate`` made;
``OnDestroy`` disconnects it and drops it, so every later hook on that module instance finds
``ipc == nil`` and does nothing. Events reach JS only while the module instance that
registered for them is alive (the Swift closures hold the module weakly).

As in the app, the control client belongs to ``NodeJSService``, which starts with the app
(here: at the first ``OnCreate``) and lives across JS reloads and teardown; JS state is the
service's state, derived from control frames and pushed to the live module on every change.
"""

from __future__ import annotations

from models.ipc.framing import frame_type
from models.ipc.ios.client import IOSClient
from models.ipc.observe import Observations
from models.kernel import Kernel, Process

#: Control frame type -> the service's state (``NodeJSService.deriveState``, runtime running).
FRAME_STATES = {"started": "STARTING", "ready": "STARTED", "stopping": "STOPPING",
                "error": "ERROR"}


class IOSService:
    """The control side of ``NodeJSService``: a control client and the derived JS state."""

    def __init__(self, observations: Observations) -> None:
        self.observations = observations
        self.state = "STOPPED"
        self.control: IOSClient | None = None
        self.listener: int | None = None  # the module instance ``onStateChange`` points at
        self.is_live: dict[int, bool] = {}

    async def start(self, kernel: Kernel, proc: Process, path: str) -> None:
        """``start()``: the runtime is running (STARTING), then the control client connects."""
        self._apply("STARTING")
        record = self.observations.new_client("control", "ios")
        self.control = IOSClient(kernel, proc, path, record, self.observations,
                                 self._on_control_message)
        await self.control.start()

    def _on_control_message(self, text: str) -> None:
        state = FRAME_STATES.get(frame_type(text) or "")
        if state is not None:
            self._apply(state)

    def _apply(self, derived: str) -> None:
        """``applyAndEmit``: a change of derived state goes to ``onStateChange``, if any."""
        if derived == self.state:
            return
        self.state = derived
        if self.listener is not None and self.is_live.get(self.listener, False):
            self.observations.js_states.append(derived)


class IOSModule:
    """What JS and the app lifecycle call on iOS; same interface as the Android module."""

    def __init__(self, variant: str, kernel: Kernel, app_process: Process, rpc_path: str,
                 control_path: str, observations: Observations) -> None:
        self.variant = variant
        self.kernel = kernel
        self.proc = app_process
        self.rpc_path = rpc_path
        self.control_path = control_path
        self.observations = observations
        self.service = IOSService(observations)
        self.ipc: IOSClient | None = None
        self.instance = 0  # module instances so far: each OnCreate is a new AppContext
        self.clients: list[IOSClient] = []  # every client made, the service's control first
        self._service_started = False

    async def on_create(self) -> None:
        if not self._service_started:
            self._service_started = True
            await self.service.start(self.kernel, self.proc, self.control_path)
            assert self.service.control is not None
            self.clients.append(self.service.control)
        self.instance += 1
        me = self.instance
        self.service.is_live[me] = True
        record = self.observations.new_client("rpc", "ios")
        ipc = IOSClient(self.kernel, self.proc, self.rpc_path, record, self.observations,
                        lambda text: self._on_message(me, text))
        self.ipc = ipc
        self.clients.append(ipc)
        await ipc.start()
        # `onStateChange` is single-slot: the newest module instance wins.
        self.service.listener = me

    def _on_message(self, instance: int, text: str) -> None:
        if self.service.is_live.get(instance, False):
            self.observations.js_messages.append(text)

    async def on_destroy(self) -> None:
        ipc = self.ipc
        if ipc is not None:
            ipc.record.destroyed = True
            await ipc.disconnect()
            ipc.record.close_returned = True
            self.ipc = None
            ipc.drop()
        self.service.is_live[self.instance] = False

    async def on_foreground(self) -> None:
        if self.ipc is not None:
            await self.ipc.connect()

    async def post_message(self, text: str) -> None:
        ipc = self.ipc
        posted = self.observations.new_post(text, -1 if ipc is None else ipc.record.instance)
        if ipc is not None:
            await ipc.send_message(text)
        posted.returned = True
