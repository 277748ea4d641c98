"""Which steps of a trace name the objects an outcome names, and which actions are telling.

Invariant: relevance is read off the trace alone (its outcome's message and invariant, the
steps' labels, details and footprints), never from rules about a particular model; the same
trace always gives the same scores.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

import attrs

from explorer.records import Outcome, Step, Trace
from explorer.render import action, previous_steps, task_names

_WORD = re.compile(r"[\w#-]+")
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
# Words that name nothing: they match too much to say which step matters.
_STOP = frozenset((
    "a", "an", "and", "any", "are", "as", "at", "be", "before", "after", "by", "each", "every",
    "for", "from", "has", "have", "in", "is", "it", "its", "no", "not", "nothing", "never", "of",
    "on", "or", "than", "that", "the", "then", "there", "this", "to", "was", "were", "when",
    "which", "while", "with", "without",
))
#: A word found in more than this share of the steps names nothing in particular.
_COMMON = 0.1
#: How much more a step of a task the race is about counts, and a word naming one object.
_INVOLVED = 2.0
_IDENTIFIER = 2.0
#: How much longer a word may be than the word it is matched by prefix ("close" ~ "closed").
_SUFFIX = 3


def words(text: str) -> frozenset[str]:
    """The words of ``text`` that can name an object: lower-cased, without stop words or bare
    numbers; ``no_fd_leak`` gives ``fd`` and ``leak`` too, and ``trySend`` gives ``send``."""
    found: set[str] = set()
    for raw in _WORD.findall(text):
        word = raw.strip("-_").lower()
        if len(word) < 2 or word.isdigit() or word in _STOP:
            continue
        found.add(word)
        parts = [p.lower() for chunk in raw.split("_") for p in _CAMEL.findall(chunk)]
        found.update(p for p in parts if len(p) >= 2 and not p.isdigit() and p not in _STOP)
    return frozenset(found)


def _alike(wanted: str, word: str) -> bool:
    if wanted == word:
        return True
    short, long = sorted((wanted, word), key=len)
    return len(short) >= 4 and long.startswith(short) and len(long) - len(short) <= _SUFFIX


def outcome_words(outcome: Outcome) -> frozenset[str]:
    """What the outcome names: its message, its invariant's name, what blocked tasks wait on."""
    texts = [outcome.message, outcome.invariant or ""]
    texts.extend(b.waits_on for b in outcome.blocked)
    return frozenset().union(*(words(t) for t in texts))


@attrs.frozen
class Relevance:
    """Per step: the outcome's words its action names (``named``) and how telling its action
    is (``score``: rare actions and actions naming rare outcome words score high)."""

    named: tuple[tuple[str, ...], ...]
    score: tuple[float, ...]
    actions: tuple[tuple[str, str], ...]
    footprints: tuple[frozenset[str] | None, ...]
    unique: tuple[bool, ...]
    involved: tuple[bool, ...]

    def telling(self, end: int, count: int) -> list[int]:
        """The ``count`` most telling steps up to ``end``, best first: those that name
        something the outcome names, and those of an involved task whose action happens once
        in the run."""
        return self._best({i for i in range(end + 1)
                           if self.named[i] or (self.unique[i] and self.involved[i])}, count)

    def once(self, end: int, count: int) -> list[int]:
        """The ``count`` best steps up to ``end`` whose action happens once in the run."""
        return self._best({i for i in range(end + 1) if self.unique[i]}, count)

    def _best(self, left: set[int], count: int) -> list[int]:
        """Best first (ties: the later step, nearer the outcome); each pick halves the score
        of later steps doing the same action, so a loop's tenth turn does not push out an
        action seen once."""
        picks: list[int] = []
        repeats: Counter[str] = Counter()
        while left and len(picks) < count:
            best = max(left, key=lambda i: (self.score[i] / 2 ** repeats[self.actions[i][0]], i))
            picks.append(best)
            left.discard(best)
            repeats[self.actions[best][0]] += 1
        return picks

    def why(self, index: int) -> str:
        """Why step ``index`` is telling: what it names, or that its action is rare."""
        named = self.named[index]
        # "slot" says nothing more when "slot#7" is named too.
        shown = [w for w in named if not any(o != w and o.startswith(w) for o in named)]
        return f"names {', '.join(shown)}" if shown else "happens once"


