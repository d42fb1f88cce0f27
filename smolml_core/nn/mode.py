"""Training mode: whether layers are running inside a training step.

Most layers compute the same thing whenever they run. A few behave differently
while the network learns: dropout zeroes random activations only then, batch
normalisation uses the batch's statistics only then. Such a layer asks
``is_training()`` in its ``forward``. ``NeuralNetwork.train`` turns the mode on
for every training step; prediction, evaluation and validation run with it
off, so their results do not depend on chance.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["is_training", "training_mode"]

_training: ContextVar[bool] = ContextVar("smolml_training", default=False)


def is_training() -> bool:
    """True inside a training step (or a ``training_mode()`` block), False otherwise."""
    return _training.get()


@contextmanager
def training_mode(enabled: bool = True) -> Iterator[None]:
    """Run the ``with`` block in training mode (or, with ``enabled=False``, out of it), then restore the mode."""
    token = _training.set(bool(enabled))
    try:
        yield
    finally:
        _training.reset(token)
