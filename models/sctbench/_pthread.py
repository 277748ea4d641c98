"""The pthread vocabulary the ports share: threads that main starts and joins, condition
variables, and C assertions recorded for an invariant to report.

Invariant: a C assertion that fails mid-run is recorded once (the first failure wins) in the
world's ``Assertions``, and only by a step whose point declares ``ASSERTION`` in its
footprint, so an invariant built by :func:`assertion_invariant` reads exactly what those steps
write.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import attrs

import explorer

#: The footprint name of the assertion record: a step that evaluates a C ``assert`` touches it.
ASSERTION = "assertion"

ThreadBody = Callable[[], Awaitable[None]]


@attrs.define
class Assertions:
    """What the C program's ``assert`` calls saw: None while every one held."""

    failed: str | None = None

    def check(self, holds: bool, message: str) -> None:
        """Record ``message`` when the asserted condition does not hold (the first one wins,
        as the C program stops at its first failed assertion)."""
        if not holds and self.failed is None:
            self.failed = message


class HasAssertions(Protocol):
    assertions: Assertions


def access(label: str, *touches: str, detail: object = "") -> Awaitable[None]:
    """The scheduling point before a step that reads or writes the shared objects ``touches``.

    ``label`` names the C statement; ``detail`` holds what varies from one pass to the next
    (an index, a value), so a label names the same statement every time it is reached.
    """
    return explorer.point(label, str(detail), touches=touches)


def assertion_invariant(name: str, doc: str,
                        variants: tuple[str, ...] | None = None) -> explorer.Invariant:
    """A step invariant that fails as soon as a thread recorded a failed C assertion."""

    def check(world: HasAssertions) -> str | None:
        return world.assertions.failed

    return explorer.Invariant(name, doc, check, at="step", reads=(ASSERTION,),
                              variants=variants)


async def run_threads(threads: Sequence[tuple[str, ThreadBody]]) -> None:
    """``pthread_create`` each ``(name, body)`` in order, then ``pthread_join`` them in order.

    Creating a thread is not a scheduling point of the engine: main creates them all in one
    step, and each first runs when the engine picks it.
    """
    handles = [explorer.spawn(body, name=name) for name, body in threads]
    for handle in handles:
        await handle.join()


class Cond:
    """A ``pthread_cond_t``: ``wait`` unlocks the mutex and sleeps with no scheduling point in
    between (a signal cannot slip into the gap), then relocks it once woken; ``signal`` wakes
    one sleeper, and a signal that finds none is lost, as in pthreads. No spurious wake-ups.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._sleepers = explorer.WaitQueue(f"cond {name}")

    async def wait(self, mutex: explorer.Lock) -> None:
        await mutex.release()
        await self._sleepers.wait(f"wait {self.name}")
        await mutex.acquire()

    async def signal(self) -> None:
        await explorer.point("signal", self.name, touches=f"cond {self.name}")
        self._sleepers.wake_one()
