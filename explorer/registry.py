"""The models a trace may name: registered ones, and those the user names explicitly.

Invariant: a trace file is data; loading it never imports code. Code is imported only from
what the user named: an entry point of an installed package (``race_explorer.models``), the
``models`` list of the project's ``[tool.race-explorer]``, or a ``--model module:NAME``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterable, Sequence
from importlib.metadata import entry_points

from explorer.errors import UnknownModelError, UserError
from explorer.model import Model

GROUP = "race_explorer.models"


def as_models(obj: object) -> tuple[Model, ...]:
    """A model, or the models in an iterable of them."""
    if isinstance(obj, Model):
        return (obj,)
    if isinstance(obj, Iterable) and not isinstance(obj, str | bytes):
        return tuple(m for m in obj if isinstance(m, Model))
    return ()


def load_reference(reference: str) -> tuple[Model, ...]:
    """The models at ``module:NAME`` (a model or a list of them); a user error otherwise."""
    module_name, _, attribute = reference.partition(":")
    if not module_name or not attribute:
        raise UserError(f"--model {reference!r}: expected module:NAME, e.g. mypkg.models:MODEL")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UserError(f"--model {reference!r}: cannot import {module_name}: {exc}") from None
    try:
        found = getattr(module, attribute)
    except AttributeError:
        raise UserError(f"--model {reference!r}: {module_name} has no {attribute}") from None
    models = as_models(found)
    if not models:
        raise UserError(f"--model {reference!r}: {attribute} is not an explorer.Model "
                        "(or a list of them)")
    return models


def _entry_point_models() -> tuple[dict[str, Model], dict[str, str]]:
    """Models registered by installed packages, and entry points that failed to load.

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
        for model in as_models(loaded):
            found[model.name] = model
    return found, broken


def entry_point_names() -> frozenset[str]:
    """The names of the models installed packages register."""
    return frozenset(_entry_point_models()[0])


class Registry:
    """The models known for one command: entry points, then the project's, then explicit."""

    def __init__(self, references: Sequence[str] = ()) -> None:
        self.models, self.broken = _entry_point_models()
        for reference in references:
            for model in load_reference(reference):
                self.models[model.name] = model

    @classmethod
    def of(cls, models: dict[str, Model]) -> Registry:
        """Exactly these models (for tests and embedding)."""
        made = cls.__new__(cls)
        made.models, made.broken = dict(models), {}
        return made

    def get(self, name: str) -> Model:
        if name not in self.models:
            known = ", ".join(sorted(self.models)) or "none"
            why = "".join(f"; entry point {k} failed to load ({v})"
                          for k, v in sorted(self.broken.items()))
            raise UnknownModelError(
                f"unknown model {name!r} (known: {known}){why}; name the code that defines it "
                "with --model module:NAME, list it under [tool.race-explorer] models, or "
                f"register it under the {GROUP} entry point")
        return self.models[name]

    def all(self) -> dict[str, Model]:
        return dict(sorted(self.models.items()))


def registry(references: Sequence[str] = ()) -> Registry:
    """The models the project in the working folder knows, plus ``references``."""
    from explorer import config

    project = config.load()
    return Registry((*project.models, *references))


def all_models() -> dict[str, Model]:
    """Every model the working folder's project knows, by name, in name order."""
    return registry().all()


def get_model(name: str) -> Model:
    return registry().get(name)


def replay_option(model: Model | None) -> str:
    """`` --model module:NAME`` for a replay command, when the project does not already know
    the model by name (through ``[tool.race-explorer] models`` or an installed entry point)."""
    if model is None:
        return ""
    from explorer import config

    reference = module_reference(model)
    if reference is None or reference in config.load().models:
        return ""
    if model.name in entry_point_names():
        return ""
    return f" --model {reference}"


def module_reference(model: Model) -> str | None:
    """``module:NAME`` of the module attribute that holds the model (or a list of it)."""
    module = sys.modules.get(getattr(model.main, "__module__", ""), None)
    if module is None:
        return None
    for attribute, value in vars(module).items():
        if value is model or (isinstance(value, list | tuple) and model in value):
            return f"{module.__name__}:{attribute}"
    return None