def relevance(trace: Trace) -> Relevance:
    """Score every step of ``trace`` against its outcome."""
    steps = trace.steps
    previous = previous_steps(trace)
    actions = tuple(action(s, p) for s, p in zip(steps, previous, strict=True))
    step_words = [_step_words(a, p) for a, p in zip(actions, previous, strict=True)]
    wanted = outcome_words(trace.outcome) - component_words(trace)
    weights = _weights(wanted, step_words, len(steps))
    memo: dict[frozenset[str], tuple[str, ...]] = {}
    for ws in step_words:
        if ws not in memo:
            memo[ws] = tuple(sorted(w for w in weights if _names(ws, w)))
    named = tuple(memo[ws] for ws in step_words)
    rarity = Counter(label for label, _ in actions)
    tasks = involved_tasks(trace)
    involved = tuple(s.tid in tasks for s in steps)
    score = tuple(
        (math.log((len(steps) + 1) / rarity[a[0]]) + sum(weights[w] for w in n))
        * (_INVOLVED if inv else 1.0)
        for a, n, inv in zip(actions, named, involved, strict=True))
    unique = tuple(rarity[a[0]] == 1 for a in actions)
    return Relevance(named, score, actions, tuple(footprint(p) for p in previous), unique,
                     involved)


def involved_tasks(trace: Trace) -> frozenset[int]:
    """The tasks a race is about: both sides of every preemption, and every task the outcome
    names (in its message or as a blocked task)."""
    found: set[int] = set()
    for step in trace.steps:
        if step.decision is not None and step.decision.is_preemption:
            found.update((step.tid, step.decision.chosen))
    outcome = trace.outcome
    named = [outcome.message, *(b.task for b in outcome.blocked)]
    for tid, task in task_names(trace).items():
        if task and any(task in text for text in named):
            found.add(tid)
    return frozenset(found)


def footprint(previous: Step | None) -> frozenset[str] | None:
    """What a step touches: the footprint its task's previous point declared (None: anything)."""
    if previous is None or previous.touches is None:
        return None
    return frozenset(previous.touches)


def _step_words(act: tuple[str, str], previous: Step | None) -> frozenset[str]:
    label, detail = act
    names = words(f"{label} {detail}")
    touched = footprint(previous)
    return names | frozenset().union(*(words(t) for t in touched)) if touched else names


def _names(step_words: frozenset[str], wanted: str) -> bool:
    return any(_alike(wanted, word) for word in step_words)


def component_words(trace: Trace) -> frozenset[str]:
    """Words in the names of more than a third of the tasks (at least three): ``android`` in
    ``android/rpc#0.connect`` names a component, not the object a race is about."""
    names = [words(task) for task in dict.fromkeys(s.task for s in trace.steps)]
    counts = Counter(w for ws in names for w in ws)
    return frozenset(w for w, n in counts.items() if n >= 3 and n * 3 > len(names))


def _weights(wanted: frozenset[str], step_words: Iterable[frozenset[str]],
             total: int) -> dict[str, float]:
    """Each outcome word found in few enough steps, weighted by how rare it is there."""
    vocabulary: dict[frozenset[str], int] = Counter(step_words)
    found: Counter[str] = Counter()
    for ws, times in vocabulary.items():
        for word in wanted:
            if _names(ws, word):
                found[word] += times
    limit = max(3, _COMMON * total)
    return {w: math.log((total + 1) / n) * (_IDENTIFIER if _identifier(w) else 1.0)
            for w, n in sorted(found.items()) if n <= limit}


def _identifier(word: str) -> bool:
    """``rpc#0``, ``#2``, ``m0``: a word that names one object, not a kind of object."""
    return any(ch.isdigit() or ch == "#" for ch in word)
