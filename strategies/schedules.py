"""Schedule strategies for searches: the engine's Hypothesis-drawn schedules, re-exported.

Invariant: every schedule here is a frozen value whose ``source(horizon)`` is a fresh choice
source.
"""

from explorer.sources.hypothesis import (
    DenseSwitches,
    PCTSchedule,
    Schedule,
    SeededSchedule,
    SparseSwitches,
    dense_switches,
    pct_schedules,
    schedules,
    seeded_schedules,
    sparse_switches,
)

__all__ = [
    "DenseSwitches", "PCTSchedule", "Schedule", "SeededSchedule", "SparseSwitches",
    "dense_switches", "pct_schedules", "schedules", "seeded_schedules", "sparse_switches",
]
