"""Searches declared on a model, run as pytest tests that are real Hypothesis tests.

Invariant: a search test's verdict is a function of what its search found and what the
declaration expects: it passes when it found nothing it was not told about and everything it
must find; a required race makes it a strict xfail that holds only when every required race was
found and nothing unexpected was; anything else fails, saying which finding was unexpected or
which required race went missing. A declaration with ``verify=k`` also requires each of its
``verify_scenarios`` verified to k preemptions: a verification's finding is judged like any
other, and a verification that ran out of budget with nothing found fails the test
(:class:`VerificationIncomplete`, never a pass and never the known-race xfail). Every finding
is saved with its report either way.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import strategies as st

from explorer.exploration import (
    Exploration,
    Finding,
    SearchSettings,
    Target,
    explore,
    inner_test,
)
from explorer.messages import failure_message, missing_message
from explorer.model import Model
from explorer.records import Settings
from explorer.search_options import SearchOptions, defaults
from explorer.search_verification import (
    Requirement,
    run_required,
    shrunk_finding,
    unproven_message,
)
from explorer.sources.hypothesis import Schedule, schedules_named
from explorer.verify import DEFAULT_BUDGET


class RaceFound(AssertionError):
    """A search made a finding its declaration does not expect."""

    def __init__(self, message: str, findings: Sequence[Finding]) -> None:
        super().__init__(message)
        self.findings = tuple(findings)


class RaceNotFound(AssertionError):
    """A search did not make a finding its declaration requires (a known race went missing)."""


class VerificationIncomplete(AssertionError):
    """A verification the declaration requires ran out of budget before covering its bound,
    with nothing found: what was asked to be proven was not."""


class KnownRaces(AssertionError):
    """A search found exactly the races its declaration requires (and perhaps allowed ones):
    what a strict xfail on a known race expects."""

    def __init__(self, message: str, exploration: Exploration) -> None:
        super().__init__(message)
        self.exploration = exploration


@attrs.frozen
class Search:
    """A search on one model variant: what it explores, what it checks, what it must find.

    ``max_examples`` is the budget at Hypothesis's default profile (100 examples); other
    profiles scale it. ``expect`` maps each finding key the search must find
    (``violation:<invariant>``, ``deadlock``, ``crash``, ``step-bound``) to why it is known;
    ``allow`` maps keys it may find without failing (a race of this variant that another
    search is about); an allowed finding is named in the summary but not shrunk or saved
    (the search it is about does that) unless ``shrink_allowed``. ``invariants`` restricts
    what is checked (default: every invariant of the variant; restricting hides races, so say
    why if you do).

    ``verify=k`` requires every schedule of each of ``verify_scenarios`` (default: the one
    scenario ``None``, for a search that draws none) up to k preemptions to run, after the
    examples, within ``verify_budget`` schedules per scenario; the summary line says what was
    proven (``complete to k preemptions: N schedules (M pruned)``), and a verification that
    could not finish fails the test (see the module doc).
    """

    model: Model
    variant: str
    name: str = ""
    scenarios: st.SearchStrategy[Any] | None = None
    schedules: st.SearchStrategy[Schedule] | None = None
    invariants: tuple[str, ...] | None = None
    max_examples: int = 100
    settings: Settings = attrs.field(factory=Settings)
    expect: Mapping[str, str] = attrs.field(factory=dict)
    allow: Mapping[str, str] = attrs.field(factory=dict)
    derandomize: bool = False
    verify: int | None = None
    verify_scenarios: tuple[Any, ...] = attrs.field(default=(), converter=tuple)
    verify_budget: int = DEFAULT_BUDGET
    shrink_allowed: bool = False
    _test: Any = attrs.field(init=False, default=None, eq=False, repr=False)
    _requirement: Requirement | None = attrs.field(init=False, default=None, eq=False,
                                                   repr=False)

    def __attrs_post_init__(self) -> None:
        if not self.name:
            object.__setattr__(self, "name", f"{self.model.name}-{self.variant}")
        overlap = sorted(set(self.expect) & set(self.allow))
        if overlap:
            raise ValueError(f"search {self.name}: {', '.join(overlap)} both expected and allowed")
        object.__setattr__(self, "_test", inner_test(
            self.name, self.scenarios, self.schedules, self._standalone_target))
        object.__setattr__(self, "_requirement", self._required())

    def _required(self) -> Requirement | None:
        if self.verify is None:
            if self.verify_scenarios:
                raise ValueError(f"search {self.name}: verify_scenarios given without verify=K")
            return None
        scenarios = self.verify_scenarios
        if not scenarios and self.scenarios is None:
            scenarios = (None,)
        try:
            return Requirement(self.verify, scenarios, self.verify_budget)
        except ValueError as exc:
            raise ValueError(f"search {self.name}: {exc}") from None

    def _standalone_target(self) -> Target:
        return Target(self.model, self.variant, self.settings, self.invariants)

    def judged(self, key: str) -> bool:
        """Whether the verdict is about findings of ``key`` (required, or not known at all),
        so that they are shrunk; an allowed key is only named."""
        return key in self.expect or key not in self.allow

    @property
    def known(self) -> frozenset[str]:
        return frozenset(self.expect) | frozenset(self.allow)

    def search_settings(self, options: SearchOptions) -> SearchSettings:
        run = self.settings if options.timers is None else attrs.evolve(
            self.settings, timers=options.timers)
        profile = options.active_profile()
        derandomize = (self.derandomize or profile.derandomize) and options.seed is None
        return SearchSettings(max_examples=options.budget(self.max_examples), seed=options.seed,
                              derandomize=derandomize, database=profile.database, run=run,
                              base=profile)

    def explore(self, options: SearchOptions | None = None,
                shrink: Callable[[str], bool] | None = None) -> Exploration:
        """Run the search (no verdict): every distinct finding (or those ``shrink`` picks),
        shrunk."""
        options = options or defaults()
        strategy = self.schedules
        if options.source != "hypothesis":
            strategy = schedules_named(options.source)
        progress = None
        if options.progress is not None:
            report = options.progress
            progress = lambda tally: report(self.name, tally.examples,  # noqa: E731
                                            self.search_settings(options).max_examples,
                                            tuple(tally.seen))
        test = self._test if strategy is self.schedules else None
        settings = self.search_settings(options)
        exploration = explore(self.model, self.variant, name=self.name,
                              scenarios=self.scenarios, schedules=strategy,
                              invariants=self.invariants, settings=settings,
                              progress=progress, test=test, shrink=shrink)
        return self._verified(exploration, settings.run)

    def _verified(self, exploration: Exploration, run: Settings) -> Exploration:
        """The exploration with the required verifications, and their findings of keys the
        examples did not find."""
        if self._requirement is None:
            return exploration
        verifications = run_required(self.model, self.variant, self._requirement, run,
                                     self.invariants)
        target = Target(self.model, self.variant, run, self.invariants)
        found = set(exploration.keys)
        extra = []
        for verified in verifications:
            trace = verified.result.finding
            if trace is not None and trace.outcome.key not in found:
                found.add(trace.outcome.key)
                extra.append(shrunk_finding(self.name, target, verified))
        return attrs.evolve(exploration, findings=exploration.findings + tuple(extra),
                            verifications=verifications)

    @property
    def hypothesis_test(self) -> Any:
        """The Hypothesis test behind this search (one per declaration)."""
        return self._test

    def run(self, options: SearchOptions | None = None,
            record: Callable[[Exploration], object] | None = None) -> Exploration:
        """Search, save every finding, and raise the verdict (see the module doc).

        ``record`` is called with what was explored before the verdict is raised.
        """
        options = options or defaults()
        if options.replay is not None:
            from explorer.replaying import replay_in_search

            exploration = replay_in_search(self, options)
        else:
            exploration = self.explore(options, None if self.shrink_allowed else self.judged)
        if record is not None:
            record(exploration)
        if exploration.examples == 0 and options.replay is None:
            raise AssertionError(f"search {self.name} ran no example")
        judge(self, exploration, options)
        return exploration

    def test(self, body: Callable[..., object] | None = None) -> Callable[..., None]:
        """A pytest test function for this search (see :func:`search`)."""
        return _test_function(self, body)


def judge(spec: Search, exploration: Exploration, options: SearchOptions) -> None:
    """Raise the search's verdict; return when it passes."""
    saved = {f.key: _save(spec, f, options.reports) for f in exploration.findings}
    found = set(exploration.keys)
    unexpected = [f for f in exploration.findings if f.key not in spec.known]
    if unexpected:
        text = "\n\n".join(failure_message(f, spec.model, saved[f.key]) for f in unexpected)
        raise RaceFound(f"{exploration.summary()}\n\n{text}", unexpected)
    if options.replay is None and exploration.unproven:
        raise VerificationIncomplete(f"{exploration.summary()}\n\n"
                                     f"{unproven_message(spec.name, exploration.unproven)}")
    missing = [key for key in spec.expect if key not in found]
    if options.replay is None and missing:
        raise RaceNotFound(missing_message(exploration, missing, spec.expect))
    if (options.replay is None and spec.expect) or (options.replay is not None and (
            found & set(spec.expect))):
        raise KnownRaces(exploration.summary(), exploration)


