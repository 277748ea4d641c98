"""The CHESS work-stealing queue (the Cilk "THE" protocol) shared by the four SCTBench ports
``chess/WorkStealQueue``, ``InterlockedWorkStealQueue``, ``StateWorkStealQueue`` and
``InterlockedWorkStealQueueWithState``.

The owner thread pushes and pops at the tail without a lock; stealers take from the head under
the queue's lock (a pthread mutex, or the interlocked spin lock); the owner falls back to a
locked ``SyncPush`` / ``SyncPop`` when the array is full or a steal may have raced it. ``head``
and ``tail`` are atomics and every read or write of them is its own step; ``elems`` is read and
written without a lock by the owner and under the lock by stealers. ``mask`` and ``elems`` are
replaced only by the owner under the lock, so the owner's unlocked reads of ``mask`` share a
step with the access they index.

The ``WithState`` header also records an activation record per call in a vector of per-thread
stacks (``State``, for CHESS's state caching); :class:`StateStacks` models that vector, whose
``Push`` checks the size and resizes it with no lock. :class:`NoState` is the plain header's
absence of it: no steps at all.

Invariant: the queue holds item numbers; ``elems[i & mask]`` for ``head <= i < tail`` are the
items pushed and not yet taken, unless the model's bug breaks exactly that.
"""

from __future__ import annotations

from typing import Protocol

import attrs

import explorer
from models.sctbench._pthread import ASSERTION, Assertions, access

INITQSIZE = 2
MAX_SIZE = 1024 * 1024
INITIAL_SIZE = 1024


class QueueLock(Protocol):
    """The queue's ``SpinLock`` base: ``Acquire`` and ``Release`` by thread ``tid``."""

    async def acquire(self, tid: int) -> None: ...

    async def release(self, tid: int) -> None: ...


class Recorder(Protocol):
    """``State``: Push, Peek(...).Update and Pop of one thread's activation records."""

    async def push(self, tid: int) -> None: ...

    async def update(self, tid: int, *reads: str) -> None: ...

    async def pop(self, tid: int) -> None: ...


class NoState:
    """The plain header: nothing is recorded, and recording takes no steps."""

    async def push(self, tid: int) -> None:
        return None

    async def update(self, tid: int, *reads: str) -> None:
        return None

    async def pop(self, tid: int) -> None:
        return None


@attrs.define
class StateStacks:
    """``std::vector<std::vector<ActivationRecord>> stacks`` with ``reserve(100)``.

    ``Push`` reads the size and, if ``tid`` is beyond it, resizes to ``tid + 1``: two steps
    with no lock, so a thread that read the size before another grew the vector can shrink it
    back and destroy the other's stack; ``stacks.at(tid)`` then throws ``out_of_range``, and
    an empty stack fails ``Peek``'s ``assert(size > 0)``. Both are recorded as failed
    assertions. With ``guard`` (the fixed harness) the size check and the resize run under a
    mutex.
    """

    assertions: Assertions
    guard: explorer.Lock | None = None
    stacks: list[list[int]] = attrs.Factory(list)

    def _stack(self, tid: int, what: str) -> list[int] | None:
        if tid >= len(self.stacks):
            self.assertions.check(False, f"std::out_of_range in {what}: stacks.at({tid}) with "
                                         f"{len(self.stacks)} stacks (another thread shrank "
                                         "the vector)")
            return None
        return self.stacks[tid]

    async def push(self, tid: int) -> None:
        if self.guard is not None:
            await self.guard.acquire()
        await access("stacks.size() <= tid", "stacks", detail=tid)
        if len(self.stacks) <= tid:
            await access("stacks.resize(tid + 1)", "stacks", detail=tid + 1)
            del self.stacks[tid + 1:]
            self.stacks.extend([] for _ in range(tid + 1 - len(self.stacks)))
        if self.guard is not None:
            await self.guard.release()
        await access("stacks.at(tid).push_back", "stacks", ASSERTION, detail=tid)
        stack = self._stack(tid, "State::Push")
        if stack is not None:
            stack.append(0)

    async def update(self, tid: int, *reads: str) -> None:
        await access("state.Peek(tid).Update", "stacks", *reads, ASSERTION)
        stack = self._stack(tid, "State::Peek")
        if stack is not None:
            self.assertions.check(len(stack) > 0, f"assert(size > 0) failed in State::Peek "
                                                  f"({tid}): its stack was destroyed")

    async def pop(self, tid: int) -> None:
        await access("state.Pop(tid)", "stacks", ASSERTION)
        stack = self._stack(tid, "State::Pop")
        if stack is not None:
            self.assertions.check(len(stack) > 0, f"assert(size > 0) failed in State::Pop "
                                                  f"({tid})")
            if stack:
                stack.pop()

    async def clear(self) -> None:
        await access("state.Clear()", "stacks")
        self.stacks.clear()


