"""Choice sources, one module each: every one answers "which option runs next?".

Invariant: a source is a pure function of its own inputs and the options it is shown; the
engine records what it picked, so any run replays from its recorded choices alone.
"""

from explorer.sources.base import ChoiceSource
from explorer.sources.exhaustive import BoundedChoices, PreemptionBounding
from explorer.sources.pct import PCTSource
from explorer.sources.prechosen import PrechosenChoices
from explorer.sources.replay import ReplaySource
from explorer.sources.seeded import SeededRandomSource

__all__ = [
    "BoundedChoices",
    "ChoiceSource",
    "PCTSource",
    "PrechosenChoices",
    "PreemptionBounding",
    "ReplaySource",
    "SeededRandomSource",
]
