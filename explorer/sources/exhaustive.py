"""Every schedule up to a preemption bound, fewest preemptions first, with sleep sets.

**Enumeration** (iterative preemption bounding, Musuvathi and Qadeer, "Iterative context
bounding for systematic testing of multithreaded programs", PLDI 2007). A schedule costs one
for each decision that takes an index other than 0 while ``options.continuing`` holds (a
preemption), and one for each timer fired while a task could run (``TIMER`` chosen among
several options: a stalled thread, counted like a preemption, not as a separate bound). A
switch after a task blocked or finished is free. Bound 0 is a depth-first search over the free
choices, option 0 first; every costly alternative it meets becomes a work item of bound 1,
whose search runs the item's prefix, takes the alternative and goes on depth-first over free
choices only, deferring its own costly alternatives to bound 2, and so on. Every schedule of
cost b therefore runs exactly once, at bound b (from the decision of its last costly choice).

**Reduction** (sleep sets, Godefroid, "Partial-Order Methods for the Verification of
Concurrent Systems", LNCS 1032, 1996). Two steps commute when their footprints are disjoint;
``None`` (anything, and always the clock) conflicts with everything, and a step that touches
what a step invariant reads conflicts with every other such step, so the order of visible steps,
and hence the first violated state, is the same in every equivalent schedule. After option t is
explored at a decision, t sleeps in the later siblings' subtrees until a step that conflicts
with it runs; a sleeping task is not tried again.

Plain sleep sets lose schedules under a preemption bound (Coons, Musuvathi and McKinley,
"Bounded partial-order reduction", OOPSLA 2013): the explored equivalent of a pruned schedule
may need more preemptions than the bound allows (two steps of one task around a free switch:
``u t t'`` costs nothing, its only equivalent ``t u t'`` costs one). That paper makes DPOR
sound by adding conservative backtracking points; this module keeps sleep sets only and prunes
conservatively instead. A sleeping task T, whose step t was explored at an earlier decision a
before the sibling y that leads here, is pruned at decision n only when moving t back to a
costs nothing:

- at a decision where the task that just ran can go on (taking T here is itself a
  preemption): when t was option 0 of a continuing decision at a, or T was blocked or finished
  right after t;
- at a free decision: when both hold, or when either holds and no timer can fire between t
  and the next step (none pending here, and t started none; only observable under the
  ``early`` timer policy, where a pending timer is always offered).

Proof sketch: write the pruned schedule, from a, as ``y1 … ym t w`` (every ``yi`` commutes
with t and belongs to another task). Its equivalent ``t y1 … ym w`` differs in cost only at the
choices of t and y1 at a, the choice of y1 after t (one when T can go on after t), the choice
of t at n (one at a continuing decision) and the first choice of a task in w (whose cost
depends on whether the task that ran before it can go on: the last ``y`` instead of T, which a
timer firing in between may have woken). Each case above makes the difference zero or
negative, so the equivalent lies within the bound and, by induction over the depth-first
order, is explored in t's subtree at a. What t does (block, start a timer) is observed when it
runs at a; what was not observed counts as unsafe.

Caveats: the reduction is exactly as good as the footprints. A model that declares them
promises that a step touches nothing else, including through a primitive it calls; a step that
wakes a blocked task shares a name with the step that blocked it (the primitives do); a step
that cancels a cancel scope shares a name with the next step of every task in it; steps that
start or cancel timers share a name (two timers with the same deadline fire in the order they
were started); a ``wait_until`` predicate's reads belong to the footprints of the step into the
wait and of the wait itself; and ``TaskHandle.join`` checks whether its task finished in the
caller's step, before its own point, so a step that joins must declare the task it joins. A
run cut short by the step bound keeps its kind, but its message describes whichever steps it
happened to take last. At a free decision every option can be asleep and prunable: the run
then finishes with default choices, counts as a schedule and adds no alternatives.

Invariant: at bound b every run costs exactly b, no choice sequence runs twice, and (with the
reduction on) every schedule of cost at most b that is left out has an equivalent (the same
steps, commuting ones reordered) of cost at most b that runs.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence

from explorer._options import Options
from explorer.records import TIMER, Touches
from explorer.sources.base import ChoiceSource

#: Added to every footprint that meets a step invariant's reads, so visible steps conflict.
VISIBLE = "\x00visible"

Footprint = frozenset[str] | None


class SleepEntry:
    """A task asleep at a decision: its next step's footprint, and why pruning it is safe."""

    __slots__ = ("default", "footprint", "tid", "timer_free", "yields")

    def __init__(self, tid: int, footprint: Footprint, *, default: bool, yields: bool,
                 timer_free: bool) -> None:
        self.tid = tid
        self.footprint = footprint
        #: The step was explored as option 0 of a decision where its task could go on.
        self.default = default
        #: The task was blocked or finished right after the step.
        self.yields = yields
        #: The step starts no timer (none was pending before it or after it).
        self.timer_free = timer_free

    def merged(self, other: SleepEntry) -> SleepEntry:
        # The same step explored at two decisions: either one's subtree covers it, and what
        # the step itself does (block, start a timer) is the same at both.
        return SleepEntry(self.tid, self.footprint, default=self.default or other.default,
                          yields=self.yields or other.yields,
                          timer_free=self.timer_free or other.timer_free)

    def prunable(self, continuing: bool, timer: bool) -> bool:
        """Whether a schedule that takes this step at a decision (``continuing``: the task
        that just ran can go on; ``timer``: a timer may fire) has an equivalent that takes it
        at the decision where it was explored, at no greater cost."""
        if continuing:
            return self.default or self.yields
        if self.default and self.yields:
            return True
        return (self.default or self.yields) and self.timer_free and not timer


