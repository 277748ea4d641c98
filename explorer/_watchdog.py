"""The wall-clock watchdog and the Ctrl-C guard of a run: the only place the engine reads a clock.

Invariant: the watchdog never changes a run that reaches its scheduling points in time. It
acts only on a task that has run model code for ``Settings.watchdog_seconds`` of wall time
without handing control back to the engine (a ``while True: pass``, a blocked
``threading.Lock``, a ``time.sleep``): it raises :class:`Stalled` in that task, and the run
ends as an ``uncontrolled`` outcome. Nothing it measures enters a trace. A Ctrl-C during a
run is remembered, so that model code swallowing the ``KeyboardInterrupt`` cannot keep the run
going: the engine stops at its next step.
"""

from __future__ import annotations

import ctypes
import signal
import threading
import time
from types import FrameType
from typing import Protocol

#: How often the watchdog looks, at most (it looks four times per watchdog period).
_MAX_TICK = 0.25


class Stalled(BaseException):
    """Raised in a task the watchdog stopped: it ran too long without a scheduling point."""


class Watched(Protocol):
    """What the watchdog reads of a run: a counter of hand-offs and whether model code runs."""

    resumes: int
    in_model: bool
    stalled: float | None
    stall_signal: bool
    interrupted: bool


class _Entry:
    __slots__ = ("execution", "last_resumes", "seconds", "since", "thread")

    def __init__(self, execution: Watched, seconds: float, thread: int) -> None:
        self.execution = execution
        self.seconds = seconds
        self.thread = thread
        self.last_resumes = -1
        self.since = time.monotonic()


class _Watchdog:
    """One daemon thread per process, started on first use, watching every running run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[int, _Entry] = {}
        self._thread: threading.Thread | None = None
        self._tick = _MAX_TICK

    def watch(self, execution: Watched, seconds: float) -> int:
        entry = _Entry(execution, seconds, threading.get_ident())
        with self._lock:
            key = id(entry)
            self._entries[key] = entry
            self._tick = min(self._tick, max(seconds / 4, 0.01))
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="race-explorer watchdog",
                                                daemon=True)
                self._thread.start()
        return key

    def unwatch(self, key: int) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def _loop(self) -> None:
        while True:
            time.sleep(self._tick)
            now = time.monotonic()
            with self._lock:
                for entry in self._entries.values():
                    self._look(entry, now)

    def _look(self, entry: _Entry, now: float) -> None:
        execution = entry.execution
        if not execution.in_model or execution.resumes != entry.last_resumes:
            entry.last_resumes, entry.since = execution.resumes, now
            return
        if now - entry.since < entry.seconds:
            return
        execution.stalled = now - entry.since
        entry.since = now  # a task that swallows Stalled gets it again one period later
        _interrupt(execution, entry.thread)


def _interrupt(execution: Watched, thread: int) -> None:
    """Raise ``Stalled`` in ``thread``: by a signal in the main thread (it also ends a blocking
    call), else as an asynchronous exception (it reaches Python code, not a blocked C call)."""
    guard = _GUARD.installed
    if isinstance(guard, _Guard) and guard.execution is execution:
        execution.stall_signal = True
        signal.pthread_kill(thread, signal.SIGINT)
        return
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread), ctypes.py_object(Stalled))


class _Guard:
    """The SIGINT handler of a run in the main thread: Ctrl-C is remembered, then raised; the
    watchdog's own signal raises ``Stalled`` instead."""

    def __init__(self, execution: Watched) -> None:
        self.execution = execution

    def __call__(self, signum: int, frame: FrameType | None) -> None:
        if self.execution.stall_signal:
            self.execution.stall_signal = False
            raise Stalled()
        self.execution.interrupted = True
        raise KeyboardInterrupt()


class _GuardSlot:
    installed: object = None


_GUARD = _GuardSlot()
_WATCHDOG = _Watchdog()


class Guarded:
    """``with Guarded(execution, seconds):`` around a run: watchdog on, Ctrl-C guarded (in the
    main thread, when SIGINT has Python's default handler), both undone on exit."""

    def __init__(self, execution: Watched, seconds: float) -> None:
        self._execution = execution
        self._seconds = seconds
        self._key: int | None = None
        self._previous: object = None

    def __enter__(self) -> Guarded:
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
            guard = _Guard(self._execution)
            self._previous = signal.signal(signal.SIGINT, guard)
            _GUARD.installed = guard
        self._key = _WATCHDOG.watch(self._execution, self._seconds)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._key is not None:
            _WATCHDOG.unwatch(self._key)
        if self._previous is not None:
            _GUARD.installed = None
            signal.signal(signal.SIGINT, self._previous)  # type: ignore[arg-type]
