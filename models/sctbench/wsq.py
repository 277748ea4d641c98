"""SCTBench ``chess/*WorkStealQueue*``: the owner (main) pushes and pops four items while two
stealers try to steal twice each; at the end main checks that every item was operated on
exactly once.

SCTBench runs these programs with two stealers (its thread-count argument), four items and two
steal attempts each, and an initial array of two slots:

- ``sctbench.wsq`` (``WorkStealQueue.cpp``) and ``sctbench.iwsq``
  (``InterlockedWorkStealQueue.cpp``, the spin lock): main pushes two items and pops one, twice,
  then pops twice more. ``bad`` has the header's BUG3: ``Push`` checks for room with
  ``t < head + mask + 1`` instead of ``t < head + mask``, so it may fill the array while a
  stealer has already moved ``head`` past the item it is about to read, and overwrite that
  item: the stolen one is then operated on twice and another never. The owner must let a
  stealer in mid-steal (a preemption) and the stealer must stop between moving ``head`` and
  reading the slot (another): two preemptions. ``ok`` has the right check.
- ``sctbench.wsq_state`` (``StateWorkStealQueue.cpp``: four pushes, then four pops) and
  ``sctbench.iwsqws`` (``InterlockedWorkStealQueueWithState.cpp``: the ``iwsq`` loop) use the
  ``WithState`` header, whose queue is right but whose per-thread activation-record vector is
  grown with no lock: a stealer that checked the size before the other grew the vector
  shrinks it back, destroying the other's stack, whose next access throws. Two preemptions
  (the first stealer between its check and its resize, the second between its push and its
  next access). ``ok`` guards the check and the resize with a mutex.

Invariant kept by the models: main is the queue's only owner (thread 0); stealers are threads
1 and 2, as the C programs number them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import attrs

import explorer
from models.sctbench._pthread import Assertions, access, assertion_invariant
from models.sctbench._wsq import Mutex, NoState, Recorder, SpinLock, StateStacks, WorkStealQueue

ITEMS = 4
STEALERS = 2
STEAL_ATTEMPTS = 2


@attrs.define
class World:
    queue: WorkStealQueue
    state: Recorder
    stacks: StateStacks | None
    assertions: Assertions
    fields: list[int] = attrs.Factory(lambda: [0] * ITEMS)


async def operation(w: World, item: int) -> None:
    """``ObjType::Operation``: ``field++``, a read then a write."""
    await access("field++ (read)", f"item{item}", detail=f"item {item}")
    seen = w.fields[item]
    await access("field++ (write)", f"item{item}", detail=f"item {item}")
    w.fields[item] = seen + 1


async def stealer(w: World, tid: int) -> None:
    await w.state.push(tid)
    await w.state.update(tid)
    for _ in range(STEAL_ATTEMPTS):
        await w.state.update(tid)
        item = await w.queue.steal(tid)
        if item is not None:
            await operation(w, item)
    await w.state.pop(tid)


async def pop_and_operate(w: World) -> None:
    await w.state.update(0)
    item = await w.queue.pop(0)
    if item is not None:
        await operation(w, item)


async def push_two_pop_one(w: World) -> None:
    """The plain and interlocked programs' owner loop."""
    for i in range(ITEMS // 2):
        for item in (2 * i, 2 * i + 1):
            await w.state.update(0)
            await w.queue.push(item, 0)
        await pop_and_operate(w)
    for _ in range(ITEMS // 2):
        await pop_and_operate(w)


async def push_all_pop_all(w: World) -> None:
    """``StateWorkStealQueue.cpp``'s owner loop."""
    for item in range(ITEMS):
        await w.state.update(0)
        await w.queue.push(item, 0)
    for _ in range(ITEMS):
        await pop_and_operate(w)


def main_running(owner: Callable[[World], Awaitable[None]],
                 update_per_stealer: bool) -> Callable[[World], Awaitable[None]]:
    async def main(w: World) -> None:
        await w.state.push(0)
        await w.state.update(0)
        stealers = []
        for tid in range(1, STEALERS + 1):
            if update_per_stealer:
                await w.state.update(0)
            stealers.append(explorer.spawn(stealer, w, tid, name=f"Stealer/{tid}"))
        await owner(w)
        await w.state.update(0)
        for handle in stealers:
            await handle.join()
        await w.state.pop(0)
        if w.stacks is not None:
            await w.stacks.clear()

    return main


def build_plain(spin: bool) -> Callable[[str, object], World]:
    def build(variant: str, scenario: object) -> World:
        assertions = Assertions()
        state = NoState()
        lock = SpinLock(state) if spin else Mutex()
        queue = WorkStealQueue(lock, state, assertions, push_bug=variant == "bad")
        return World(queue, state, None, assertions)

    return build


def build_with_state(variant: str, scenario: object) -> World:
    assertions = Assertions()
    guard = None if variant == "bad" else explorer.Lock("stacks")
    stacks = StateStacks(assertions, guard)
    queue = WorkStealQueue(SpinLock(stacks), stacks, assertions, push_bug=False)
    return World(queue, stacks, stacks, assertions)


@explorer.invariant(at="quiescence")
def items_operated_once(w: World) -> str | None:
    """main's final Check() loop: every item's field is 1 (each was taken exactly once)."""
    wrong = [f"item {i}: field {f}" for i, f in enumerate(w.fields) if f != 1]
    if wrong:
        return "assert(field == 1) failed: " + ", ".join(wrong)
    return None


queue_assertions = assertion_invariant(
    "queue_assertions",
    "The queue's own assertions held (SyncPush's sizes) and the state harness's vector kept "
    "every thread's stack.")

PLAIN_VARIANTS = (
    ("bad", "BUG3: Push checks t < head + mask + 1, one slot too many"),
    ("ok", "Push checks t < head + mask"),
)
STATE_VARIANTS = (
    ("bad", "State::Push checks the size and resizes the vector with no lock"),
    ("ok", "State::Push checks the size and resizes under a mutex"),
)
INVARIANTS = (items_operated_once, queue_assertions)

WSQ = explorer.Model(
    name="sctbench.wsq",
    doc="SCTBench chess/WorkStealQueue: a THE work-stealing queue with a mutex.",
    variants=PLAIN_VARIANTS,
    build=build_plain(spin=False),
    main=main_running(push_two_pop_one, update_per_stealer=False),
    invariants=INVARIANTS,
    footprints=True,
)

IWSQ = explorer.Model(
    name="sctbench.iwsq",
    doc="SCTBench chess/InterlockedWorkStealQueue: the same queue with a spin lock.",
    variants=PLAIN_VARIANTS,
    build=build_plain(spin=True),
    main=main_running(push_two_pop_one, update_per_stealer=False),
    invariants=INVARIANTS,
    footprints=True,
)

WSQ_STATE = explorer.Model(
    name="sctbench.wsq_state",
    doc="SCTBench chess/StateWorkStealQueue: the queue with CHESS's activation-record state.",
    variants=STATE_VARIANTS,
    build=build_with_state,
    main=main_running(push_all_pop_all, update_per_stealer=True),
    invariants=INVARIANTS,
    footprints=True,
)

IWSQWS = explorer.Model(
    name="sctbench.iwsqws",
    doc="SCTBench chess/InterlockedWorkStealQueueWithState: iwsq's loop, with the state.",
    variants=STATE_VARIANTS,
    build=build_with_state,
    main=main_running(push_two_pop_one, update_per_stealer=False),
    invariants=INVARIANTS,
    footprints=True,
)
