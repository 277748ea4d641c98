"""One run of a model: the task table, the hand-off between tasks, and the end-of-run checks.

Invariant: exactly one modelled task runs between two scheduling points. Every task is a
coroutine that the engine itself resumes (``send``/``throw``) when its choice source picks it;
every other task is suspended at a point or in a wait, and the engine always knows which tasks
are runnable and what each blocked task waits on. Nothing here reads a clock or awaits Trio.
"""

from __future__ import annotations

import contextlib
import contextvars
import enum
import traceback
import types
from bisect import bisect_left, insort
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Sequence
from typing import Any

from explorer._cancel import Cancelled, CancelScope, effectively_cancelled
from explorer._clock import Timer, VirtualClock
from explorer._options import Options
from explorer._watchdog import Guarded, Stalled
from explorer.errors import Teardown
from explorer.records import TIMER, BlockedTask, Outcome, OutcomeKind, Settings, Touches
from explorer.sources.base import ChoiceSource

_EXECUTION: contextvars.ContextVar[Execution | None] = contextvars.ContextVar(
    "race_explorer_execution", default=None)

# The first item of every request a task yields to the engine.
_POINT, _BLOCK, _UNTIL = object(), object(), object()

#: A task that keeps yielding while being torn down is closed after this many throws.
_TEARDOWN_THROWS = 20
#: Steps the step-bound diagnosis looks back over.
_WINDOW = 200


class State(enum.Enum):
    RUNNING = "running"
    ENABLED = "enabled"
    BLOCKED = "blocked"
    FINISHED = "finished"


class TaskRecord:
    """The engine's view of one modelled task."""

    __slots__ = (
        "cancellable", "context", "coro", "daemon", "handle", "joiners", "name", "on_cancel",
        "predicate", "resume_cancellable", "scopes", "started", "state", "tid", "touches",
        "waits_on", "wake_value",
    )

    def __init__(self, tid: int, name: str, daemon: bool, coro: Coroutine[Any, Any, Any],
                 context: contextvars.Context) -> None:
        self.tid = tid
        self.name = name
        self.daemon = daemon
        self.coro = coro
        self.context = context
        self.state = State.ENABLED
        self.started = False
        self.waits_on: str | Callable[[], str] = ""
        self.wake_value: Any = None
        self.cancellable = False  # of the wait it is blocked in
        self.resume_cancellable = True  # the point it waits at delivers cancels
        self.on_cancel: Callable[[], None] | None = None
        self.predicate: Callable[[], bool] | None = None
        self.joiners: list[TaskRecord] = []
        self.scopes: list[CancelScope] = []
        self.touches: Touches = None
        self.handle: Any = None  # the TaskHandle, made once (see ``runtime``)

    def __repr__(self) -> str:
        return f"<task {self.tid} {self.name} {self.state.value}>"

    def waiting_for(self) -> str:
        """What the task waits on, as it is now (a lock's holder may have changed)."""
        waits = self.waits_on
        return waits if isinstance(waits, str) else waits()


class _CancelledWait:
    """The wake value of a cancellable wait that its cancel ended (not a real wake)."""


_CANCELLED = _CancelledWait()

Invariants = Sequence[tuple[str, Callable[[], str | None]]]


@types.coroutine
def point_request(label: str, detail: str, touches: Touches,
                  cancellable: bool) -> Iterator[Any]:
    """What ``explorer.point`` awaits: the engine decides who runs next."""
    yield (_POINT, label, detail, touches, cancellable)


@types.coroutine
def block_request(label: str, waits_on: str | Callable[[], str], cancellable: bool,
                  on_cancel: Callable[[], None] | None, touches: Touches) -> Iterator[Any]:
    """What ``explorer.block`` awaits: the value passed to the task's wake."""
    return (yield (_BLOCK, label, waits_on, cancellable, on_cancel, touches))


@types.coroutine
def until_request(label: str, waits_on: str, predicate: Callable[[], bool],
                  touches: Touches) -> Iterator[Any]:
    """What ``explorer.wait_until`` awaits: runnable exactly while ``predicate()`` holds."""
    yield (_UNTIL, label, waits_on, predicate, touches)


