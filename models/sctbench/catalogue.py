"""The SCTBench ports as data: per program, its buggy and control variants, the finding each
buggy variant makes, its thread count, its minimal preemption bound and a witness schedule.

Thread counts include main. A preemption is a switch away from a task that could have gone on;
a switch after a task blocked or finished is free. The bounds are reasoned out per program
(``why``); the witness reaches the finding with exactly that many preemptions, and the tests
check both the witness and, where the schedules below the bound are few enough to enumerate,
that none of them fails. A general argument covers the bound-1 programs whose threads block
only on mutexes: with no preemption, nothing is ever switched away while it holds a mutex, so
no thread ever blocks, and each runs from start to finish once picked: the run is a serial
order of the threads, and no serial order fails.

Invariant: every name here is a registered model and variant; every buggy variant has a
finding key (``violation:<invariant>`` or ``deadlock``), and every program has at least one
control that passes in every schedule.
"""

from __future__ import annotations

import attrs

from models.sctbench.witness import Switch

DEADLOCK = "deadlock"


@attrs.frozen
class Bug:
    """A buggy variant: what it finds, with how many threads, at which minimal bound."""

    variant: str
    finding: str
    threads: int
    bound: int
    witness: tuple[Switch, ...] = ()


@attrs.frozen
class Control:
    """A bug-free variant (the program fixed the obvious way) and its thread count."""

    variant: str
    threads: int


@attrs.frozen
class Program:
    model: str
    source: str
    bugs: tuple[Bug, ...]
    controls: tuple[Control, ...]
    why: str


def _violation(invariant: str) -> str:
    return f"violation:{invariant}"


_JOIN_TO = "join"
_REORDER_THREADS = {3: 4, 4: 5, 5: 6, 10: 11, 20: 21}
_TWOSTAGE = (2, 3, 10, 20, 100)
_WSQ_WITNESS = (
    Switch("main", "read tail", "Stealer/1", occurrence=3),
    Switch("Stealer/1", "read elems[i & mask]", "main"),
)
_STATE_WITNESS = (
    Switch("Stealer/1", "stacks.resize(tid + 1)", "Stealer/2"),
    Switch("Stealer/2", "state.Peek(tid).Update", "Stealer/1"),
)

