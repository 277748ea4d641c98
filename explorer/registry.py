"""The models a trace may name: those registered under the ``race_explorer.models`` entry point.

Invariant: a trace file is data; loading it never imports code beyond the registered models.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib.metadata import entry_points

from explorer.errors import UnknownModelError
from explorer.model import Model

GROUP = "race_explorer.models"


def _as_models(obj: object) -> Iterable[Model]:
    if isinstance(obj, Model):
        return (obj,)
    if isinstance(obj, Iterable):
        return tuple(m for m in obj if isinstance(m, Model))
    return ()


@cache
def all_models() -> dict[str, Model]:
    """Every registered model by name, in name order."""
    found: dict[str, Model] = {}
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        for model in _as_models(ep.load()):
            found[model.name] = model
    return dict(sorted(found.items()))


def get_model(name: str) -> Model:
    models = all_models()
    if name not in models:
        known = ", ".join(models) or "none"
        raise UnknownModelError(f"unknown model {name!r} (registered: {known})")
    return models[name]
