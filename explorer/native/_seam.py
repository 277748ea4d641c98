"""The batch seam: Trio's run loop hands each batch of runnable tasks to ``_run._r.shuffle``
when ``_run._ALLOW_DETERMINISTIC_SCHEDULING`` is on; a controller swapped in there decides it.

Invariant: the seam is installed for exactly one ``trio.run`` at a time, and both module
attributes are restored in ``finally`` whatever the run did. Batches of other threads' Trio
runs go to the generator that was there before, untouched.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from trio._core import _run

from explorer.errors import UserError

_ONE_RUN = threading.Lock()


class BatchController(Protocol):
    def shuffle(self, batch: list[Any]) -> None: ...


class _SeamRandom:
    """Stands in for Trio's scheduler ``random.Random``: this thread's batches go to the
    controller, everything else (other threads, a clock's random offset) to the original."""

    def __init__(self, original: Any, controller: BatchController) -> None:
        self._original = original
        self._controller = controller
        self._thread = threading.get_ident()

    def shuffle(self, batch: list[Any]) -> None:
        if threading.get_ident() == self._thread:
            self._controller.shuffle(batch)
        else:
            self._original.shuffle(batch)

    def random(self) -> float:
        return float(self._original.random())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


@contextmanager
def installed(controller: BatchController) -> Iterator[None]:
    """The seam, for the length of the ``with`` block (one ``trio.run``)."""
    if not _ONE_RUN.acquire(blocking=False):
        raise UserError("another controlled trio.run is in progress in this process; "
                        "run one at a time")
    original_random = _run._r
    original_flag = _run._ALLOW_DETERMINISTIC_SCHEDULING
    try:
        _run._r = _SeamRandom(original_random, controller)  # type: ignore[assignment]
        _run._ALLOW_DETERMINISTIC_SCHEDULING = True  # type: ignore[misc]
        yield
    finally:
        _run._r = original_random
        _run._ALLOW_DETERMINISTIC_SCHEDULING = original_flag  # type: ignore[misc]
        _ONE_RUN.release()
