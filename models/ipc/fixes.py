"""Candidate fixes of the Android client, explored as variants of a model of their own.

Invariant: a candidate fix runs in exactly the world ``proposed`` runs in (same kernel,
backend, module, environment and invariants); only the client class differs. So a search of a
candidate means what a search of ``proposed`` means, and a reviewer can try a change to the
fix (or a deliberately broken copy of it) without touching the flagship's variants.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import explorer
from models.ipc.android.proposed import ProposedIPC


def fix_model(name: str, fixes: Mapping[str, tuple[str, type[ProposedIPC]]]) -> explorer.Model:
    """A model whose variants are ``fixes``: variant name -> (what it is, its client class).

    Each class is used where ``proposed`` uses :class:`ProposedIPC` (usually a subclass of it).
    """
    from models.ipc import DOC
    from models.ipc.environment import main
    from models.ipc.invariants import INVARIANTS
    from models.ipc.world import World

    classes = {variant: cls for variant, (_, cls) in fixes.items()}

    def build(variant: str, scenario: Any) -> World:
        if variant not in classes:
            raise ValueError(f"unknown variant {variant!r} of {name}")
        return World(variant, scenario, client_class=classes[variant])

    variants = tuple((variant, doc) for variant, (doc, _) in fixes.items())
    return explorer.Model(name, DOC, variants=variants, build=build, main=main,
                          invariants=INVARIANTS)