Sleep = dict[int, SleepEntry]


class Node:
    """One decision of an explored schedule, kept while it has alternatives left."""

    __slots__ = ("continuing", "depth", "footprints", "observed", "parent", "pruned", "sleep",
                 "step", "tids", "timer", "todo", "via")

    def __init__(self, parent: Node | None, via: int, depth: int, step: int,
                 tids: tuple[int, ...], footprints: tuple[Footprint, ...], continuing: bool,
                 sleep: Sleep) -> None:
        self.parent, self.via, self.depth, self.step = parent, via, depth, step
        self.tids, self.footprints, self.continuing = tids, footprints, continuing
        self.timer = tids[-1] == TIMER
        self.sleep = sleep
        self.pruned: tuple[int, ...] = ()
        self.todo: deque[int] = deque()  # free alternatives still to explore
        #: Option index -> (its task blocked or finished after it, a timer was pending then).
        self.observed: dict[int, tuple[bool, bool]] = {}

    def cost(self, index: int) -> int:
        return int(self.tids[index] == TIMER or (self.continuing and index != 0))

    def prefix(self) -> list[int]:
        """The choices that lead to this decision."""
        choices, node = [], self
        while node.parent is not None:
            choices.append(node.via)
            node = node.parent
        return choices[::-1]

    def chain(self) -> list[Node]:
        """The decisions from the first to this one."""
        nodes: list[Node] = [self]
        while nodes[-1].parent is not None:
            nodes.append(nodes[-1].parent)
        return nodes[::-1]


def independent(entry: SleepEntry, tid: int, footprint: Footprint) -> bool:
    return (entry.tid != tid and footprint is not None and entry.footprint is not None
            and entry.footprint.isdisjoint(footprint))


