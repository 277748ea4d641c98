"""The Node.js backend of the IPC model (ipc-system notes, section 5).

Invariant: the backend never blocks on a client: every connection has its own reader and
writer tasks, and everything else it does is synchronous JavaScript between scheduling points.
"""

from models.ipc.backend.backend import DEFAULT_EVENT, Backend, Generation
from models.ipc.backend.connection import Connection
from models.ipc.backend.manager import EVENT, RESPONSE, SUBSCRIBE, UNSUBSCRIBE, Listener, Manager
from models.ipc.backend.servers import control_frame

__all__ = [
    "DEFAULT_EVENT", "EVENT", "RESPONSE", "SUBSCRIBE", "UNSUBSCRIBE", "Backend", "Connection",
    "Generation", "Listener", "Manager", "control_frame",
]
