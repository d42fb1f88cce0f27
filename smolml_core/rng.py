"""One random generator for everything SmolML draws, so one seed makes a run repeatable."""

from __future__ import annotations

import numpy as np

__all__ = ["get_rng", "set_seed"]

_generator = np.random.default_rng()


def set_seed(seed: int | None) -> None:
    """Restart the generator behind ``randn`` and every initializer from ``seed``.

    The same seed gives the same initial weights, hence the same training run.
    ``None`` draws fresh entropy from the operating system.
    """
    global _generator
    _generator = np.random.default_rng(seed)


def get_rng() -> np.random.Generator:
    """The generator components should draw from (never keep it: ``set_seed`` replaces it)."""
    return _generator
