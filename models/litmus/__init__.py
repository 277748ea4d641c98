"""The litmus corpus: small models with one known race (or outcome) each, for testing the engine
and the searches.

Invariant: every model here is registered in ``MODELS`` under a unique ``litmus.*`` name, and
every one except ``litmus.nondeterministic`` is a pure function of its variant and choices.
"""

from __future__ import annotations

from explorer import Model
from models.litmus import (
    cancel_window,
    crash,
    early_timeout,
    lock_order,
    lost_update,
    nondeterministic,
    order_violation,
    spin,
    unset_event,
)

MODELS: list[Model] = [
    lost_update.MODEL,
    lock_order.MODEL,
    unset_event.MODEL,
    early_timeout.MODEL,
    cancel_window.MODEL,
    order_violation.MODEL,
    spin.MODEL,
    crash.MODEL,
    nondeterministic.MODEL,
]

__all__ = ["MODELS"]
