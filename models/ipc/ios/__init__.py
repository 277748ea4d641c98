"""The iOS side of the IPC model (ipc-system notes, section 4): client, queues and module.

Invariant: the iOS client closes its fd only after shutting it down, joining its receive
work and draining its send queue, so no syscall of its own is in flight on a closed number.
"""

from models.ipc.ios.client import IOSClient, IOSState, IPCError
from models.ipc.ios.dispatch import SerialQueue, WorkItem
from models.ipc.ios.module import IOSModule, IOSService

IOS_VARIANT = ("ios", "iOS client: disconnect() = shutdown, join receive, drain sends, close")

__all__ = [
    "IOS_VARIANT", "IOSClient", "IOSModule", "IOSService", "IOSState", "IPCError", "SerialQueue",
    "WorkItem",
]
