"""The options of one scheduling decision, as a read-only sequence built in constant time.

Invariant: option ``i`` is the ``i``-th runnable task in round-robin order starting from the
task that just ran (itself first when it can go on, else the next id after it), and the
clock (``TIMER``) is the last option when a timer may fire. The view is valid only while the
engine waits for ``choose`` to return.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, overload

from explorer.records import TIMER, Touches

if TYPE_CHECKING:
    from explorer._execution import TaskRecord


class Options(Sequence[int]):
    """Task ids (and ``TIMER``) a choice source picks an index into."""

    __slots__ = ("_records", "_runnable", "_start", "_tasks", "_timer", "continuing", "current")

    def __init__(self, runnable: list[int], start: int, tasks: int, timer: bool,
                 continuing: bool, records: list[TaskRecord], current: int = -2) -> None:
        self._runnable = runnable
        self._start = start
        self._tasks = tasks
        self._timer = timer
        self._records = records
        #: Option 0 is the task that just ran, which could go on: any other choice preempts it.
        self.continuing = continuing
        #: The id of the task that just ran (-2 before the first task ran).
        self.current = current

    def __len__(self) -> int:
        return self._tasks + self._timer

    @overload
    def __getitem__(self, index: int) -> int: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[int]: ...

    def __getitem__(self, index: int | slice) -> int | Sequence[int]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        tasks = self._tasks
        if index < 0:
            index += tasks + self._timer
        if 0 <= index < tasks:
            j = self._start + index
            return self._runnable[j - tasks if j >= tasks else j]
        if index == tasks and self._timer:
            return TIMER
        raise IndexError(f"option {index} of {len(self)}")

    def __iter__(self) -> Iterator[int]:
        runnable, start = self._runnable, self._start
        yield from runnable[start:]
        yield from runnable[:start]
        if self._timer:
            yield TIMER

    def __contains__(self, value: object) -> bool:
        if value == TIMER:
            return self._timer
        return value in self._runnable

    def index(self, value: object, start: int = 0, stop: int | None = None) -> int:
        for i, option in enumerate(self):
            if option == value and i >= start and (stop is None or i < stop):
                return i
        raise ValueError(f"{value!r} is not an option")

    @property
    def has_timer(self) -> bool:
        return self._timer

    def footprint(self, index: int) -> Touches:
        """What option ``index`` will touch when it runs (None: anything; the clock's
        callbacks may touch anything)."""
        option = self[index]
        return None if option == TIMER else self._records[option].touches

    def task_name(self, index: int) -> str:
        option = self[index]
        return "clock" if option == TIMER else self._records[option].name

    def __repr__(self) -> str:
        return f"Options({list(self)}, continuing={self.continuing})"
