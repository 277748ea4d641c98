"""Hypothesis strategies whose draws never depend on which modules happen to be imported.

Hypothesis's integer draws sometimes return a constant collected from the source of every local
module loaded so far, among those that fall in the requested range, so one more import changes
what the same seed draws. Invariant: every strategy here draws only booleans (list
continuations included) and integers from ``[OFFSET, OFFSET + 2**32)``, a range no literal in
any module plausibly falls in: the pool of local constants that fit is always empty, so the
random stream is consumed the same way whatever is imported. The offset is subtracted after
the draw; Hypothesis shrinks the result toward the low end of its range.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from hypothesis import strategies as st

T = TypeVar("T")


#: Far from any number a program would write down (a 63-bit value of no particular shape).
OFFSET = 0x5A3C_96E1_2B47_0000
MAX_SPAN = 1 << 32


def integers(low: int, high: int) -> st.SearchStrategy[int]:
    """An integer in ``[low, high]`` (at most ``2**32`` values)."""
    span = high - low + 1
    if span < 1:
        raise ValueError(f"empty range [{low}, {high}]")
    if span > MAX_SPAN:
        raise ValueError(f"range [{low}, {high}] is wider than 2**32 values")
    if span == 1:
        return st.just(low)
    return st.integers(OFFSET, OFFSET + span - 1).map(lambda v: low + (v - OFFSET))


def bits(count: int) -> st.SearchStrategy[int]:
    """An integer of ``count`` bits (at most 32), 0 to ``2**count - 1``."""
    return integers(0, (1 << count) - 1)


def sampled_from(elements: Sequence[T]) -> st.SearchStrategy[T]:
    """One of ``elements``; shrinks toward the first."""
    items = tuple(elements)
    if not items:
        raise ValueError("sampled_from needs at least one element")
    return integers(0, len(items) - 1).map(items.__getitem__)


def one_of(*strategies: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A draw from one of ``strategies``; shrinks toward the first."""
    if not strategies:
        raise ValueError("one_of needs at least one strategy")
    if len(strategies) == 1:
        return strategies[0]
    return integers(0, len(strategies) - 1).flatmap(strategies.__getitem__)


def lists(elements: st.SearchStrategy[T], *, max_size: int) -> st.SearchStrategy[list[T]]:
    """Lists of up to ``max_size`` elements (Hypothesis decides each continuation by a boolean)."""
    return st.lists(elements, max_size=max_size)


def fractions(resolution_bits: int = 16) -> st.SearchStrategy[float]:
    """A fraction in ``[0, 1)`` with ``resolution_bits`` of precision."""
    scale = 1 << resolution_bits
    return bits(resolution_bits).map(lambda v: v / scale)
