"""Shrinking one finding: fewest preemptions first, then the shortest trace.

Invariant: the shrinker only ever replaces its best run by another run that makes the *same*
finding (same key) and is strictly better by ``quality``: fewer preemptions, then fewer steps,
then fewer switches, then a smaller scenario. So of two failing traces with the same or fewer
preemptions the shorter wins, and undoing a switch that is not needed is progress unless it
makes the trace longer. Every candidate is a real run (a scenario and a list of decisions read with
"0 = no switch" past its end), so the result replays exactly. ``budget`` bounds the passes;
a last ``drop_rules`` pass then always runs to its end (at most switches² runs), so no single
switch of the result can be undone for a better run: it is 1-minimal. A livelock (step-bound)
finding is the exception: each of its trials runs to the step bound, so its budget (a tenth)
is final and no last pass runs.

Passes, each a small named function, repeated until a round changes nothing:

- ``drop_rules``: undo each switch in turn, latest first, as a rule ("when task A has made its
  n-th decision, run B") so the other switches stay where they were (the result is 1-minimal);
- ``drop_scenario``: delete scenario parts (list items, anywhere in the JSON), flip flags
  off, halve numbers: the environment's script gets shorter;
- ``cut_tail``: the shortest prefix of the decisions that still fails (the rest default);
- ``earlier_rules``: move each switch to an earlier decision of its task, or make it run
  another task: the finding comes sooner;
- ``free_switches``: where the task that ran had blocked or finished (a switch there is free),
  try each other task: a shorter way to the finding that costs no preemption;
- ``zero_each``, ``lower_each``, ``delete_each``: the same on the list of option indices
  (undo a switch, take a nearer option, drop a decision), which can shorten a trace in ways
  rules do not.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from explorer.records import OutcomeKind
from explorer.runner import RunResult
from explorer.shrink_memo import Key, RunMemo
from explorer.sources.base import ChoiceSource
from explorer.sources.prechosen import PrechosenChoices
from explorer.sources.rules import Rule, RuleSource

#: Runs one candidate: ``(scenario, source)`` to a run, or None when the scenario is not one
#: the model accepts (its ``build`` raised ``ValueError``).
Attempt = Callable[[Any, ChoiceSource], RunResult | None]

#: Runs the shrinker may make for one finding (a step-bound finding gets a tenth: each of its
#: runs goes to the bound).
SHRINK_RUNS = 200
#: Earlier positions (and other targets) tried per switch by ``earlier_rules``.
MOVES_PER_RULE = 16
#: Other tasks tried per free decision by ``free_switches``.
OPTIONS_PER_DECISION = 8


def scenario_size(scenario: Any) -> int:
    return len(json.dumps(scenario, sort_keys=True, default=repr))


def quality(result: RunResult) -> tuple[int, int, int, int]:
    """Smaller is better: preemptions, steps, switches, scenario size."""
    return (result.preemptions, result.steps, result.switches, scenario_size(result.scenario))


class Shrinker:
    """The best run so far for one finding key, and the passes that try to beat it."""

    def __init__(self, attempt: Attempt, start: RunResult, budget: int = SHRINK_RUNS, *,
                 key: str | None = None) -> None:
        self.attempt = attempt
        self.key = key or start.outcome.key
        self.best = start
        self.runs = 0
        self.livelock = start.outcome.kind is OutcomeKind.STEP_BOUND
        self.budget = max(1, budget // 10) if self.livelock else budget
        self.memo = RunMemo()  # not seeded with ``start``: it may come from other settings
        #: Candidates not run because an identical run was made before (counted in ``runs``,
        #: so the shrinker goes exactly as it would have run them).
        self.skipped = 0

    @property
    def exhausted(self) -> bool:
        return self.runs >= self.budget

    @property
    def choices(self) -> tuple[int, ...]:
        return self.best.choices

    def consider(self, scenario: Any, choices: tuple[int, ...]) -> bool:
        """Run the candidate decisions; keep them if they make the finding and are better."""
        return self._try(scenario, PrechosenChoices(choices), RunMemo.choices_key(choices))

    def consider_rules(self, scenario: Any, rules: tuple[Rule, ...]) -> bool:
        return self._try(scenario, RuleSource(rules), RunMemo.rules_key(rules))

    def _try(self, scenario: Any, source: ChoiceSource, key: Key) -> bool:
        if self.exhausted:
            return False
        self.runs += 1
        if self.memo.seen(scenario, key):
            self.skipped += 1
            return False  # the same run again: it was not better then, nor is it now
        result = self.attempt(scenario, source)
        if result is None:
            self.memo.add(scenario, key)
            return False
        self.memo.add(scenario, key, RunMemo.choices_key(result.choices))
        if result.outcome.key != self.key:
            return False  # the finding's runs end at its own violation, so it is the outcome
        if quality(result) < quality(self.best):
            self.best = result
            return True
        return False

    def run(self) -> RunResult:
        passes = (self.drop_rules, self.drop_scenario, self.cut_tail, self.earlier_rules,
                  self.free_switches, self.zero_each, self.lower_each, self.delete_each)
        changed = True
        while changed and not self.exhausted:
            changed = False
            for shrink_pass in passes:
                changed |= shrink_pass()
        if self.livelock:
            return self.best  # each trial runs to the step bound: the budget is the bound
        self.budget = self.runs + len(self.best.rules) ** 2 + 1
        while self.drop_rules():
            self.budget = self.runs + len(self.best.rules) ** 2 + 1
        return self.best

    # ----- the passes ------------------------------------------------------------------

    def drop_rules(self) -> bool:
        """Undo each switch, from the last to the first, keeping the others in place."""
        changed = False
        k = len(self.best.rules) - 1
        while k >= 0 and not self.exhausted:
            rules = self.best.rules
            if k < len(rules):
                changed |= self.consider_rules(self.best.scenario, (*rules[:k], *rules[k + 1:]))
            k -= 1
        return changed

    def cut_tail(self) -> bool:
        """Binary search for the shortest prefix of decisions that still fails."""
        choices = self.choices
        low, high = 0, len(choices)
        changed = False
        while low < high and not self.exhausted:
            middle = (low + high) // 2
            if self.consider(self.best.scenario, choices[:middle]):
                changed = True
                high = min(middle, len(self.choices))
            else:
                low = middle + 1
        return changed

    def earlier_rules(self) -> bool:
        """Move each switch to an earlier decision of its task (the earliest that still
        fails), else let it run another task."""
        changed = False
        k = 0
        while k < len(self.best.rules) and not self.exhausted:
            task, n, target = self.best.rules[k]
            moves = [(task, m, target) for m in spread(n, MOVES_PER_RULE)]
            moves += [(task, n, other) for other in range(len(self.best.task_names))
                      if other not in (task, target)][:MOVES_PER_RULE]
            for move in moves:
                rules = self.best.rules
                if k >= len(rules) or self.exhausted:
                    break
                if self.consider_rules(self.best.scenario, (*rules[:k], move, *rules[k + 1:])):
                    changed = True
                    break
            k += 1
        return changed

    def free_switches(self) -> bool:
        """At each decision after a task blocked or finished, try running another task."""
        changed = False
        k = 0
        while k < len(self.best.decision_list) and not self.exhausted:
            decision = self.best.decision_list[k]
            if not decision.continuing:
                for option in range(1, min(decision.count, OPTIONS_PER_DECISION + 1)):
                    choices = self.choices
                    if option == decision.index or k >= len(choices) or self.exhausted:
                        continue
                    if self.consider(self.best.scenario, (*choices[:k], option)):
                        changed = True
                        break
            k += 1
        return changed

    def zero_each(self) -> bool:
        """Undo each switch, from the last to the first."""
        changed = False
        k = len(self.choices) - 1
        while k >= 0 and not self.exhausted:
            choices = self.choices
            if k < len(choices) and choices[k] != 0:
                changed |= self.consider(self.best.scenario, (*choices[:k], 0, *choices[k + 1:]))
            k -= 1
        return changed

    def lower_each(self) -> bool:
        """Try every smaller option at each switch (a nearer task may do)."""
        changed = False
        k = len(self.choices) - 1
        while k >= 0 and not self.exhausted:
            choices = self.choices
            if k < len(choices):
                for smaller in range(1, min(choices[k], 8)):
                    if self.consider(self.best.scenario,
                                     (*choices[:k], smaller, *choices[k + 1:])):
                        changed = True
                        break
            k -= 1
        return changed

    def delete_each(self) -> bool:
        """Drop one decision (the later ones move up one place)."""
        changed = False
        k = len(self.choices) - 1
        while k >= 0 and not self.exhausted:
            choices = self.choices
            if k < len(choices):
                changed |= self.consider(self.best.scenario, (*choices[:k], *choices[k + 1:]))
            k -= 1
        return changed

    def drop_scenario(self) -> bool:
        """Simpler scenarios, each tried with the current switches (as rules)."""
        changed = False
        for candidate in simpler_scenarios(self.best.scenario):
            if self.exhausted:
                break
            if self.consider_rules(candidate, self.best.rules):
                changed = True
                break  # the scenario changed under us: start the pass again next round
        return changed


def spread(n: int, most: int) -> list[int]:
    """Up to ``most`` of the positions ``0 .. n - 1``, evenly spread, earliest first."""
    if n <= most:
        return list(range(n))
    return sorted({n * i // most for i in range(most)})


def simpler_scenarios(value: Any) -> Iterator[Any]:
    """Every JSON value one simplification away from ``value``: a list item deleted (the last
    ones first), a true flag made false, a positive number halved, at any depth."""
    if isinstance(value, list | tuple):
        items = list(value)
        for i in reversed(range(len(items))):
            yield [*items[:i], *items[i + 1:]]
        for i, item in enumerate(items):
            for simpler in simpler_scenarios(item):
                yield [*items[:i], simpler, *items[i + 1:]]
    elif isinstance(value, dict):
        for key in value:
            for simpler in simpler_scenarios(value[key]):
                yield {**value, key: simpler}
    elif value is True:
        yield False
    elif isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        half = value // 2 if isinstance(value, int) else value / 2
        if half != value:
            yield half