class Mutex:
    """``SpinLock`` without ``USE_NON_BLOCKING_SYNC``: a pthread mutex named ``cs``."""

    def __init__(self) -> None:
        self._cs = explorer.Lock("cs")

    async def acquire(self, tid: int) -> None:
        await self._cs.acquire()

    async def release(self, tid: int) -> None:
        await self._cs.release()


class SpinLock:
    """``SpinLock`` with ``USE_NON_BLOCKING_SYNC``: exchange 1 into ``lock`` until the old value
    was 0 (a thread that fails yields); release writes 0. The spin is a predicate wait, so the
    exchange that ends it always succeeds. The ``WithState`` header records both calls."""

    def __init__(self, state: Recorder) -> None:
        self.held = False
        self._state = state

    async def acquire(self, tid: int) -> None:
        await self._state.push(tid)
        await self._state.update(tid)
        await self._state.update(tid)
        await explorer.wait_until(lambda: not self.held, "acquire", "lock", touches="lock")
        self.held = True
        await self._state.pop(tid)

    async def release(self, tid: int) -> None:
        await self._state.push(tid)
        await self._state.update(tid)
        await self._state.update(tid)
        await access("lock = 0", "lock")
        self.held = False
        await self._state.pop(tid)


@attrs.define
class WorkStealQueue:
    """``WorkStealQueue<ObjType*>(INITQSIZE)``: items are their numbers."""

    lock: QueueLock
    state: Recorder
    assertions: Assertions
    #: BUG3 of the plain header: Push's room check allows one element too many.
    push_bug: bool
    head: int = 0
    tail: int = 0
    mask: int = INITQSIZE - 1
    elems: list[int | None] = attrs.Factory(lambda: [None] * INITQSIZE)

    async def _read(self, name: str) -> int:
        await access(f"read {name}", name)
        return self.head if name == "head" else self.tail

    async def _write(self, name: str, value: int) -> None:
        await access(f"write {name}", name, detail=value)
        if name == "head":
            self.head = value
        else:
            self.tail = value

    async def _elem(self, index: int) -> int | None:
        await access("read elems[i & mask]", "elems", "mask", detail=index)
        return self.elems[index & self.mask]

    async def steal(self, tid: int) -> int | None:
        st = self.state
        await st.push(tid)
        await st.update(tid)
        await st.update(tid)
        await self.lock.acquire(tid)
        await st.update(tid)
        h = await self._read("head")
        await st.update(tid, "head", "mask")
        await self._write("head", h + 1)
        await st.update(tid)
        result: int | None = None
        if h < await self._read("tail"):
            result = await self._elem(h)
        else:
            await st.update(tid)
            await self._write("head", h)
        await st.update(tid)
        await self.lock.release(tid)
        await st.pop(tid)
        return result

    async def pop(self, tid: int) -> int | None:
        st = self.state
        await st.push(tid)
        await st.update(tid)
        await st.update(tid)
        t = await self._read("tail") - 1
        await st.update(tid, "head", "mask")
        await self._write("tail", t)
        await st.update(tid)
        result: int | None
        if await self._read("head") <= t:
            result = await self._elem(t)
        else:
            await st.update(tid)
            await self._write("tail", t + 1)
            result = await self._sync_pop(tid)
        await st.pop(tid)
        return result

    async def _sync_pop(self, tid: int) -> int | None:
        st = self.state
        await st.push(tid)
        await st.update(tid)
        await st.update(tid)
        await self.lock.acquire(tid)
        await st.update(tid)
        t = await self._read("tail") - 1
        await st.update(tid, "head", "mask")
        await self._write("tail", t)
        await st.update(tid)
        result: int | None = None
        if await self._read("head") <= t:
            result = await self._elem(t)
        else:
            await st.update(tid)
            await self._write("tail", t + 1)
        await st.update(tid)
        if await self._read("head") > t:
            await st.update(tid)
            await self._write("head", 0)
            await st.update(tid)
            await self._write("tail", 0)
            result = None
        await st.update(tid)
        await self.lock.release(tid)
        await st.pop(tid)
        return result

    async def push(self, item: int, tid: int) -> None:
        st = self.state
        await st.push(tid)
        await st.update(tid)
        await st.update(tid)
        t = await self._read("tail")
        await st.update(tid, "head", "mask")
        await access("read head (room check)", "head", "mask")
        room = t < self.head + self.mask + (1 if self.push_bug else 0) and t < MAX_SIZE
        if room:
            await access("write elems[t & mask]", "elems", "mask", detail=f"item {item} at {t}")
            self.elems[t & self.mask] = item
            await st.update(tid)
            await self._write("tail", t + 1)
        else:
            await st.update(tid)
            await self._sync_push(item, tid)
        await st.pop(tid)

    async def _sync_push(self, item: int, tid: int) -> None:
        st = self.state
        await st.push(tid)
        await st.update(tid)
        await st.update(tid)
        await self.lock.acquire(tid)
        await st.update(tid)
        h = await self._read("head")
        await st.update(tid, "head", "mask")
        await access("count = tail - h; h &= mask", "tail", "mask")
        count = self.tail - h
        h = h & self.mask
        await st.update(tid, "head", "mask")
        await st.update(tid)
        await self._write("head", h)
        await st.update(tid)
        await access("tail = h + count; if count >= mask", "tail", "mask", detail=h + count)
        self.tail = h + count
        if count >= self.mask:
            await self._grow(h, count, tid)
        await access("assert count < mask", "mask", ASSERTION)
        self.assertions.check(count < self.mask, f"assert(count < mask) failed: count {count}, "
                                                 f"mask {self.mask}")
        await st.update(tid)
        t = await self._read("tail")
        await access("write elems[t & mask]", "elems", "mask", detail=f"item {item} at {t}")
        self.elems[t & self.mask] = item
        await st.update(tid, "head", "mask")
        await self._write("tail", t + 1)
        await st.update(tid)
        await self.lock.release(tid)
        await st.pop(tid)

    async def _grow(self, h: int, count: int, tid: int) -> None:
        """Copy the ``count`` items from ``h`` into an array twice the size (under the lock,
        which every reader of ``elems`` and ``mask`` but the owner holds)."""
        await access("copy elems into newtasks; mask = newsize - 1", "elems", "mask",
                     ASSERTION)
        newsize = INITIAL_SIZE if self.mask == 0 else 2 * (self.mask + 1)
        self.assertions.check(newsize < MAX_SIZE, "assert(newsize < MaxSize) failed")
        grown: list[int | None] = [None] * newsize
        for i in range(count):
            grown[i] = self.elems[(h + i) & self.mask]
        self.elems, self.mask = grown, newsize - 1
        await self.state.update(tid)
        await self._write("head", 0)
        await self.state.update(tid)
        await self._write("tail", count)
