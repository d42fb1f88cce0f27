"""Activation functions: the non-linearity applied after a layer's weighted sum.

Each is written with ``MLArray`` operations, so its gradient needs no code of its own.
"""

from __future__ import annotations

from smolml_core import MLArray, validation, where

__all__ = ["elu", "leaky_relu", "linear", "relu", "sigmoid", "softmax", "tanh"]


def relu(x: MLArray) -> MLArray:
    """Rectified linear unit: f(x) = max(0, x); f'(x) = 1 for x > 0, else 0."""
    return x.relu()


def leaky_relu(x: MLArray, alpha: float = 0.01) -> MLArray:
    """Like ReLU but with a small slope for negatives: f(x) = x if x > 0 else alpha*x."""
    alpha = validation.finite(alpha, "alpha")
    return where(x > 0, x, alpha * x)


def elu(x: MLArray, alpha: float = 1.0) -> MLArray:
    """Exponential linear unit: f(x) = x if x > 0 else alpha*(e^x - 1).

    The exponential only ever sees the non-positive inputs, so it cannot overflow.
    """
    alpha = validation.finite(alpha, "alpha")
    negative_part = where(x > 0, 0.0, x)
    return where(x > 0, x, alpha * (negative_part.exp() - 1))


def sigmoid(x: MLArray) -> MLArray:
    """Logistic function into (0, 1): f(x) = 1 / (1 + e^-x); f'(x) = f(x)(1 - f(x)). Stable for any x."""
    return x.sigmoid()


def tanh(x: MLArray) -> MLArray:
    """Hyperbolic tangent into (-1, 1): f(x) = (e^x - e^-x) / (e^x + e^-x); f'(x) = 1 - f(x)^2."""
    return x.tanh()


def softmax(x: MLArray, axis: int = -1) -> MLArray:
    """Probabilities along ``axis``: f(x)_i = e^x_i / sum_j e^x_j.

    Shifted by the largest logit before exponentiating, so logits of any size give
    finite results. The cross-entropy losses recognise its output and work from
    the logits directly.
    """
    return x.softmax(axis=axis)


def linear(x: MLArray) -> MLArray:
    """Identity: f(x) = x. For outputs that should not be squashed (regression)."""
    return x
