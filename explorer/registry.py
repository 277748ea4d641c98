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
def _load() -> tuple[dict[str, Model], dict[str, str]]:
    """Registered models by name, and entry points that failed to load with why.

    A broken entry point costs only its own models: the others stay usable.
    """
    found: dict[str, Model] = {}
    broken: dict[str, str] = {}
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        try:
            loaded = ep.load()
        except Exception as exc:
            broken[ep.name] = f"{type(exc).__name__}: {exc}"
            continue
        for model in _as_models(loaded):
            found[model.name] = model
    return dict(sorted(found.items())), broken


def all_models() -> dict[str, Model]:
    """Every registered model by name, in name order."""
    return _load()[0]


def get_model(name: str) -> Model:
    models = all_models()
    if name not in models:
        broken = _load()[1]
        known = ", ".join(models) or "none"
        why = "".join(f"; entry point {k} failed to load ({v})" for k, v in broken.items())
        raise UnknownModelError(f"unknown model {name!r} (registered: {known}){why}")
    return models[name]
