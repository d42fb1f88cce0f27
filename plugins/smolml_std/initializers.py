"""Weight initializers: where training starts from.

Each draws from the seeded generator it is given (``smolml_core.set_seed``).
fan_in and fan_out are the first and last sizes of the weight shape.
As in the tutorial, ``XavierUniform.initialize(2, 16)`` works on the class itself.
"""

from __future__ import annotations

import math

import numpy as np

from smolml_core import WeightInitializer, fans, validation

__all__ = ["HeInitialization", "RandomUniform", "XavierNormal", "XavierUniform"]


class RandomUniform(WeightInitializer):
    """Uniform in [-limit, limit], whatever the layer's size."""

    def __init__(self, limit: float = 1.0) -> None:
        self.limit = validation.interval(limit, "limit", "(0, 1e150]")

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return rng.uniform(-self.limit, self.limit, size=shape)


class XavierUniform(WeightInitializer):
    """Glorot uniform: U[-l, l] with l = sqrt(6 / (fan_in + fan_out)). Suits tanh and sigmoid."""

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        fan_in, fan_out = fans(shape)
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=shape)


class XavierNormal(WeightInitializer):
    """Glorot normal: N(0, s^2) with s = sqrt(2 / (fan_in + fan_out)). Suits tanh and sigmoid."""

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        fan_in, fan_out = fans(shape)
        return rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=shape)


class HeInitialization(WeightInitializer):
    """He (Kaiming) normal: N(0, s^2) with s = sqrt(2 / fan_in). Suits ReLU, which zeroes half its inputs."""

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        fan_in, _ = fans(shape)
        return rng.normal(0.0, math.sqrt(2.0 / fan_in), size=shape)
