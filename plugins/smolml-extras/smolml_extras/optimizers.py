"""Optimizers: RMSprop and AdamW.

Each changes the parameter's numpy array in place and keeps its running
buffers in the per-parameter ``state`` dict that ``smolml_core.Optimizer``
hands it (``state["step"]`` counts that parameter's updates from 1). The
update rules and defaults are PyTorch's, so results can be compared one to one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from smolml_core import Optimizer, validation

__all__ = ["AdamW", "RMSprop"]


class RMSprop(Optimizer):
    """RMSprop: divide each step by a running root mean square of the gradients.

    s <- rho s + (1 - rho) g^2
    theta <- theta - lr g / (sqrt(s) + epsilon)

    s starts at 0. epsilon is added outside the square root, and there is no
    momentum and no centring: ``torch.optim.RMSprop`` with its ``alpha`` = rho
    and defaults. Parameters whose gradients have been large take smaller
    steps, but unlike AdaGrad the memory fades, so steps do not shrink forever.
    """

    def __init__(self, learning_rate: float = 0.001, rho: float = 0.9, epsilon: float = 1e-8) -> None:
        super().__init__(learning_rate)
        self.rho = validation.fraction(rho, "rho")
        self.epsilon = validation.positive(epsilon, "epsilon")

    def step(self, value: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        square_avg = _buffer(state, "square_avg", value)
        square_avg *= self.rho
        square_avg += (1 - self.rho) * grad * grad
        denominator = np.sqrt(square_avg)
        denominator += self.epsilon
        value -= self.learning_rate * grad / denominator


class AdamW(Optimizer):
    """Adam with decoupled weight decay (Loshchilov and Hutter), at step t:

    theta <- theta - lr lambda theta                       (the decay, apart from the gradient)
    m <- b1 m + (1 - b1) g;  v <- b2 v + (1 - b2) g^2
    theta <- theta - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + epsilon)

    with b1 = ``exp_decay_gradients``, b2 = ``exp_decay_squared`` (named as in
    the standard Adam) and lambda = ``weight_decay``. Adding lambda theta to the
    gradient instead would let Adam's per-parameter scaling weaken the decay
    exactly where gradients are large; decoupled, every weight shrinks by the
    same factor 1 - lr lambda per step. Defaults and order of operations are
    those of ``torch.optim.AdamW`` (lr 0.001, betas (0.9, 0.999), eps 1e-8,
    weight_decay 0.01). The decay applies to every parameter the optimizer
    updates, biases included, as it does in PyTorch by default.
    """

    def __init__(
        self,
        learning_rate: float = 0.001,
        exp_decay_gradients: float = 0.9,
        exp_decay_squared: float = 0.999,
        epsilon: float = 1e-8,
        weight_decay: float = 0.01,
    ) -> None:
        super().__init__(learning_rate)
        self.exp_decay_gradients = validation.fraction(exp_decay_gradients, "exp_decay_gradients")
        self.exp_decay_squared = validation.fraction(exp_decay_squared, "exp_decay_squared")
        self.epsilon = validation.positive(epsilon, "epsilon")
        self.weight_decay = validation.non_negative(weight_decay, "weight_decay")

    def step(self, value: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        b1, b2, t = self.exp_decay_gradients, self.exp_decay_squared, state["step"]
        if self.weight_decay:
            value *= 1 - self.learning_rate * self.weight_decay
        m = _buffer(state, "exp_avg", value)
        v = _buffer(state, "exp_avg_sq", value)
        m *= b1
        m += (1 - b1) * grad
        v *= b2
        v += (1 - b2) * grad * grad
        denominator = np.sqrt(v)  # sqrt(v_hat) + epsilon, with v_hat = v / (1 - b2^t)
        denominator /= math.sqrt(1 - b2**t)
        denominator += self.epsilon
        value -= (self.learning_rate / (1 - b1**t)) * m / denominator  # m_hat = m / (1 - b1^t)


def _buffer(state: dict[str, Any], name: str, like: np.ndarray) -> np.ndarray:
    """The state buffer ``name``: zeros shaped like ``like``, made on the first step only."""
    buffer = state.get(name)
    if buffer is None:
        buffer = state[name] = np.zeros_like(like)
    return buffer
