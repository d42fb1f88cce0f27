"""One random generator for everything SmolML draws, so one seed makes a run repeatable."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

__all__ = ["generator_in_use", "get_rng", "set_seed"]

_generator = np.random.default_rng()
_in_this_thread = threading.local()
"""``generator``: the one ``generator_in_use`` put in place for this thread, if any."""


def set_seed(seed: int | None) -> None:
    """Restart the generator behind ``randn`` and every initializer from ``seed``.

    The same seed gives the same initial weights, hence the same training run.
    ``None`` draws fresh entropy from the operating system.
    """
    global _generator
    _generator = np.random.default_rng(seed)


def get_rng() -> np.random.Generator:
    """The generator components should draw from (never keep it: ``set_seed`` replaces it)."""
    generator: np.random.Generator | None = getattr(_in_this_thread, "generator", None)
    return _generator if generator is None else generator


@contextmanager
def generator_in_use(generator: np.random.Generator) -> Iterator[np.random.Generator]:
    """Make ``generator`` the one ``get_rng()`` returns in this thread inside the block.

    An object that keeps its own random stream (a scikit-learn estimator and its
    ``random_state``) draws from it this way, leaving everyone else's untouched:
    other threads, and this one after the block, see the generator they saw before.
    ``set_seed`` inside the block reseeds the global generator, not this one.
    """
    previous = getattr(_in_this_thread, "generator", None)
    _in_this_thread.generator = generator
    try:
        yield generator
    finally:
        _in_this_thread.generator = previous