class BoundedChoices(ChoiceSource):
    """One run of a :class:`PreemptionBounding` search: replays a prefix, then explores."""

    def __init__(self, search: PreemptionBounding, nodes: list[Node], choices: list[int],
                 sleep: Sleep) -> None:
        self._search = search
        self._nodes = nodes  # the prefix's decisions; new ones are appended as the run goes
        self._choices = choices
        self._sleep = sleep  # of the first new decision
        self._replay = len(choices)
        self._depth = 0
        self._last: tuple[Node, int] | None = None
        self.redundant = False  # every continuation is covered by another schedule
        #: (step, what an earlier run did, what this one did) when the model diverged.
        self.divergence: tuple[int, str, str] | None = None

    def choose(self, options: Sequence[int], step: int) -> int:
        assert isinstance(options, Options)
        depth = self._depth
        self._depth = depth + 1
        if not self._observe(options, step) and depth >= self._replay:
            # Steps ran without a decision (one task, or a forced timer): a sleeping task may
            # have been among them, so its entry no longer describes its next step.
            self._sleep = {}
        if self.divergence is not None or self.redundant:
            return 0
        if depth < self._replay:
            return self._replayed(depth, options, step)
        node, index = self._search.expand(self._nodes, self._choices, options, step, self._sleep)
        if index is None:
            self.redundant = True
            return 0
        self._last = (node, index)
        self._sleep = self._search.child_sleep(node, index)
        return index

    def _replayed(self, depth: int, options: Options, step: int) -> int:
        node = self._nodes[depth]
        if tuple(options) != node.tids:
            self.divergence = (step, f"decision {depth} offered tasks {list(node.tids)}",
                               f"the same choices then offered {list(options)}")
            return 0
        index = self._choices[depth]
        self._last = (node, index)
        return index

    def _observe(self, options: Options, step: int) -> bool:
        """Record whether the task of the step just taken can go on; False when other steps
        ran since the last decision (then nothing is known)."""
        last, self._last = self._last, None
        if last is None:
            return False
        node, index = last
        if step != node.step + 1:
            return False
        if node.tids[index] != TIMER:
            node.observed[index] = (not options.continuing, options.has_timer)
        return True

    def finished(self) -> None:
        if self.divergence is None and self._depth < self._replay:
            self.divergence = (-1, f"an earlier run made at least {self._replay} decisions",
                               f"the same choices then ended after {self._depth}")