def _save(spec: Search, finding: Finding, reports: Path | None) -> tuple[Path, Path] | None:
    if reports is None:
        return None
    from explorer.report.save import save_finding

    try:
        return save_finding(reports, spec.name, finding.trace, finding.stats, model=spec.model)
    except OSError as exc:
        import warnings

        with warnings.catch_warnings():  # a warning, never an error: the verdict stays
            warnings.simplefilter("always", SearchWarning)
            warnings.warn(f"race-explorer could not write the report of {finding.key} to "
                          f"{reports}: {exc.strerror or exc}", SearchWarning, stacklevel=2)
        return None


class SearchWarning(UserWarning):
    """Something about a search that does not change its verdict (a report it could not save)."""


def _test_function(spec: Search, body: Callable[..., object] | None) -> Callable[..., None]:
    """A test pytest collects and Hypothesis recognises (statistics, fuzzers).

    It asks for no fixture but the body's, so a fuzzer that skips tests with fixtures collects
    it; the plugin runs it with the session's options (``race_explorer_run``), and a direct
    call runs it with the defaults. Its ``.hypothesis.inner_test`` is one example of the search.
    """
    fixtures = list(inspect.signature(body).parameters)[1:] if body is not None else []

    def run(options: SearchOptions, arguments: Mapping[str, object],
            record: Callable[[Exploration], object] | None = None) -> None:
        exploration = spec.run(options, record)
        if body is not None:
            body(exploration, **arguments)

    def test(**kwargs: Any) -> None:
        run(defaults(), kwargs)

    parameters = [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY) for n in fixtures]
    test.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    test.__name__ = body.__name__ if body is not None else f"test_{_identifier(spec.name)}"
    test.__qualname__ = test.__name__
    test.__doc__ = (body.__doc__ if body is not None and body.__doc__
                    else f"race-explorer search {spec.name}")
    test.__module__ = body.__module__ if body is not None else __name__
    inner = spec.hypothesis_test
    test.is_hypothesis_test = True  # type: ignore[attr-defined]
    test.hypothesis = inner.hypothesis  # type: ignore[attr-defined]
    test._hypothesis_internal_use_settings = inner._hypothesis_internal_use_settings  # type: ignore[attr-defined]
    test.race_explorer_search = spec  # type: ignore[attr-defined]
    test.race_explorer_run = run  # type: ignore[attr-defined]
    if spec.expect:
        reason = "; ".join(f"{k}: {v}" for k, v in spec.expect.items())
        test.pytestmark = [pytest.mark.xfail(raises=KnownRaces, strict=True,  # type: ignore[attr-defined]
                                             reason=reason)]
    return test


def _identifier(name: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in name)


def search(model: Model, variant: str, **fields: Any) -> Callable[[Callable[..., object]],
                                                                    Callable[..., None]]:
    """Decorator: turn ``def test_x(exploration, *fixtures)`` into a search test.

    The search runs first (its verdict as :class:`Search` describes); when it passes, the
    decorated function is called with the :class:`~explorer.exploration.Exploration` and any
    pytest fixtures it names, for further assertions. Fields are those of :class:`Search`.
    """

    def wrap(body: Callable[..., object]) -> Callable[..., None]:
        return Search(model, variant, **fields).test(body)

    return wrap
