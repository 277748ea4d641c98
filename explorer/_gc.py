"""Keeping the cyclic garbage collector off the heap that was alive before a search began.

Invariant: the collector is left as it was found. Objects frozen when a search starts (the
imported modules, Hypothesis's state: they outlive the search) are unfrozen when it ends, in
``finally``; nothing is frozen when the collector is off or someone else froze objects first.
Freezing changes how often old objects are scanned, never what a run computes: every run
unwinds its own tasks, so no modelled task is finalized by a collection.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def old_objects_frozen() -> Iterator[None]:
    """Collections during the block skip every object that existed when it began."""
    if not gc.isenabled() or gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