PROGRAMS: tuple[Program, ...] = (
    Program(
        "sctbench.account", "CS/account_bad.c, account_ok.c",
        (Bug("bad", _violation("balance_assertion"), 4, 0,
             (Switch("main", _JOIN_TO, "deposit"),)),),
        (Control("ok", 4),),
        "the wrong formula fails whenever the check runs last, an order reached by free "
        "switches as threads finish"),
    Program(
        "sctbench.arithmetic_prog", "CS/arithmetic_prog_bad.c, arithmetic_prog_ok.c",
        (Bug("bad", _violation("total_assertion"), 3, 0),),
        (Control("ok", 3),),
        "every schedule ends with total == N(N+1)/2, which main asserts is false"),
    Program(
        "sctbench.bluetooth_driver", "CS/bluetooth_driver_bad.c",
        (Bug("bad", _violation("not_stopped_under_io"), 2, 1,
             (Switch("main", "acquire atomic", "BCSP_PnpStop"),)),),
        (Control("ok", 2),),
        "the stop path must run between the add path's flag read and its increment, and the "
        "add path (main) never blocks before that"),
    Program(
        "sctbench.carter01", "CS/carter01_bad.c",
        (Bug("bad", DEADLOCK, 5, 1, (Switch("t1", "acquire m", "t2", occurrence=2),)),),
        (Control("ok", 5),),
        "t2 must lock m while t1 holds l between its critical sections; serial orders never "
        "block"),
    Program(
        "sctbench.circular_buffer", "CS/circular_buffer_bad.c, circular_buffer_ok.c",
        (Bug("bad", _violation("removed_matches"), 3, 1,
             (Switch("main", _JOIN_TO, "t2"), Switch("t2", "acquire m", "t1", occurrence=2))),),
        (Control("ok", 3),),
        "t2 must miss an iteration and then receive: the threads must alternate, and serial "
        "orders hand over at most once, in the same iteration"),
    Program(
        "sctbench.deadlock01", "CS/deadlock01_bad.c",
        (Bug("bad", DEADLOCK, 3, 1, (Switch("thread1", "acquire b", "thread2"),)),),
        (Control("ok", 3),),
        "thread2 must take b while thread1 holds a; serial orders never block"),
    Program(
        "sctbench.fsbench", "CS/fsbench_bad.c, fsbench_ok.c",
        (Bug("bad", _violation("inode_in_range"), 28, 0),),
        (Control("ok", 27),),
        "thread 26's index is out of range whenever it runs"),
    Program(
        "sctbench.lazy01", "CS/lazy01_bad.c",
        (Bug("bad", _violation("data_assertion"), 4, 0),),
        (Control("ok", 4),),
        "thread3 runs last in the default order, after both additions"),
    Program(
        "sctbench.phase01", "CS/phase01_bad.c, phase01_ok.c",
        (Bug("bad", DEADLOCK, 3, 0),),
        (Control("ok", 3),),
        "whichever thread locks x a second time keeps it, in every schedule"),
    Program(
        "sctbench.queue", "CS/queue_bad.c, queue_ok.c",
        (Bug("bad", _violation("dequeued_matches"), 3, 1,
             (Switch("main", _JOIN_TO, "t2"), Switch("t2", "acquire m", "t1", occurrence=2))),),
        (Control("ok", 3),),
        "t2 must miss an iteration and then dequeue: serial orders hand over once, in "
        "t2's first iteration"),
    Program(
        "sctbench.reorder", "CS/reorder_{3,4,5,10,20}_bad.c",
        tuple(Bug(f"bad_{n}", _violation("writes_seen_together"), threads, 1,
                  (Switch("setThread/1", "b = -1", "checkThread/1"),))
              for n, threads in _REORDER_THREADS.items()),
        (Control("ok_3", 4), Control("ok_20", 21)),
        "a checker must run between a setter's two writes; serial orders show it 0, 0 or "
        "1, -1"),
    Program(
        "sctbench.stack", "CS/stack_bad.c, stack_ok.c",
        (Bug("bad", _violation("stack_assertions"), 3, 1,
             (Switch("t1", "acquire m", "t2", occurrence=2),)),),
        (Control("ok", 3),),
        "t2 must pop twice after a single push; serially t2 pops either nothing or all ten"),
    Program(
        "sctbench.sync01", "CS/sync01_bad.c, sync01_ok.c",
        (Bug("bad", DEADLOCK, 3, 0),),
        (Control("ok", 3),),
        "num never drops to 0, so thread1 waits forever in every schedule"),
    Program(
        "sctbench.sync02", "CS/sync02_bad.c, sync02_ok.c",
        (Bug("bad", DEADLOCK, 3, 0),),
        (Control("ok", 3),),
        "the consumer finishes after two items and the producer waits forever, in every "
        "schedule"),
    Program(
        "sctbench.token_ring", "CS/token_ring_bad.c",
        (Bug("bad", _violation("ring_agrees"), 5, 0,
             (Switch("main", _JOIN_TO, "t2"), Switch("t3", "finish", "t1"))),),
        (Control("ok", 5),),
        "the order t2, t3, t1, t4 breaks the ring, reached by free switches as threads finish"),
    Program(
        "sctbench.twostage", "CS/twostage_bad.c, twostage_100_bad.c",
        tuple(Bug(f"bad_{n}", _violation("stages_seen_together"), n + 1, 1,
                  (Switch("funcA/1", "acquire data2Lock", "funcB"),))
              for n in _TWOSTAGE),
        (Control("ok_2", 3), Control("ok_20", 21)),
        "the reader must run between a stage thread's two critical sections; serial orders "
        "show both stages or neither"),
    Program(
        "sctbench.wronglock", "CS/wronglock_bad.c, wronglock_3_bad.c",
        (Bug("bad", _violation("one_increment_at_a_time"), 9, 1,
             (Switch("funcA", "dataValue++ (read)", "funcB/1"),)),
         Bug("bad_3", _violation("one_increment_at_a_time"), 5, 1,
             (Switch("funcA", "dataValue++ (read)", "funcB/1"),))),
        (Control("ok", 9),),
        "a funcB increment must land inside funcA's critical section; serial orders keep "
        "them apart"),
    Program(
        "sctbench.wsq", "chess/WorkStealQueue.cpp (BUG3 in WorkStealQueue.h)",
        (Bug("bad", _violation("items_operated_once"), 3, 2, _WSQ_WITNESS),),
        (Control("ok", 3),),
        "a stealer must start before main finishes (main never blocks: one preemption) and "
        "stop between moving head and reading the slot (it holds the lock, so a second)"),
    Program(
        "sctbench.iwsq", "chess/InterlockedWorkStealQueue.cpp (BUG3 in WorkStealQueue.h)",
        (Bug("bad", _violation("items_operated_once"), 3, 2, _WSQ_WITNESS),),
        (Control("ok", 3),),
        "as wsq: the spin lock changes nothing in the steal that must be interrupted"),
    Program(
        "sctbench.wsq_state", "chess/StateWorkStealQueue.cpp (WorkStealQueueWithState.h)",
        (Bug("bad", _violation("queue_assertions"), 3, 2, _STATE_WITNESS),),
        (Control("ok", 3),),
        "Stealer/1 must stop between its size check and its resize, and Stealer/2 between "
        "growing the vector and its next access to it; neither blocks there"),
    Program(
        "sctbench.iwsqws",
        "chess/InterlockedWorkStealQueueWithState.cpp (WorkStealQueueWithState.h)",
        (Bug("bad", _violation("queue_assertions"), 3, 2, _STATE_WITNESS),),
        (Control("ok", 3),),
        "as wsq_state"),
)