class Execution:
    """The per-run state: tasks, clock, recorded steps and decisions, and the outcome."""

    def __init__(self, source: ChoiceSource, settings: Settings, safety: Invariants,
                 quiescence: Invariants, *, trust_primitives: bool = False) -> None:
        self.source = source
        self.trust_primitives = trust_primitives
        self.settings = settings
        self.max_steps = settings.max_steps
        self.early_timers = settings.timers == "early"
        self.safety = safety
        self.quiescence = quiescence
        self.clock = VirtualClock()
        self.tasks: list[TaskRecord] = []
        self.runnable: list[int] = []  # sorted ids of tasks not blocked or finished
        self.until: list[TaskRecord] = []  # tasks in a predicate wait
        self.current: TaskRecord | None = None
        self.steps: list[tuple[int, str, str, float, Touches]] = []
        self.decisions: dict[int, tuple[int, int, int, int, bool, int]] = {}
        self.progress: list[int] = []  # steps at which a task started or finished
        self.outcome: Outcome | None = None
        self.violations: list[Outcome] = []  # recorded without ending the run (see stop_on)
        self._unviolated = list(safety)  # the step invariants still checked after every step
        self.stop_on = None if settings.stop_on is None else frozenset(settings.stop_on)
        self.failure: BaseException | None = None  # a choice source's error
        self.interrupt: BaseException | None = None  # KeyboardInterrupt or SystemExit
        self.tearing_down = False
        # Read by the watchdog thread (see ``_watchdog``): hand-offs so far, whether model code
        # runs now, how long a stalled task ran; set by the Ctrl-C guard.
        self.resumes = 0
        self.in_model = False
        self.stalled: float | None = None
        self.stall_signal = False
        self.interrupted = False

    # ----- entry -------------------------------------------------------------------------

    def run(self, main: Callable[[], Awaitable[None]]) -> None:
        """Run ``main`` as task 0 until the run ends, tear down, then re-raise an interrupt."""
        if _EXECUTION.get() is not None:
            raise RuntimeError("explorer.run() called inside a running model")
        token = _EXECUTION.set(self)
        try:
            with Guarded(self, self.settings.watchdog_seconds):
                self._guarded(main)
        finally:
            _EXECUTION.reset(token)
        if self.interrupt is not None:
            raise self.interrupt

    def _guarded(self, main: Callable[[], Awaitable[None]]) -> None:
        try:
            self.current = self.spawn(main, name="main", daemon=False)
            self._drive(self.current)
        except (KeyboardInterrupt, SystemExit) as exc:
            self.interrupt = exc
        except Stalled:  # it reached the engine just after its task gave control back
            self._end(self._stall(self.current))
        try:
            self._teardown()
        except (KeyboardInterrupt, SystemExit) as exc:
            self.interrupt = self.interrupt or exc
        except Stalled:
            pass
        if self.interrupted and self.interrupt is None:
            self.interrupt = KeyboardInterrupt()  # Ctrl-C that model code swallowed

    # ----- tasks -------------------------------------------------------------------------

    def spawn(self, fn: Callable[..., Awaitable[Any]], *args: Any, name: str,
              daemon: bool) -> TaskRecord:
        if self.tearing_down:
            raise Teardown()
        coro = fn(*args)
        if not isinstance(coro, Coroutine):
            raise TypeError(f"spawn() needs an async function; {fn!r} returned {coro!r}")
        rec = TaskRecord(len(self.tasks), name, daemon, coro, contextvars.copy_context())
        self.tasks.append(rec)
        self.runnable.append(rec.tid)  # the newest id is the largest: the list stays sorted
        self.progress.append(len(self.steps))
        return rec

    # ----- the hand-off ------------------------------------------------------------------

    def _drive(self, task: TaskRecord | None) -> None:
        """Resume the chosen task until it yields a request; handle it; repeat."""
        while task is not None:
            self.current = task
            task.state = State.RUNNING
            task.started = True
            value, task.wake_value = task.wake_value, None
            self.resumes += 1
            self.in_model = True
            try:
                if value is _CANCELLED or (task.resume_cancellable and task.scopes
                                           and effectively_cancelled(task.scopes)):
                    request = task.context.run(task.coro.throw, Cancelled())
                else:
                    request = task.context.run(task.coro.send, value)
            except StopIteration:
                self.in_model = False
                task = self._finished(task)
                continue
            except (KeyboardInterrupt, SystemExit):
                self.in_model = False
                self._end(Outcome(OutcomeKind.PASS, step=len(self.steps)))
                raise
            except Stalled:
                self.in_model = False
                self._end(self._stall(task))
                return
            except BaseException as exc:  # a model crash: an exception escaping a model task
                self.in_model = False
                self._end(self._crash(task, exc))
                return
            self.in_model = False
            task = self._handle(task, request)

    def _handle(self, task: TaskRecord, request: Any) -> TaskRecord | None:
        kind = request[0] if type(request) is tuple and request else None
        if kind is _POINT:
            _, label, detail, touches, cancellable = request
            if touches is not None and not self.trust_primitives and type(touches) is not tuple:
                touches = None  # a primitive's footprint, in a model that did not vouch for it
            task.state, task.touches, task.resume_cancellable = State.ENABLED, touches, cancellable
            return None if self._record(task.tid, label, detail, touches) else self._next(task)
        if kind is _BLOCK:
            return self._block(task, request)
        if kind is _UNTIL:
            return self._wait_until(task, request)
        self._end(self._foreign(task, request))
        return None

    def _block(self, task: TaskRecord, request: tuple[Any, ...]) -> TaskRecord | None:
        _, label, waits_on, cancellable, on_cancel, touches = request
        if touches is not None and not self.trust_primitives and type(touches) is not tuple:
            touches = None
        if cancellable and task.scopes and effectively_cancelled(task.scopes):
            task.wake_value = _CANCELLED  # a cancelled task does not wait: Trio's checkpoint
            return task
        task.state, task.waits_on, task.touches = State.BLOCKED, waits_on, touches
        task.cancellable, task.on_cancel = cancellable, on_cancel
        task.resume_cancellable = False  # a real wake returns its value; the cancel waits
        self._remove_runnable(task)
        return None if self._record(task.tid, label, task.waiting_for(), touches) \
            else self._next(task)

    def _wait_until(self, task: TaskRecord, request: tuple[Any, ...]) -> TaskRecord | None:
        _, label, waits_on, predicate, touches = request
        task.state, task.waits_on, task.touches = State.BLOCKED, waits_on, touches
        task.predicate, task.resume_cancellable = predicate, False
        self._remove_runnable(task)
        self.until.append(task)
        return None if self._record(task.tid, label, waits_on, touches) else self._next(task)

    def wake(self, rec: TaskRecord, value: Any = None) -> bool:
        """Make a blocked task enabled again; it runs on only when the engine picks it."""
        if rec.state is not State.BLOCKED or rec.predicate is not None:
            return False
        rec.state, rec.waits_on, rec.wake_value = State.ENABLED, "", value
        rec.cancellable, rec.on_cancel = False, None
        insort(self.runnable, rec.tid)
        return True

    def cancel_reached(self, rec: TaskRecord) -> None:
        """A scope of ``rec`` was cancelled: a cancellable wait it is blocked in ends."""
        if rec.state is State.BLOCKED and rec.cancellable and effectively_cancelled(rec.scopes):
            hook = rec.on_cancel
            self.wake(rec, _CANCELLED)
            if hook is not None:
                hook()

    def _remove_runnable(self, rec: TaskRecord) -> None:
        runnable = self.runnable
        i = bisect_left(runnable, rec.tid)
        if i < len(runnable) and runnable[i] == rec.tid:
            del runnable[i]

    def _finished(self, task: TaskRecord) -> TaskRecord | None:
        task.state = State.FINISHED
        self._remove_runnable(task)
        self.progress.append(len(self.steps))
        for joiner in task.joiners:
            self.wake(joiner)
        task.joiners.clear()
        task.touches = ()
        return None if self._record(task.tid, "finish", "", ()) else self._next(task)

    # ----- decisions ---------------------------------------------------------------------

    def _record(self, tid: int, label: str, detail: str, touches: Touches) -> bool:
        """Record a step and check safety; True when the run has ended."""
        steps = self.steps
        steps.append((tid, label, detail, self.clock.now, touches))
        if self.interrupted:
            raise KeyboardInterrupt()  # Ctrl-C that model code caught: the run stops anyway
        if self.stalled is not None:
            self._end(self._stall(self.tasks[tid] if tid >= 0 else None))
            return True
        if len(steps) > self.max_steps:
            self._end(Outcome(OutcomeKind.STEP_BOUND, self._step_bound_cause(),
                              step=len(steps) - 1))
            return True
        return bool(self._unviolated) and self._check_safety()

    def _check_safety(self) -> bool:
        for name, check in self._unviolated:
            try:
                message = check()
            except Exception as exc:
                outcome = self._raised(name, exc)
            else:
                if message is None:
                    continue  # the common case, kept cheap: every invariant, every step
                outcome = self._verdict(name, message)
            if self._violation(name, outcome):
                return True
        return False

    def _violation(self, name: str, outcome: Outcome) -> bool:
        """Record a violation; True when it ends the run (see ``Settings.stop_on``)."""
        if outcome.kind is OutcomeKind.CRASH or self.stop_on is None or name in self.stop_on:
            self._end(outcome)
            return True
        self._unviolated = [(n, check) for n, check in self._unviolated if n != name]
        self.violations.append(outcome)
        return False

    def _evaluate(self, name: str, check: Callable[[], str | None]) -> Outcome | None:
        """One invariant's verdict; an invariant that raises is a crash of the model."""
        try:
            message = check()
        except Exception as exc:
            return self._raised(name, exc)
        if message is None:
            return None
        return self._verdict(name, message)

    def _raised(self, name: str, exc: Exception) -> Outcome:
        """An invariant that raises is a crash of the model."""
        return Outcome(OutcomeKind.CRASH, f"invariant {name} raised {exc!r}", name,
                       len(self.steps) - 1, traceback=_model_traceback(exc))

    def _verdict(self, name: str, message: object) -> Outcome:
        """The outcome of an invariant that did not return None."""
        step = len(self.steps) - 1
        if not isinstance(message, str) or not message:
            text = (f"invariant {name} returned {message!r}: an invariant returns None when it "
                    "holds, or a non-empty string saying what went wrong")
            return Outcome(OutcomeKind.CRASH, text, name, step)
        return Outcome(OutcomeKind.VIOLATION, message, name, step)

    def _next(self, cur: TaskRecord | None) -> TaskRecord | None:
        """Pick the task that runs next, firing timers when chosen; None when the run ended."""
        try:
            while True:
                if self.until and self._refresh_waits():
                    return None
                runnable = self.runnable
                tasks = len(runnable)
                timer = self.clock.has_pending() and (self.early_timers or tasks == 0)
                if tasks == 0 and not timer:
                    self._end_quiescent()
                    return None
                ctid = -2 if cur is None else cur.tid
                start = bisect_left(runnable, ctid)
                continuing = start < tasks and runnable[start] == ctid
                if start == tasks:
                    start = 0
                count = tasks + timer
                if count == 1:
                    pick = runnable[0] if tasks else TIMER
                else:
                    options = Options(runnable, start, tasks, timer, continuing, self.tasks, ctid)
                    index = self.source.choose(options, len(self.steps) - 1)
                    if not 0 <= index < count:
                        raise IndexError(f"choice source {self.source!r} chose option {index} "
                                         f"of {count}")
                    if index < tasks:  # options[index], without the call
                        j = start + index
                        pick = runnable[j - tasks if j >= tasks else j]
                    else:
                        pick = TIMER
                    self.decisions[len(self.steps) - 1] = (
                        index, pick, count, runnable[start] if tasks else TIMER, continuing, ctid)
                if pick != TIMER:
                    rec = self.tasks[pick]
                    return rec if rec.predicate is None else self._resume(rec)
                if self._fire_timer():
                    return None
        except BaseException as exc:  # a source or engine failure must never reach model code
            if isinstance(exc, KeyboardInterrupt | SystemExit | Stalled):
                raise
            self.failure = exc
            self._end(Outcome(OutcomeKind.PASS))
            return None

    def _resume(self, rec: TaskRecord) -> TaskRecord:
        """A task picked in a predicate wait: its predicate holds, so the wait is over."""
        rec.predicate = None
        rec.state, rec.waits_on = State.ENABLED, ""
        self.until.remove(rec)
        return rec

    def _refresh_waits(self) -> bool:
        """Predicate waits are runnable exactly while their predicate holds; True if one
        raised (the run then ends as a crash)."""
        for rec in self.until:
            try:
                holds = bool(rec.predicate is not None and rec.predicate())
            except Exception as exc:
                self._end(self._crash(rec, exc))
                return True
            i = bisect_left(self.runnable, rec.tid)
            present = i < len(self.runnable) and self.runnable[i] == rec.tid
            if holds and not present:
                self.runnable.insert(i, rec.tid)
            elif present and not holds:
                del self.runnable[i]
        return False

    def _fire_timer(self) -> bool:
        try:
            timer = self.clock.fire_earliest()
        except Exception as exc:  # the model's own callback failed: a crash, not an engine bug
            message = f"{type(exc).__name__}: {exc} (in a timer callback)"
            self._end(Outcome(OutcomeKind.CRASH, message, None, len(self.steps),
                              traceback=_model_traceback(exc)))
            return True
        return self._record(TIMER, "timer", timer.label, None)

    def call_later(self, delay: float, label: str, callback: Callable[[], object]) -> Timer:
        return self.clock.call_later(delay, label, callback)

    # ----- the end -----------------------------------------------------------------------

    def _end(self, result: Outcome) -> None:
        if self.outcome is None:
            self.outcome = result

    def _end_quiescent(self) -> None:
        stuck = [t for t in self.tasks if t.state is State.BLOCKED and not t.daemon]
        if stuck:
            blocked = tuple(BlockedTask(t.name, t.waiting_for())
                            for t in self.tasks if t.state is State.BLOCKED)
            names = ", ".join(t.name for t in stuck)
            deadlock = Outcome(OutcomeKind.DEADLOCK, f"{names} can never finish", None,
                               len(self.steps) - 1, blocked)
            if self.stop_on is not None:  # collecting: the world is at rest, check it too
                self._check_quiescence()
            self._end(deadlock)
        else:
            self._end(self._check_quiescence())

    def _check_quiescence(self) -> Outcome:
        for name, check in self.quiescence:
            outcome = self._evaluate(name, check)
            if outcome is not None and self._violation(name, outcome):
                return outcome
        return Outcome(OutcomeKind.PASS, step=len(self.steps) - 1)

    def findings(self) -> tuple[Outcome, ...]:
        """Every finding of the run: the violations recorded as it went, then how it ended."""
        found = list(self.violations)
        if self.outcome is not None and self.outcome.is_finding:
            found.append(self.outcome)
        return tuple(found)

    def _step_bound_cause(self) -> str:
        """Tell a busy loop from a long run that the bound simply cut short: over the last
        steps (half the bound, at most ``_WINDOW``), did any task start or finish?"""
        steps = self.steps
        bound = self.settings.max_steps
        first = max(0, len(steps) - min(_WINDOW, max(1, bound // 2)))
        tail = steps[first:]
        moved = sum(1 for s in self.progress if s >= first)
        if moved:
            cause = (f"the run was still making progress: {moved} tasks started or finished in "
                     f"the last {len(tail)} steps; the bound of {bound} steps is smaller than "
                     "the work (raise Settings.max_steps)")
        elif tail[-1][3] > tail[0][3]:
            cause = (f"livelock suspected: no task started or finished in the last {len(tail)} "
                     f"steps while virtual time advanced {tail[-1][3] - tail[0][3]:g}s")
        else:
            cause = (f"livelock suspected: no virtual time passed and no task started or "
                     f"finished in the last {len(tail)} steps: a busy loop")
        counts: dict[str, int] = {}
        for tid, label, _, _, _ in tail:
            key = f"{self._name(tid)} at {label}"
            counts[key] = counts.get(key, 0) + 1
        top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
        return f"{cause}; most frequent: " + ", ".join(f"{k} x{n}" for k, n in top)

    @property
    def livelock_suspected(self) -> bool:
        return self.outcome is not None and self.outcome.message.startswith("livelock")

    def _crash(self, rec: TaskRecord, exc: BaseException) -> Outcome:
        foreign = _foreign_framework(exc)
        if foreign is not None:
            message = (f"task {rec.name} called {foreign}, which needs its own event loop: the "
                       "engine cannot schedule it (use explorer.point, explorer.sleep and the "
                       "explorer primitives in models)")
            return Outcome(OutcomeKind.UNCONTROLLED, message, None, len(self.steps),
                           traceback=_model_traceback(exc))
        message = f"{type(exc).__name__}: {exc} (in task {rec.name})"
        return Outcome(OutcomeKind.CRASH, message, None, len(self.steps),
                       traceback=_model_traceback(exc))

    def _stall(self, rec: TaskRecord | None) -> Outcome:
        who = "a task" if rec is None else f"task {rec.name}"
        seconds = self.stalled or self.settings.watchdog_seconds
        message = (f"{who} did not yield for {seconds:.1f} seconds of wall time (the watchdog "
                   f"stopped it after Settings.watchdog_seconds={self.settings.watchdog_seconds:g}"
                   "): a busy loop, or a blocking call outside the engine such as time.sleep or "
                   "a threading lock (use explorer.point, explorer.sleep and the explorer "
                   "primitives in models)")
        return Outcome(OutcomeKind.UNCONTROLLED, message, step=len(self.steps))

    def _foreign(self, rec: TaskRecord, request: object) -> Outcome:
        kind = request if isinstance(request, type) else type(request)  # Trio yields classes
        what, module = kind.__qualname__, kind.__module__
        where = "Trio" if module.startswith("trio") else module.split(".")[0]
        message = (f"task {rec.name} awaited a {where} primitive ({what}) instead of an explorer "
                   "point or wait: the engine cannot schedule it (use explorer.point, "
                   "explorer.sleep and the explorer primitives in models)")
        return Outcome(OutcomeKind.UNCONTROLLED, message, step=len(self.steps))

    def _name(self, tid: int) -> str:
        return "clock" if tid == TIMER else self.tasks[tid].name

    def _teardown(self) -> None:
        """Unwind every task that has not finished, in creation order (its ``finally`` runs)."""
        self.tearing_down = True
        for rec in self.tasks:
            if rec.state is State.FINISHED:
                continue
            rec.state = State.FINISHED
            if not rec.started:
                rec.coro.close()
                continue
            self._unwind(rec)

    def _unwind(self, rec: TaskRecord) -> None:
        for _ in range(_TEARDOWN_THROWS):
            self.resumes += 1
            self.in_model = True
            try:
                rec.context.run(rec.coro.throw, Teardown())
            except (StopIteration, Teardown, Cancelled):
                return
            except (KeyboardInterrupt, SystemExit) as exc:
                self.interrupt = self.interrupt or exc
                return
            except BaseException:
                return
            finally:
                self.in_model = False
        with contextlib.suppress(RuntimeError):  # it ignored GeneratorExit too: nothing to do
            rec.coro.close()

    # ----- results -----------------------------------------------------------------------

    def choices(self) -> tuple[int, ...]:
        return tuple(self.decisions[i][0] for i in sorted(self.decisions))


_ENGINE_FILES = (__file__,)


def _model_traceback(exc: BaseException) -> str:
    """The traceback of a model's exception, without the engine's own frames."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename in _ENGINE_FILES:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb))


_FRAMEWORKS = ("trio", "anyio", "asyncio")


def _foreign_framework(exc: BaseException) -> str | None:
    """``trio.Event.wait`` when ``exc`` is an async framework refusing to run outside its own
    loop (it raised from its own code), else None."""
    if not isinstance(exc, RuntimeError):
        return None
    tb, frames = exc.__traceback__, []
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    inside = [f for f in frames if f.f_globals.get("__name__", "").split(".")[0] in _FRAMEWORKS]
    if not inside:
        return None
    entry = inside[0]
    module = entry.f_globals.get("__name__", "").split(".")[0]
    return f"{module} ({entry.f_code.co_qualname})"


def current_execution() -> Execution:
    execution = _EXECUTION.get()
    if execution is None:
        raise RuntimeError("this call needs a running explorer model (inside explorer.run)")
    return execution
