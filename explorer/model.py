"""How a model describes itself to the engine: variants, a world, a main task, invariants.

Invariant: a ``Model`` is plain data plus pure functions; everything a run needs is built
afresh by ``build`` for every run, so no state leaks from one run into the next.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

import attrs

Check = Callable[[Any], "str | None"]
When = Literal["step", "quiescence"]


@attrs.frozen
class Invariant:
    """A named predicate over the world: ``check(world)`` returns None, or what went wrong.

    ``at="step"`` (safety) is checked after every step; ``at="quiescence"`` when the run comes
    to rest (no task enabled, no timer pending). ``doc`` says what a violation means for a user.
    """

    name: str
    doc: str
    check: Check
    at: When = "step"
    #: The footprint names the check reads (None: anything). The exhaustive search treats
    #: steps that touch them as visible: it never skips an order of two such steps.
    reads: tuple[str, ...] | None = None
    #: The variants the invariant applies to (None: every variant).
    variants: tuple[str, ...] | None = None

    def applies_to(self, variant: str) -> bool:
        return self.variants is None or variant in self.variants


def invariant(*, at: When = "step", name: str | None = None,
              reads: tuple[str, ...] | None = None,
              variants: tuple[str, ...] | None = None) -> Callable[[Check], Invariant]:
    """Decorator: the function's name and docstring become the invariant's name and doc."""

    def wrap(fn: Check) -> Invariant:
        doc = " ".join((fn.__doc__ or "").split())
        return Invariant(name or fn.__name__, doc, fn, at, reads, variants)

    return wrap


@attrs.frozen
class Model:
    """A model: ``build(variant, scenario)`` makes a fresh world, ``main(world)`` runs as task 0.

    ``variants`` maps each variant name to a one-line description, in a stable order.
    ``scenario`` is plain JSON-able data (lists, dicts, strings, numbers) so traces can hold it.
    """

    name: str
    doc: str
    variants: tuple[tuple[str, str], ...]
    build: Callable[[str, Any], Any]
    main: Callable[[Any], Awaitable[None]]
    invariants: tuple[Invariant, ...] = ()
    #: True when the model's code touches shared state only in steps whose starting point
    #: declares it, also right after an explorer primitive returns; the primitives' own
    #: footprints are then used for partial-order reduction (see ``explorer.point``).
    footprints: bool = False

    def variant_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.variants)

    def invariants_for(self, variant: str) -> tuple[Invariant, ...]:
        """The invariants that apply to ``variant``, in the model's order."""
        return tuple(i for i in self.invariants if i.applies_to(variant))

    def invariant_named(self, name: str) -> Invariant:
        for inv in self.invariants:
            if inv.name == name:
                return inv
        raise KeyError(name)
