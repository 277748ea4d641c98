"""Ports of the SCTBench concurrency-bug benchmarks (github.com/mc-imperial/sctbench), written
against race-explorer's public API.

Each program is one ``sctbench.<program>`` model with at least one buggy variant and one
bug-free control; ``catalogue.py`` lists, per variant, the finding expected, the thread count
and the minimal preemption bound, and ``measure.py`` measures how fast the random and PCT
sources find each bug. Modelling rules shared by every port:

- a scheduling point precedes every access to shared memory and names what it touches; the
  accesses of one C statement that the same mutex protects share one point (no other thread
  can observe between them); a read-modify-write with no lock (``x++``) is a read and a write;
- values main sets before it creates the threads, and nobody writes again, are read freely;
- a pthread mutex is an ``explorer.Lock``, a condition variable is ``_pthread.Cond``, a busy
  wait is ``explorer.wait_until``; creating a thread is not a scheduling point, and main joins
  every thread it creates (some C mains just return);
- a C ``assert`` that can fail mid-run is recorded and reported by a step invariant; one that
  main makes after joining every thread is a quiescence invariant; a deadlock is the engine's
  own outcome.

Invariant: every model here is registered in ``MODELS`` under a unique ``sctbench.*`` name and
is a pure function of its variant and choices.
"""

from __future__ import annotations

from explorer import Model
from models.sctbench import (
    account,
    arithmetic_prog,
    bluetooth_driver,
    carter01,
    circular_buffer,
    deadlock01,
    fsbench,
    lazy01,
    phase01,
    queue,
    reorder,
    stack,
    sync,
    token_ring,
    twostage,
    wronglock,
    wsq,
)

MODELS: list[Model] = [
    account.MODEL,
    arithmetic_prog.MODEL,
    bluetooth_driver.MODEL,
    carter01.MODEL,
    circular_buffer.MODEL,
    deadlock01.MODEL,
    fsbench.MODEL,
    lazy01.MODEL,
    phase01.MODEL,
    queue.MODEL,
    reorder.MODEL,
    stack.MODEL,
    sync.SYNC01,
    sync.SYNC02,
    token_ring.MODEL,
    twostage.MODEL,
    wronglock.MODEL,
    wsq.WSQ,
    wsq.IWSQ,
    wsq.WSQ_STATE,
    wsq.IWSQWS,
]

__all__ = ["MODELS"]
