"""Two models that break the determinism rule the way real code does: one iterates a set of
strings (its order follows the process's hash seed), one draws from the global ``random``."""

from __future__ import annotations

import random
from typing import Any

import explorer


async def worker(world: dict[str, Any], name: str) -> None:
    await explorer.point("work", name)


async def set_main(world: dict[str, Any]) -> None:
    names = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta"}
    tasks = [explorer.spawn(worker, world, name, name=name) for name in names]
    for task in tasks:
        await task.join()


async def random_main(world: dict[str, Any]) -> None:
    await explorer.point("draw", f"{random.random():.6f}")


def _model(name: str, main: Any) -> explorer.Model:
    return explorer.Model(name, "breaks the determinism rule", (("v", ""),),
                          lambda variant, scenario: {}, main)


SET_ORDER = _model("test.set-order", set_main)
GLOBAL_RANDOM = _model("test.global-random", random_main)
MODELS = (SET_ORDER, GLOBAL_RANDOM)
