"""An unbounded channel with kotlinx's close and cancellation semantics.

Invariant: every item sent successfully is in exactly one place: ``buffered`` (not yet taken),
handed to a receiver that then returns it, or ``lost`` (handed to a receiver that was cancelled
before it could run on). Closing keeps what is buffered; only a receiver drains it.
"""

from __future__ import annotations

from collections import deque
from typing import Generic, TypeVar

import attrs

from explorer import Waker, block, point, waker
from models.kotlin.cancellation import CancellationException, raise_if_cancelled, suspend_on

T = TypeVar("T")


class ClosedSendChannelException(Exception):
    """A send to a closed channel (Kotlin's is an ``IllegalStateException``)."""


class ClosedReceiveChannelException(Exception):
    """A receive from a closed and drained channel (Kotlin's is a ``NoSuchElementException``)."""


@attrs.frozen
class ChannelResult:
    """What ``try_send`` returns instead of throwing."""

    is_success: bool
    is_closed: bool

    @property
    def is_failure(self) -> bool:
        return not self.is_success


_SENT = ChannelResult(is_success=True, is_closed=False)
_CLOSED = ChannelResult(is_success=False, is_closed=True)


class _Receiver(Generic[T]):
    """A suspended receiver; a sender hands it an item directly instead of buffering it."""

    __slots__ = ("handed", "waker")

    def __init__(self, w: Waker) -> None:
        self.waker = w
        self.handed: list[T] = []  # the item handed over, once a sender found us waiting


class Channel(Generic[T]):
    """``Channel<T>(UNLIMITED)``: sends never suspend; receives suspend while it is empty."""

    def __init__(self, name: str = "channel") -> None:
        self.name = name
        self.buffered: list[T] = []
        self.lost: list[T] = []
        self._closed = False
        self._receivers: deque[_Receiver[T]] = deque()
        self._waits_on = f"channel {name} to have an item"

    def __repr__(self) -> str:
        return f"<Channel {self.name} buffered={len(self.buffered)} closed={self._closed}>"

    @property
    def is_closed_for_send(self) -> bool:
        return self._closed

    @property
    def is_closed_for_receive(self) -> bool:
        return self._closed and not self.buffered

    # ----- sending ----------------------------------------------------------------------

    def try_send(self, item: T) -> ChannelResult:
        """Send without suspending; never throws: a closed channel gives a failed result."""
        if self._closed:
            return _CLOSED
        self._deliver(item)
        return _SENT

    async def send(self, item: T) -> None:
        """Send (never suspends: unbounded); raises :class:`ClosedSendChannelException`."""
        await point("channel.send", self.name)
        # No cancellation check: kotlinx checks only when a send has to suspend.
        if self._closed:
            raise ClosedSendChannelException(f"channel {self.name} was closed")
        self._deliver(item)

    def _deliver(self, item: T) -> None:
        while self._receivers:
            receiver = self._receivers.popleft()
            if receiver.waker.wake():
                receiver.handed.append(item)
                return
        self.buffered.append(item)

    def close(self) -> bool:
        """Close for sending; buffered items stay receivable. False if already closed."""
        if self._closed:
            return False
        self._closed = True
        while self._receivers:
            self._receivers.popleft().waker.wake()
        return True

    # ----- receiving --------------------------------------------------------------------

    async def receive(self) -> T:
        """Take the next item, suspending while empty (cancellable); raises
        :class:`ClosedReceiveChannelException` once closed and drained."""
        await point("channel.receive", self.name)
        return await self._receive()

    def __aiter__(self) -> Channel[T]:
        return self

    async def __anext__(self) -> T:
        """``for (item in channel)``: ends when the channel is closed and drained."""
        await point("channel.receive", self.name)
        try:
            return await self._receive()
        except ClosedReceiveChannelException:
            raise StopAsyncIteration from None

    async def _receive(self) -> T:
        # kotlinx takes an available item without checking for cancellation.
        if self.buffered:
            return self.buffered.pop(0)
        if self._closed:
            raise ClosedReceiveChannelException(f"channel {self.name} was closed")
        raise_if_cancelled()
        receiver: _Receiver[T] = _Receiver(waker())
        self._receivers.append(receiver)
        try:
            await suspend_on(lambda: block("channel.receive", self._waits_on,
                                           on_cancel=lambda: self._withdraw(receiver)))
        except CancellationException:
            # Prompt cancellation: an item handed over after the cancel raced in is lost.
            self.lost.extend(receiver.handed)
            raise
        if receiver.handed:
            return receiver.handed[0]
        raise ClosedReceiveChannelException(f"channel {self.name} was closed")

    def _withdraw(self, receiver: _Receiver[T]) -> None:
        if receiver in self._receivers:
            self._receivers.remove(receiver)
