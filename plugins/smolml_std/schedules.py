"""Learning-rate schedules: the rate for each epoch, from the optimizer's own rate.

``epoch`` counts from 0 over the network's life, so the first epoch of a new
network uses ``base_lr`` itself in every schedule here, and a resumed run
continues where it stopped.
"""

from __future__ import annotations

import math

from smolml_core import Schedule, validation

__all__ = ["Constant", "CosineDecay", "ExponentialDecay", "StepDecay"]


class Constant(Schedule):
    """lr = base_lr, every epoch (the same as no schedule, but logged by name)."""

    def __call__(self, epoch: int, base_lr: float) -> float:
        return base_lr


class StepDecay(Schedule):
    """lr = base_lr * factor^floor(epoch / every): the rate drops by ``factor`` every ``every`` epochs."""

    def __init__(self, every: int = 10, factor: float = 0.5) -> None:
        self.every = validation.whole_number(every, "every")
        self.factor = validation.interval(factor, "factor", "(0, 1]")

    def __call__(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.factor ** (epoch // self.every)


class ExponentialDecay(Schedule):
    """lr = base_lr * decay_rate^epoch: a little smaller every epoch."""

    def __init__(self, decay_rate: float = 0.95) -> None:
        self.decay_rate = validation.interval(decay_rate, "decay_rate", "(0, 1]")

    def __call__(self, epoch: int, base_lr: float) -> float:
        return base_lr * self.decay_rate**epoch


class CosineDecay(Schedule):
    """lr = min_lr + (base_lr - min_lr) * (1 + cos(pi * t)) / 2, with t = min(epoch / epochs, 1).

    Half a cosine wave from ``base_lr`` down to ``min_lr`` over ``epochs``
    epochs, then ``min_lr``: slow at first, fastest midway, gentle at the end.
    """

    def __init__(self, epochs: int = 100, min_lr: float = 0.0) -> None:
        self.epochs = validation.whole_number(epochs, "epochs")
        self.min_lr = validation.non_negative(min_lr, "min_lr")

    def __call__(self, epoch: int, base_lr: float) -> float:
        t = min(epoch / self.epochs, 1.0)
        return self.min_lr + (base_lr - self.min_lr) * (1 + math.cos(math.pi * t)) / 2
