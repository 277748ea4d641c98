"""Where a suspended Trio task is: its await chain read from its coroutine frames.

Invariant: this module only reads frames (``cr_await``/``gi_yieldfrom`` chains and their
locals); it never resumes, changes or keeps a reference to a task beyond the call.
"""

from __future__ import annotations

import os
import types
from typing import Any

import attrs

_TRIO_DIR = os.sep + "trio" + os.sep
_OWN_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_LIBRARY_DIRS = (_TRIO_DIR, os.sep + "anyio" + os.sep, os.sep + "outcome" + os.sep,
                 os.sep + "sniffio" + os.sep, _OWN_DIR)
#: Files whose frames mean the task waits on something outside the explorer's control.
_THREAD_FILES = ("_threads.py",)
_IO_FILES = ("_io_epoll.py", "_io_kqueue.py", "_io_windows.py")


@attrs.frozen
class Where:
    """A suspended task's place: the user code line, the library await, what it waits on."""

    location: str  # file:line of the innermost frame outside Trio and the explorer
    awaiting: str  # the outermost library function it awaits (``Lock.acquire``), or ""
    left_control: str = ""  # "a thread" / "real I/O" when it waits outside the explorer


def frames_of(coro: Any) -> list[types.FrameType]:
    """The frames of a suspended coroutine, outermost first."""
    frames: list[types.FrameType] = []
    obj = coro
    while obj is not None:
        frame = getattr(obj, "cr_frame", None) or getattr(obj, "gi_frame", None)
        if frame is not None:
            frames.append(frame)
        nxt = getattr(obj, "cr_await", None)
        if nxt is None:
            nxt = getattr(obj, "gi_yieldfrom", None)
        obj = nxt
    return frames


def _is_library(frame: types.FrameType) -> bool:
    name = frame.f_code.co_filename
    return any(part in name for part in _LIBRARY_DIRS)


def short_path(filename: str) -> str:
    """A file name relative to the working directory when under it, else its base name."""
    try:
        relative = os.path.relpath(filename)
    except ValueError:
        return os.path.basename(filename)
    return os.path.basename(filename) if relative.startswith("..") else relative


def where(coro: Any) -> Where:
    frames = frames_of(coro)
    user = [i for i, f in enumerate(frames) if not _is_library(f)]
    library = [f for f in frames if _is_library(f)]
    location = ""
    below = frames
    if user:
        last = frames[user[-1]]
        location = f"{short_path(last.f_code.co_filename)}:{last.f_lineno}"
        below = frames[user[-1] + 1:]
    else:
        below = [f for f in frames if _OWN_DIR not in f.f_code.co_filename]
    awaiting = _awaited(below)
    left = ""
    for frame in library:
        base = os.path.basename(frame.f_code.co_filename)
        if base in _THREAD_FILES:
            left = "a thread"
        elif base in _IO_FILES:
            left = "real I/O"
    return Where(location, awaiting, left)


def _awaited(frames: list[types.FrameType]) -> str:
    """The library call a task awaits: ``Lock.acquire`` rather than a context manager's
    ``__aenter__``, named by the type of its ``self`` when it has one."""
    while len(frames) > 1 and frames[0].f_code.co_name in ("__aenter__", "__aexit__"):
        frames = frames[1:]
    if not frames:
        return ""
    frame = frames[0]
    owner = frame.f_locals.get("self")
    if owner is not None:
        return f"{type(owner).__name__}.{frame.f_code.co_name}"
    return frame.f_code.co_qualname


def waited_lock(coro: Any) -> Any:
    """The ``trio.Lock`` (its implementation object) a task waits to acquire, or None."""
    for frame in frames_of(coro):
        code = frame.f_code
        if code.co_name == "acquire" and _TRIO_DIR in code.co_filename \
                and code.co_filename.endswith("_sync.py"):
            lock = frame.f_locals.get("self")
            if lock is not None and hasattr(lock, "_owner"):
                return lock
    return None


def lock_name(coro: Any, lock: Any) -> str:
    """A name for ``lock`` from the user frames that wait on it (a local or an attribute)."""
    for frame in reversed(frames_of(coro)):
        if _is_library(frame):
            continue
        for name in sorted(frame.f_locals):
            value = frame.f_locals[name]
            if value is lock or getattr(value, "_lock", None) is lock:
                return name
            for attr in sorted(getattr(value, "__dict__", {}) or {}):
                if getattr(value, attr) is lock:
                    return f"{name}.{attr}"
        for name in sorted(frame.f_globals):
            if frame.f_globals[name] is lock:
                return name
    return "a trio.Lock"
