"""The three kinds of failure, kept apart: findings, user errors, engine bugs.

A finding (a race) is never an exception of this module: it is an ``Outcome`` of a run.
Exceptions here are either the user's fault (bad input, exit status 2) or the engine's.
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input a user can fix: a malformed trace, an unknown model or variant.

    The CLI prints ``str(error)`` as one line and exits with status 2.
    """


class TraceFormatError(UserError):
    """A trace file that cannot be read: not JSON, truncated, wrong schema."""


class UnknownModelError(UserError):
    """A model or variant name that no registered model provides."""


class ReplayDivergedError(UserError):
    """A replayed trace no longer fits the model: the schedule names a task that is not enabled."""

    def __init__(self, step: int, message: str) -> None:
        super().__init__(f"diverged at step {step}: {message}")
        self.step = step


class NondeterministicModelError(Exception):
    """The same model, variant, scenario and choices gave two different traces.

    This is a defect of the model (hidden wall clock, global random, hash order), not a race.
    """

    def __init__(self, step: int, first: str, second: str, cause: str = "") -> None:
        text = (f"model is nondeterministic: runs differ first at step {step}: {first!r} vs "
                f"{second!r}")
        super().__init__(f"{text}; likely cause: {cause}" if cause else text)
        self.step = step

    @classmethod
    def global_random(cls) -> NondeterministicModelError:
        """The model drew from the global ``random`` module (its trace may still repeat)."""
        error = cls(0, "", "")
        error.args = ("model is nondeterministic: it drew from the global random module "
                      "(random.random, random.choice, ...), so its runs depend on state outside "
                      "its input; use a random.Random seeded from the scenario",)
        return error


class ExplorerInternalError(Exception):
    """A bug in the engine itself; never reported as a finding."""


class Teardown(BaseException):
    """Thrown into every parked model task when a run ends, so it unwinds.

    It derives from BaseException so that model code catching ``Exception`` lets it pass.
    """
