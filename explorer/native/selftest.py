"""A behavioural self-test of the batch seam, run once before the first controlled run.

Invariant: no controlled run starts on a Trio whose run loop does not obey the seam: three
tasks with three checkpoints each must step exactly one task per loop iteration and in
exactly the order the chooser picked; otherwise ``UnsupportedTrio`` says so in one line.
"""

from __future__ import annotations

from collections.abc import Sequence

import trio

from explorer.errors import UserError
from explorer.records import Settings
from explorer.sources.base import ChoiceSource

SUPPORTED = ">=0.30,<0.36"  # as pyproject.toml declares
_verdict: list[str] = []  # the cached verdict of this process: "" when compatible


class UnsupportedTrio(UserError):
    """This Trio's run loop does not hand its batches to the seam the explorer needs."""


class _Last(ChoiceSource):
    """Always the last option: the task least like Trio's own order."""

    def choose(self, options: Sequence[int], step: int) -> int:
        return len(options) - 1


def _check() -> str:
    from explorer.native.execution import run_controlled

    ran: list[int] = []

    async def worker(n: int) -> None:
        ran.append(n)
        for _ in range(3):
            await trio.lowlevel.checkpoint()
            ran.append(n)

    async def main() -> None:
        async with trio.open_nursery() as nursery:
            for n in range(3):
                nursery.start_soon(worker, n)

    try:
        controller = run_controlled(main, _Last(), Settings(timers="idle"), checked=True)
    except Exception as exc:
        return f"the controlled run failed ({type(exc).__name__}: {exc})"
    picked = [s.tid - 1 for s in controller.steps if s.tid > 0]
    if ran != picked or len(ran) != 12:
        return f"tasks ran in order {ran}, the chooser picked {picked}"
    return ""


def ensure_compatible() -> None:
    """Raise ``UnsupportedTrio`` unless this Trio obeys the seam (checked once a process)."""
    if not _verdict:
        _verdict.append(_check())
    if _verdict[0]:
        raise UnsupportedTrio(f"race-explorer cannot control trio {trio.__version__} (supported "
                              f"{SUPPORTED}): {_verdict[0]}")
