"""Schedule strategies for searches: the engine's Hypothesis-drawn schedules, re-exported.

Invariant: every schedule here is a frozen value whose ``source()`` is a fresh choice source.
"""

from explorer.sources.hypothesis import (
    ChoiceList,
    PCTSchedule,
    Schedule,
    SeededSchedule,
    SparseSwitches,
    choice_lists,
    pct_schedules,
    schedules,
    seeded_schedules,
    sparse_switches,
)

__all__ = [
    "ChoiceList", "PCTSchedule", "Schedule", "SeededSchedule", "SparseSwitches", "choice_lists",
    "pct_schedules", "schedules", "seeded_schedules", "sparse_switches",
]
