"""Learning-rate schedules: the rate for each epoch, from the optimizer's own rate.

``epoch`` counts from 0 over the network's life, so the first epoch of a new
network uses ``base_lr`` itself in every schedule here, and a resumed run
continues where it stopped.
"""

from __future__ import annotations

import math

from smolml_core import ConfigError, Schedule

__all__ = ["Constant", "CosineDecay", "ExponentialDecay", "StepDecay"]


class Constant(Schedule):
    """lr = base_lr, every epoch (the same as no schedule, but logged by name)."""

    def __call__(self, epoch: int, base_lr: float) -> float:
        return base_lr


class StepDecay(Schedule):
    """lr = base_lr * factor^floor(epoch / every): the rate drops by ``factor`` every ``every`` epochs."""

    def __init__(self, every: int = 10, factor: float = 0.5) -> None:
        _check_whole(every, "every")
        _check_fraction(factor, "factor")
        self.every = every
        self.factor = factor

    def __call__(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.factor ** (epoch // self.every)


class ExponentialDecay(Schedule):
    """lr = base_lr * decay_rate^epoch: a little smaller every epoch."""

    def __init__(self, decay_rate: float = 0.95) -> None:
        _check_fraction(decay_rate, "decay_rate")
        self.decay_rate = decay_rate

    def __call__(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.decay_rate**epoch


class CosineDecay(Schedule):
    """lr = min_lr + (base_lr - min_lr) * (1 + cos(pi * t)) / 2, with t = min(epoch / epochs, 1).

    Half a cosine wave from ``base_lr`` down to ``min_lr`` over ``epochs``
    epochs, then ``min_lr``: slow at first, fastest midway, gentle at the end.
    """

    def __init__(self, epochs: int = 100, min_lr: float = 0.0) -> None:
        _check_whole(epochs, "epochs")
        if isinstance(min_lr, bool) or not isinstance(min_lr, (int, float)) or not 0 <= min_lr < math.inf:
            raise ConfigError(f"must be a finite number >= 0, got {min_lr!r}", path=("min_lr",))
        self.epochs = epochs
        self.min_lr = min_lr

    def __call__(self, epoch: int, base_lr: float) -> float:
        t = min(epoch / self.epochs, 1.0)
        return self.min_lr + (base_lr - self.min_lr) * (1 + math.cos(math.pi * t)) / 2


def _check_whole(value: object, name: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigError(f"must be a whole number >= 1, got {value!r}", path=(name,))


def _check_fraction(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
        raise ConfigError(f"must be a number in (0, 1], got {value!r}", path=(name,))
