"""SCTBench ``CS/bluetooth_driver``: a driver's add path racing its stop path.

Port of ``bluetooth_driver_bad.c``: main runs ``BCSP_PnpAdd`` while a second thread runs
``BCSP_PnpStop``. The add path reads ``stoppingFlag`` outside the atomic section that counts
the pending I/O, so it can see the flag clear, lose the processor while the stop path sets it,
drops the count to zero and marks the device stopped, then count itself in and assert
``!stopped``: one preemption, right after that read. ``__ESBMC_atomic_begin/end`` is one global
mutex, as in the benchmark's ``common.inc``.

The ``ok`` variant fixes it the obvious way: the flag is tested inside the atomic section that
increments the count, and the stop path sets it inside the same section.

Invariant kept by the model: ``pendingIo`` changes only under the atomic mutex.
"""

from __future__ import annotations

import attrs

import explorer
from models.sctbench._pthread import ASSERTION, Assertions, access, assertion_invariant


@attrs.define
class Device:
    bad: bool
    pending_io: int = 1
    stopping_flag: bool = False
    stopping_event: bool = False
    stopped: bool = False
    atomic: explorer.Lock = attrs.Factory(lambda: explorer.Lock("atomic"))
    assertions: Assertions = attrs.Factory(Assertions)


async def io_increment(e: Device) -> int:
    if e.bad:
        await access("read stoppingFlag", "stoppingFlag")
        if e.stopping_flag:
            return -1
        async with e.atomic:
            await access("pendingIo = pendingIo + 1", "pendingIo")
            e.pending_io = e.pending_io + 1
        return 0
    async with e.atomic:
        await access("read stoppingFlag", "stoppingFlag")
        if e.stopping_flag:
            return -1
        await access("pendingIo = pendingIo + 1", "pendingIo")
        e.pending_io = e.pending_io + 1
    return 0


async def io_decrement(e: Device) -> None:
    async with e.atomic:
        await access("pendingIo = pendingIo - 1", "pendingIo")
        e.pending_io = e.pending_io - 1
        await access("pendingIo read", "pendingIo")
        pending = e.pending_io
    if pending == 0:
        await access("stoppingEvent = TRUE", "stoppingEvent")
        e.stopping_event = True


async def pnp_add(e: Device) -> None:
    status = await io_increment(e)
    if status == 0:
        await access("assert !stopped", "stopped", ASSERTION)
        e.assertions.check(not e.stopped, "assert(!stopped) failed: the device was stopped "
                                          "while an I/O was counted in")
    await io_decrement(e)


async def pnp_stop(e: Device) -> None:
    if e.bad:
        await access("stoppingFlag = TRUE", "stoppingFlag")
        e.stopping_flag = True
    else:
        async with e.atomic:
            await access("stoppingFlag = TRUE", "stoppingFlag")
            e.stopping_flag = True
    await io_decrement(e)
    await access("read stoppingEvent", "stoppingEvent")
    if e.stopping_event:
        await access("stopped = TRUE", "stopped")
        e.stopped = True


async def main(e: Device) -> None:
    stopper = explorer.spawn(pnp_stop, e, name="BCSP_PnpStop")
    await pnp_add(e)
    await stopper.join()


not_stopped_under_io = assertion_invariant(
    "not_stopped_under_io",
    "BCSP_PnpAdd's assertion held: the device was not stopped while an I/O was counted in.")

MODEL = explorer.Model(
    name="sctbench.bluetooth_driver",
    doc="SCTBench CS/bluetooth_driver: the add path checks the stopping flag outside the lock.",
    variants=(
        ("bad", "bluetooth_driver_bad.c: stoppingFlag read before the atomic increment"),
        ("ok", "the flag tested and set inside the atomic section that counts the I/O"),
    ),
    build=lambda variant, scenario: Device(bad=variant == "bad"),
    main=main,
    invariants=(not_stopped_under_io,),
    footprints=True,
)
