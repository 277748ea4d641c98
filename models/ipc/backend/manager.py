"""The backend's shared manager and the per-connection RPC servers attached to it.

Invariant: a manager listener exists exactly while the RPC server that added it is open and
holds that subscription; closing a server removes every listener it added, and nothing else
ever removes one. Everything here is synchronous JavaScript on Node's one thread, so it has
no scheduling points: a handler runs to completion before any other task moves.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

#: What a client sends to subscribe to / unsubscribe from a manager event (rpc-reflector ON/OFF).
SUBSCRIBE = "on:"
UNSUBSCRIBE = "off:"
#: What the backend sends back: an emitted event, and the response to a request.
EVENT = "event:"
RESPONSE = "re:"

Send = Callable[[str], None]


@attrs.define(eq=False)
class Listener:
    """One listener on the manager: it forwards ``event`` to one connection."""

    event: str
    connection: int
    forward: Send


class Manager:
    """The one ``MapeoManager`` of a backend process: an event emitter every connection shares."""

    def __init__(self) -> None:
        self.listeners: list[Listener] = []
        self.emitted = 0

    def add(self, listener: Listener) -> None:
        self.listeners.append(listener)

    def remove(self, listener: Listener) -> None:
        self.listeners.remove(listener)

    def emit(self, event: str) -> int:
        """Call every listener of ``event``, in the order they were added; returns how many."""
        self.emitted += 1
        payload = f"{EVENT}{event}#{self.emitted}"
        targets = [lis for lis in self.listeners if lis.event == event]
        for lis in targets:
            lis.forward(payload)
        return len(targets)


class ReflectorServer:
    """An rpc-reflector server for one connection: requests answered, subscriptions tracked.

    ``handler`` is None for a server whose target has no event emitters (the services server):
    it answers requests but ignores subscriptions.
    """

    def __init__(self, name: str, connection: int, handler: Manager | None, send: Send) -> None:
        self.name = name
        self.connection = connection
        self.handler = handler
        self.send = send
        self.subscriptions: dict[str, Listener] = {}
        self.open = True

    def handle(self, text: str) -> None:
        if not self.open:
            return
        if text.startswith(SUBSCRIBE):
            self._on(text.removeprefix(SUBSCRIBE))
        elif text.startswith(UNSUBSCRIBE):
            self._off(text.removeprefix(UNSUBSCRIBE))
        elif self.handler is not None:
            self.send(f"{RESPONSE}{text}")

    def _on(self, event: str) -> None:
        # rpc-reflector ignores a second subscription to an event it already forwards.
        if self.handler is None or event in self.subscriptions:
            return
        listener = Listener(event, self.connection, self.send)
        self.subscriptions[event] = listener
        self.handler.add(listener)

    def _off(self, event: str) -> None:
        listener = self.subscriptions.pop(event, None)
        if listener is not None and self.handler is not None:
            self.handler.remove(listener)

    def close(self) -> None:
        """Stop handling messages and remove every listener this server added."""
        self.open = False
        if self.handler is not None:
            for listener in self.subscriptions.values():
                self.handler.remove(listener)
        self.subscriptions = {}
