"""Optimizers: how each parameter moves, given its gradient g.

Each updates the parameter array in place and keeps its buffers in the
per-parameter ``state`` dict (see ``smolml_core.Optimizer``). Temporaries go
into the optimizer's ``scratch`` arrays through numpy's ``out=``: the same
operations, in the order the formula reads, so the numbers are those of the
plain expression, without allocating at every step. Parameter names and
defaults follow the tutorial.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from smolml_core import Optimizer, validation

__all__ = ["SGD", "AdaGrad", "Adam", "SGDMomentum"]


class SGD(Optimizer):
    """Stochastic gradient descent: theta <- theta - lr * g."""

    def step(self, value: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        (change,) = self.scratch(value, 1)
        np.multiply(self.learning_rate, grad, out=change)
        value -= change


class SGDMomentum(Optimizer):
    """Gradient descent with momentum: v <- beta*v + lr*g; theta <- theta - v.

    The velocity v keeps moving in directions where gradients agree.
    """

    def __init__(self, learning_rate: float = 0.01, momentum_coefficient: float = 0.9) -> None:
        super().__init__(learning_rate)
        self.momentum_coefficient = validation.fraction(momentum_coefficient, "momentum_coefficient")

    def step(self, value: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        velocity = _buffer(state, "velocity", value)
        (change,) = self.scratch(value, 1)
        velocity *= self.momentum_coefficient
        np.multiply(self.learning_rate, grad, out=change)
        velocity += change
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
        change, root = self.scratch(value, 2)
        np.multiply(grad, grad, out=change)
        squared += change
        np.multiply(self.learning_rate, grad, out=change)  # lr * g / sqrt(G + epsilon)
        np.add(squared, self.epsilon, out=root)
        np.sqrt(root, out=root)
        np.divide(change, root, out=change)
        value -= change


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
        step, denominator = self.scratch(value, 2)
        m *= b1
        np.multiply(1 - b1, grad, out=step)
        m += step
        v *= b2
        np.multiply(1 - b2, grad, out=step)  # (1 - b2) * g * g
        step *= grad
        v += step
        np.divide(v, 1 - b2**t, out=denominator)  # sqrt(v_hat) + epsilon
        np.sqrt(denominator, out=denominator)
        denominator += self.epsilon
        np.divide(m, 1 - b1**t, out=step)  # lr * m_hat / denominator
        step *= self.learning_rate
        step /= denominator
        value -= step


def _buffer(state: dict[str, Any], name: str, like: np.ndarray) -> np.ndarray:
    """The state buffer ``name``, made of zeros shaped like ``like`` on the first step only."""
    buffer = state.get(name)
    if buffer is None:
        buffer = state[name] = np.zeros_like(like)
    return buffer
