"""Activation functions: GELU, swish (SiLU) and softplus.

Each is composed from ``MLArray`` operations, so ``backward()`` differentiates
it on either engine (numpy arrays or ``Value`` objects) with no gradient code here.
"""

from __future__ import annotations

import math

from smolml_core import MLArray, validation

__all__ = ["gelu", "softplus", "swish"]

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_CUBIC = 0.044715


def gelu(x: MLArray) -> MLArray:
    """Gaussian error linear unit, in its tanh approximation:

    f(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))

    The exact GELU is x Phi(x) = 0.5 x (1 + erf(x / sqrt(2))), the input weighted
    by the probability that a standard normal variable is below it. ``MLArray``
    has no erf, so this is the tanh form (the one BERT and GPT-2 use, and
    PyTorch's ``gelu(approximate="tanh")``); it differs from the exact GELU by
    less than 5e-4 everywhere. Smooth, close to ReLU for large |x|, slightly
    negative for small negative x. tanh saturates, so large inputs give x and 0.
    """
    inner = _SQRT_2_OVER_PI * (x + _GELU_CUBIC * (x * x * x))
    return 0.5 * x * (1.0 + inner.tanh())


def swish(x: MLArray, beta: float = 1.0) -> MLArray:
    """Swish: f(x) = x sigmoid(beta x); with beta = 1 it is SiLU (registered under both names).

    f'(x) = sigmoid(beta x) + beta x sigmoid(beta x)(1 - sigmoid(beta x)). A
    smooth, non-monotonic ReLU: it lets small negative values through. beta = 0
    gives x / 2, a large beta approaches ReLU. The sigmoid is stable for any x.
    """
    beta = validation.finite(beta, "beta")
    return x * (x if beta == 1.0 else beta * x).sigmoid()


def softplus(x: MLArray, beta: float = 1.0) -> MLArray:
    """Softplus, a smooth ReLU: f(x) = log(1 + e^(beta x)) / beta, with f'(x) = sigmoid(beta x).

    Computed as max(z, 0) + log(1 + e^(z - 2 max(z, 0))) with z = beta x, that is
    max(z, 0) + log(1 + e^-|z|): the exponential never sees a positive number,
    so no input overflows, and a large z gives z exactly. (Writing it with
    ``abs`` instead would give a slope of 0 at exactly z = 0 rather than 1/2.)
    ``MLArray`` has no log1p, so 1 + e^-|z| is rounded before the logarithm,
    which costs up to about 1e-16 in absolute terms: nothing for z > -1, but
    for very negative z, where the true value is tiny, only a few digits are
    right (below z = -37 the value is 0 instead of less than 1e-16). The
    gradient is exact everywhere. beta must be > 0.
    """
    beta = validation.positive(beta, "beta")
    z = x if beta == 1.0 else beta * x
    rectified = z.relu()
    result = rectified + (1.0 + (z - 2.0 * rectified).exp()).log()
    return result if beta == 1.0 else result / beta
