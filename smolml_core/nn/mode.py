"""Training mode: whether layers are running inside a training step.

Most layers compute the same thing whenever they run. A few behave differently
while the network learns: dropout zeroes random activations only then, batch
normalisation uses the batch's statistics only then. Such a layer asks
``is_training()`` in its ``forward``. ``NeuralNetwork.train`` turns the mode on
for every training step; prediction, evaluation and validation run with it
off, so their results do not depend on chance.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, ContextDecorator
from contextvars import ContextVar, Token

__all__ = ["is_training", "training_mode"]

_training: ContextVar[bool] = ContextVar("smolml_training", default=False)


def is_training() -> bool:
    """True inside a training step (or a ``training_mode()`` block), False otherwise."""
    return _training.get()


def training_mode(enabled: bool = True) -> AbstractContextManager[None]:
    """Run the ``with`` block in training mode (or, with ``enabled=False``, out of it), then restore the mode."""
    return _Mode(bool(enabled))


class _Mode(ContextDecorator):
    """What ``training_mode`` returns: a plain class rather than a generator, as every training step enters one."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.tokens: list[Token[bool]] = []  # a stack, so the same object can be entered again inside itself

    def __enter__(self) -> None:
        self.tokens.append(_training.set(self.enabled))

    def __exit__(self, *exc_info: object) -> None:
        _training.reset(self.tokens.pop())