#: Schedules ``verify`` may run per variant in the quality tests and the measurement.
VERIFY_BUDGET = 20_000

#: Variants whose bound ``verify`` cannot cover within ``VERIFY_BUDGET`` schedules, and why
#: (measured: ``python -m models.sctbench.measure``). Preemption bounding makes every switch
#: after a thread blocks or finishes free, so bound 0 alone holds every serial order of the
#: threads that conflict (n! of them for n writers of one variable); sleep sets prune only
#: orders of commuting steps.
_SERIAL = "bound 0 alone holds every serial order of the {} threads, whose steps conflict"
BEYOND_BUDGET: dict[tuple[str, str], str] = {
    ("sctbench.reorder", "bad_10"): _SERIAL.format(10),
    ("sctbench.reorder", "bad_20"): _SERIAL.format(20),
    ("sctbench.reorder", "ok_20"): _SERIAL.format(20),
    ("sctbench.twostage", "bad_10"): _SERIAL.format(10),
    ("sctbench.twostage", "bad_20"): _SERIAL.format(20),
    ("sctbench.twostage", "bad_100"): _SERIAL.format(100),
    ("sctbench.twostage", "ok_20"): _SERIAL.format(20),
    ("sctbench.wronglock", "bad"): _SERIAL.format(8),
    ("sctbench.wronglock", "ok"): _SERIAL.format(8),
    ("sctbench.fsbench", "ok"): _SERIAL.format(26),
    ("sctbench.wsq_state", "bad"): "bound 2 runs past the budget before the failing schedule",
    ("sctbench.iwsqws", "bad"): "bound 2 runs past the budget before the failing schedule",
    ("sctbench.wsq_state", "ok"): "bound 2 runs past the budget, as for the buggy variant "
                                  "(the same steps); not measured to its end",
    ("sctbench.iwsqws", "ok"): "bound 2 runs past the budget, as for the buggy variant "
                               "(the same steps); not measured to its end",
}


def verify_bound(program: Program) -> int:
    """The bound a program's controls are verified clean at: its bugs' largest minimal bound
    (a control is the buggy program fixed, so that is where the bug would be)."""
    return max(b.bound for b in program.bugs)


def bugs() -> tuple[tuple[Program, Bug], ...]:
    """Every buggy variant with its program, in catalogue order."""
    return tuple((p, b) for p in PROGRAMS for b in p.bugs)


def controls() -> tuple[tuple[Program, Control], ...]:
    """Every control variant with its program, in catalogue order."""
    return tuple((p, c) for p in PROGRAMS for c in p.controls)
