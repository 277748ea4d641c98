"""race-explorer: property-based search for races in models of concurrent code.

The public API for writing a model is re-exported here: scheduling points, tasks, virtual
time, engine-aware synchronisation, invariants, and running a model.
"""

from explorer._cancel import Cancelled, CancelScope
from explorer.errors import (
    ExplorerInternalError,
    NondeterministicModelError,
    ReplayDivergedError,
    TraceFormatError,
    UnknownModelError,
    UserError,
)
from explorer.exploration import Exploration, Finding, SearchSettings, explore
from explorer.model import Invariant, Model, invariant
from explorer.native.api import NativeRun, run_trio
from explorer.native.testing import TrioRaceFound, explore_trio
from explorer.observing import event, note, target
from explorer.pytest_searches import (
    KnownRaces,
    RaceFound,
    RaceNotFound,
    Search,
    VerificationIncomplete,
    search,
)
from explorer.records import Decision, Outcome, OutcomeKind, Settings, Step, Trace
from explorer.runner import RunResult, run
from explorer.runtime import (
    Footprint,
    TaskHandle,
    Waker,
    block,
    call_later,
    current_task,
    now,
    point,
    spawn,
    wait_until,
    waker,
)
from explorer.sync import (
    Event,
    Lock,
    Queue,
    QueueClosed,
    TooSlowError,
    WaitQueue,
    fail_after,
    move_on_after,
    sleep,
)

__all__ = [
    "CancelScope",
    "Cancelled",
    "Decision",
    "Event",
    "Exploration",
    "ExplorerInternalError",
    "Finding",
    "Footprint",
    "Invariant",
    "KnownRaces",
    "Lock",
    "Model",
    "NativeRun",
    "NondeterministicModelError",
    "Outcome",
    "OutcomeKind",
    "Queue",
    "QueueClosed",
    "RaceFound",
    "RaceNotFound",
    "ReplayDivergedError",
    "RunResult",
    "Search",
    "SearchSettings",
    "Settings",
    "Step",
    "TaskHandle",
    "TooSlowError",
    "Trace",
    "TraceFormatError",
    "TrioRaceFound",
    "UnknownModelError",
    "UserError",
    "VerificationIncomplete",
    "WaitQueue",
    "Waker",
    "block",
    "call_later",
    "current_task",
    "event",
    "explore",
    "explore_trio",
    "fail_after",
    "invariant",
    "move_on_after",
    "note",
    "now",
    "point",
    "run",
    "run_trio",
    "search",
    "sleep",
    "spawn",
    "target",
    "wait_until",
    "waker",
]
