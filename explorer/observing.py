"""``note``, ``event`` and ``target`` for models and invariants, wherever they run.

Invariant: inside a Hypothesis example (a search's examples) each call reaches Hypothesis
(``hypothesis.note``/``event``/``target``: statistics, notes on failure, targeted search); in
a run outside Hypothesis (shrinking, replay, the CLI) it changes nothing, so a model that uses
them runs the same everywhere.
"""

from __future__ import annotations

import hypothesis
from hypothesis.control import currently_in_test_context


def note(value: object) -> None:
    """Shown with a failing Hypothesis example (``hypothesis.note``)."""
    if currently_in_test_context():
        hypothesis.note(value)


def event(value: str, payload: str | int | float = "") -> None:
    """Counted in ``--hypothesis-show-statistics`` (``hypothesis.event``)."""
    if currently_in_test_context():
        hypothesis.event(value, payload)


def target(observation: int | float, *, label: str = "") -> None:
    """Steer the search toward larger ``observation`` (``hypothesis.target``); once per
    label per example."""
    if currently_in_test_context():
        hypothesis.target(observation, label=label)
