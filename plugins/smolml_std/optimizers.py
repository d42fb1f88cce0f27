"""Optimizers: how each parameter moves, given its gradient g.

Each updates the parameter array in place and keeps its buffers in the
per-parameter ``state`` dict (see ``smolml_core.Optimizer``). Parameter names
and defaults follow the tutorial.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from smolml_core import Optimizer, validation

__all__ = ["SGD", "AdaGrad", "Adam", "SGDMomentum"]


class SGD(Optimizer):
    """Stochastic gradient descent: theta <- theta - lr * g."""

    def step(self, value: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        value -= self.learning_rate * grad


class SGDMomentum(Optimizer):
    """Gradient descent with momentum: v <- beta*v + lr*g; theta <- theta - v.

    The velocity v keeps moving in directions where gradients agree.
    """

    def __init__(self, learning_rate: float = 0.01, momentum_coefficient: float = 0.9) -> None:
        super().__init__(learning_rate)
        self.momentum_coefficient = validation.fraction(momentum_coefficient, "momentum_coefficient")

    def step(self, value: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        velocity = _buffer(state, "velocity", value)
        velocity *= self.momentum_coefficient
        velocity += self.learning_rate * grad
        value -= velocity


class AdaGrad(Optimizer):
    """Adaptive gradient: G <- G + g^2; theta <- theta - lr * g / sqrt(G + epsilon).

    Parameters that received large gradients so far take smaller steps.
    """

    def __init__(self, learning_rate: float = 0.01, epsilon: float = 1e-8) -> None:
        super().__init__(learning_rate)
        self.epsilon = validation.positive(epsilon, "epsilon")

    def step(self, value: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        squared = _buffer(state, "squared_gradients", value)
        squared += grad * grad
        value -= self.learning_rate * grad / np.sqrt(squared + self.epsilon)


class Adam(Optimizer):
    """Adaptive moment estimation, with bias correction at step t:

    m <- b1*m + (1-b1)*g;  v <- b2*v + (1-b2)*g^2
    theta <- theta - lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + epsilon)

    with b1 = ``exp_decay_gradients`` and b2 = ``exp_decay_squared``. Each
    parameter counts its own steps t, so every layer is corrected alike.
    """

    def __init__(
        self,
        learning_rate: float = 0.01,
        exp_decay_gradients: float = 0.9,
        exp_decay_squared: float = 0.999,
        epsilon: float = 1e-8,
    ) -> None:
        super().__init__(learning_rate)
        self.exp_decay_gradients = validation.fraction(exp_decay_gradients, "exp_decay_gradients")
        self.exp_decay_squared = validation.fraction(exp_decay_squared, "exp_decay_squared")
        self.epsilon = validation.positive(epsilon, "epsilon")

    def step(self, value: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        b1, b2, t = self.exp_decay_gradients, self.exp_decay_squared, state["step"]
        m = _buffer(state, "gradients_momentum", value)
        v = _buffer(state, "squared_gradients_momentum", value)
        m *= b1
        m += (1 - b1) * grad
        v *= b2
        v += (1 - b2) * grad * grad
        denominator = np.sqrt(v / (1 - b2**t))  # sqrt(v_hat) + epsilon, built in place
        denominator += self.epsilon
        step = m / (1 - b1**t)  # m_hat, then lr * m_hat / denominator, in place
        step *= self.learning_rate
        step /= denominator
        value -= step


def _buffer(state: dict[str, Any], name: str, like: np.ndarray) -> np.ndarray:
    """The state buffer ``name``, made of zeros shaped like ``like`` on the first step only."""
    buffer = state.get(name)
    if buffer is None:
        buffer = state[name] = np.zeros_like(like)
    return buffer
