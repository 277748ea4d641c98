"""The options a search runs with, as one frozen record built from pytest's configuration.

Invariant: a search reads its options only from the record it is handed (or the defaults);
the pytest plugin builds one per session from the command line, ``[tool.race-explorer]`` and
the active Hypothesis profile, and keeps nothing that one search could leave for the next.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import hypothesis

from explorer.records import TimerPolicy

#: A search's declared budget is for a profile of this many examples; others scale it.
BASE_EXAMPLES = 100


@attrs.frozen
class SearchOptions:
    """What the person running the searches chose.

    ``reports``: where findings are written (None: nowhere). ``examples``: every search's
    budget (None: each search's own, scaled by the profile). ``seed``: seed every search (the
    example database is then not used). ``source``: which schedules to draw. ``replay``: a
    saved trace to replay in the search of its model and variant instead of searching.
    ``timers``: every search's timer policy (None: each search's own). ``progress``: called as
    a search runs (for a progress line).
    """

    reports: Path | None = None
    examples: int | None = None
    seed: int | None = None
    source: str = "hypothesis"
    replay: Path | None = None
    timers: TimerPolicy | None = None
    progress: Callable[[str, int, int, tuple[str, ...]], None] | None = attrs.field(
        default=None, eq=False)
    profile: hypothesis.settings | None = attrs.field(default=None, eq=False)

    def budget(self, declared: int) -> int:
        """A search's examples: ``--explorer-examples``, else its declared budget scaled by the
        active profile's ``max_examples`` (100 means as declared)."""
        if self.examples is not None:
            return self.examples
        profile = self.profile or hypothesis.settings()
        return max(1, round(declared * profile.max_examples / BASE_EXAMPLES))

    def active_profile(self) -> hypothesis.settings:
        return self.profile or hypothesis.settings()


def defaults() -> SearchOptions:
    """Options for a search run outside pytest: findings are not written anywhere."""
    return SearchOptions()


def describe(options: SearchOptions) -> dict[str, Any]:
    """The options as plain data, for the summary of a run."""
    return {"examples": options.examples, "seed": options.seed, "source": options.source,
            "timers": options.timers}
