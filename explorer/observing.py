"""``note``, ``event`` and ``target`` for models and invariants, wherever they run.

Invariant: inside a Hypothesis example (a search's examples) each call reaches Hypothesis
(``hypothesis.note``/``event``/``target``: statistics, notes on failure, targeted search); in
a run outside Hypothesis (shrinking, replay, the CLI) it changes nothing, so a model that uses
them runs the same everywhere. None of them ever raises into the model: ``target`` may be
called any number of times per run, and the run's highest observation per label is what
reaches Hypothesis, once, when the run is over.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import hypothesis
from hypothesis.control import currently_in_test_context

#: The highest observation per label of the run in progress (None outside a search's run).
_TARGETS: ContextVar[dict[str, float] | None] = ContextVar("race_explorer_targets",
                                                            default=None)


def note(value: object) -> None:
    """Shown with a failing Hypothesis example (``hypothesis.note``)."""
    if currently_in_test_context():
        hypothesis.note(value)


def event(value: str, payload: str | int | float = "") -> None:
    """Counted in ``--hypothesis-show-statistics`` (``hypothesis.event``)."""
    if currently_in_test_context():
        hypothesis.event(value, payload)


def target(observation: int | float, *, label: str = "") -> None:
    """Steer the search toward larger ``observation`` (``hypothesis.target``): the highest
    of a run's observations under each label counts."""
    targets = _TARGETS.get()
    if targets is not None:
        targets[label] = max(targets.get(label, float("-inf")), float(observation))


@contextmanager
def run_targets() -> Iterator[None]:
    """Around one run of a search's example: collect its targets, then hand each label's
    highest to Hypothesis (in label order)."""
    targets: dict[str, float] = {}
    token = _TARGETS.set(targets)
    try:
        yield
    finally:
        _TARGETS.reset(token)
    if currently_in_test_context():
        for label in sorted(targets):
            hypothesis.target(targets[label], label=label)
