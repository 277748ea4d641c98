"""What a failing search says: each finding in a few lines a person can act on.

Invariant: a message is a pure function of the finding (its trace and search statistics), the
model (for the invariant's meaning and how to name it for a replay) and where its files went;
it always ends with the command that replays the finding when one was saved.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from explorer.model import Model
from explorer.records import Trace
from explorer.registry import replay_option
from explorer.report.keysteps import render_key_steps
from explorer.report.save import invariant_doc
from explorer.report.summary import summary_text

if TYPE_CHECKING:
    from explorer.exploration import Exploration, Finding


def early_timer_note(trace: Trace) -> str | None:
    """"the timer X fired while N tasks could still run, Ts early" for a finding that needed
    it, else None."""
    notes = []
    for step in trace.steps:
        decision = step.decision
        if decision is None or not decision.is_early_timer or step.index + 1 >= len(trace.steps):
            continue
        fired = trace.steps[step.index + 1]
        runnable = decision.count - 1
        passed = fired.time - step.time
        notes.append(f"the timer {fired.detail!r} fired while {runnable} task(s) could still run"
                     f" ({passed:g}s of virtual time passed over them)")
    if not notes:
        return None
    return ("needs a timer to fire early (a stalled thread): " + "; ".join(notes)
            + " — it does not happen under the idle timer policy")


def failure_message(finding: Finding, model: Model | None,
                    saved: tuple[Path, Path] | None) -> str:
    """The finding: headline, how it was found and shrunk, the minimal trace, its files and
    the command that replays it."""
    trace, stats = finding.trace, finding.stats
    found = ("found first in the example database (it was found before"
             f" after {stats.examples_to_first_failure} examples)" if finding.from_database
             else f"found after {stats.examples_to_first_failure} examples")
    if finding.bound is not None:
        found = (f"found by verification at bound {finding.bound} (no schedule with fewer "
                 f"preemptions fails), at schedule {stats.examples_to_first_failure}")
    lines = [
        f"{finding.key}: {trace.outcome.headline()}",
        summary_text(trace, invariant_doc(model, trace)),
        f"{found}; shrunk from {stats.first_steps} steps / {stats.first_preemptions} "
        f"preemptions to {stats.final_steps} steps / {stats.final_preemptions} preemptions",
    ]
    note = early_timer_note(trace)
    if note is not None:
        lines.append(note)
    lines += [f"scenario: {json.dumps(trace.scenario)}", "key steps:", render_key_steps(trace)]
    if saved is not None:
        json_path, md_path = saved
        lines += [f"report: {md_path}", f"trace:  {json_path}",
                  f"replay: python -m explorer replay {json_path}{replay_option(model)}"]
    return "\n".join(lines)


def missing_message(exploration: Exploration, missing: Sequence[str],
                    expect: Mapping[str, str]) -> str:
    """A known race the search no longer finds."""
    lines = [f"search {exploration.name} did not find {len(missing)} race(s) it is expected "
             f"to find, in {exploration.examples} examples:"]
    lines += [f"  {key} ({expect[key]})" for key in missing]
    lines.append(exploration.summary())
    return "\n".join(lines)
