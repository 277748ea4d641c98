"""The runs a shrinker has already made, so that it does not make the same run twice.

Invariant: a candidate is reported as seen only when a run with an equal scenario (same plain
data, types included) and the same effective decisions already ran under this shrinker, so
the candidate's run would be identical and could not beat the best: skipping it changes
nothing but the time. Decisions are effective once trailing zeros are dropped (past the end of
a list, a decision takes option 0) and, for a finished run, as the options it actually took
(``values[k] % options`` at the k-th decision is the option itself when it is in range).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from explorer.sources.rules import Rule

Key = tuple[str, tuple[Any, ...]]
_PLAIN = (str, int, float, bool, type(None))


def plain_key(value: Any) -> Any:
    """A hashable key equal for equal plain data (types kept apart); None for anything else."""
    if type(value) in _PLAIN:
        return (type(value).__name__, value)
    if type(value) in (list, tuple):
        items = [plain_key(item) for item in value]
        return None if None in items else (type(value).__name__, tuple(items))
    if type(value) is dict:
        pairs = [(plain_key(k), plain_key(v)) for k, v in value.items()]
        if any(k is None or v is None for k, v in pairs):
            return None
        return ("dict", tuple(pairs))
    return None


def _stripped(choices: Sequence[int]) -> tuple[int, ...]:
    end = len(choices)
    while end and choices[end - 1] == 0:
        end -= 1
    return tuple(choices[:end])


class RunMemo:
    """Keys of the runs made so far: by decisions and by rules, per scenario."""

    def __init__(self) -> None:
        self._seen: set[tuple[Any, Key]] = set()

    @staticmethod
    def choices_key(choices: Sequence[int]) -> Key:
        return ("choices", _stripped(choices))

    @staticmethod
    def rules_key(rules: Iterable[Rule]) -> Key:
        table = {(task, n): target for task, n, target in rules}  # as RuleSource reads them
        return ("rules", tuple(sorted(table.items())))

    def seen(self, scenario: Any, key: Key) -> bool:
        scenario_key = plain_key(scenario)
        return scenario_key is not None and (scenario_key, key) in self._seen

    def add(self, scenario: Any, *keys: Key) -> None:
        scenario_key = plain_key(scenario)
        if scenario_key is not None:
            self._seen.update((scenario_key, key) for key in keys)