class PreemptionBounding:
    """The state of one exhaustive search across its runs: the depth-first path of the
    current bound and the work items of the next one.

    ``reads`` is what the run's step invariants read: None when one of them may read
    anything (every step is then visible and no two steps commute).
    """

    def __init__(self, *, reduction: bool = True, reads: Iterable[str] | None = (),
                 limit: int | None = None, early_timers: bool = True) -> None:
        self.reduction = reduction
        self.early_timers = early_timers
        self._reads = None if reads is None else frozenset(reads)
        self.limit = limit
        self.bound = 0
        self.pruned: dict[int, int] = {0: 0}
        self.deferred = 0  # costly alternatives past the limit, never explored
        self._items: deque[tuple[Node, int]] = deque()
        self._next: list[tuple[Node, int]] = []
        self._path: list[Node] = []
        self._choices: list[int] = []
        self._base = 0
        self._fresh = True  # bound 0 has not run its first schedule yet
        self._footprints: dict[Touches, Footprint] = {}

    # ----- planning runs -----------------------------------------------------------------

    def next_run(self) -> BoundedChoices | None:
        """The next schedule of the current bound, or None when the bound is done."""
        if self._fresh:
            self._fresh = False
            self._path, self._choices, self._base = [], [], 0
            return BoundedChoices(self, self._path, self._choices, {})
        planned = self._backtrack()
        if planned is not None:
            return planned
        if self._items:
            node, index = self._items.popleft()
            chain = node.chain()
            self._path, self._choices = chain, [*node.prefix(), index]
            self._base = len(chain)
            return BoundedChoices(self, chain, self._choices, self.child_sleep(node, index))
        return None

    def _backtrack(self) -> BoundedChoices | None:
        path = self._path
        for depth in range(len(path) - 1, self._base - 1, -1):
            node = path[depth]
            if node.todo:
                index = node.todo.popleft()
                del path[depth + 1:]
                self._choices = [*self._choices[:depth], index]
                return BoundedChoices(self, path, self._choices, self.child_sleep(node, index))
        return None

    def next_bound(self) -> bool:
        """Move to the next bound; False when no schedule needs more preemptions."""
        if not self._next:
            return False
        self.bound += 1
        self._items, self._next = deque(self._next), []
        self.pruned.setdefault(self.bound, 0)
        self._path, self._choices, self._base = [], [], 0
        return True

    @property
    def has_next_bound(self) -> bool:
        return bool(self._next) or self.deferred > 0

    # ----- one decision ------------------------------------------------------------------

    def expand(self, path: list[Node], choices: list[int], options: Options, step: int,
               sleep: Sleep) -> tuple[Node, int | None]:
        """Record a new decision; return it and the option to take (None: every free option
        is asleep, the rest of the run is covered elsewhere)."""
        parent = path[-1] if path else None
        via = choices[-1] if choices else 0
        tids = tuple(options)
        footprints = tuple(self._footprint(options, i) for i in range(len(tids)))
        node = Node(parent, via, len(path), step, tids, footprints, options.continuing, sleep)
        pruned = tuple(i for i in range(len(tids)) if self._prunable(node, i))
        node.pruned = pruned
        free = [i for i in range(len(tids)) if node.cost(i) == 0 and i not in pruned]
        for i in range(len(tids)):
            if node.cost(i) == 0:
                continue
            if i in pruned:
                self._count_pruned(self.bound + 1)
            elif self.limit is not None and self.bound >= self.limit:
                self.deferred += 1
            else:
                self._next.append((node, i))
        self._count_pruned(self.bound, sum(1 for i in pruned if node.cost(i) == 0))
        if not free:
            return node, None
        node.todo.extend(free[1:])
        path.append(node)
        choices.append(free[0])
        return node, free[0]

    def _prunable(self, node: Node, index: int) -> bool:
        if not self.reduction:
            return False
        entry = node.sleep.get(node.tids[index])
        return entry is not None and entry.prunable(node.continuing, node.timer)

    def _count_pruned(self, bound: int, count: int = 1) -> None:
        if count and (self.limit is None or bound <= self.limit):
            self.pruned[bound] = self.pruned.get(bound, 0) + count

    def child_sleep(self, node: Node, index: int) -> Sleep:
        """The sleep set after taking ``index`` at ``node``: what slept there and the options
        explored before it, less whatever conflicts with the step taken."""
        footprint = node.footprints[index]
        if not self.reduction or footprint is None:
            return {}
        tid = node.tids[index]
        sleep: Sleep = {}
        candidates = list(node.sleep.values())
        for i in range(index):
            if node.tids[i] != TIMER and i not in node.pruned:
                candidates.append(self._explored(node, i))
        for entry in candidates:
            if independent(entry, tid, footprint):
                known = sleep.get(entry.tid)
                sleep[entry.tid] = entry if known is None else known.merged(entry)
        return sleep

    def _explored(self, node: Node, index: int) -> SleepEntry:
        """The entry of option ``index``, explored at ``node``; what was not observed (other
        steps ran before the next decision) counts as unsafe."""
        observed = node.observed.get(index)
        yields = observed is not None and observed[0]
        # Under the idle policy a pending timer is never offered, so it cannot be ruled out.
        timer_free = (self.early_timers and observed is not None and not node.timer
                      and not observed[1])
        return SleepEntry(node.tids[index], node.footprints[index],
                          default=index == 0 and node.continuing, yields=yields,
                          timer_free=timer_free)

    def _footprint(self, options: Options, index: int) -> Footprint:
        touches = options.footprint(index)
        if touches is None or self._reads is None:
            return None
        known = self._footprints.get(touches)
        if known is None:
            names = frozenset(touches)
            known = names if names.isdisjoint(self._reads) else names | {VISIBLE}
            self._footprints[touches] = known
        return known


__all__ = ["BoundedChoices", "PreemptionBounding"]
