"""Layer types: ``DenseLayer``, the fully connected layer of the tutorial."""

from __future__ import annotations

from typing import Any

import numpy as np

from smolml_core import ConfigError, Layer, MLArray, ShapeError, reference, resolve, zeros

from .activation import linear
from .initializers import XavierUniform

__all__ = ["DenseLayer"]


class DenseLayer(Layer):
    """Every output connected to every input: output = activation(X @ weights + biases).

    ``weights`` has shape (input_size, output_size), one column per neuron;
    ``biases`` has shape (1, output_size) and starts at zero. The activation and
    the weight initializer may be objects or registered names.
    """

    def __init__(
        self,
        input_size: int,
        output_size: int,
        activation_function: Any = linear,
        weight_initializer: Any = XavierUniform,
        dtype: str = "float64",
    ) -> None:
        self.input_size = _size(input_size, "input_size")
        self.output_size = _size(output_size, "output_size")
        self.activation_function = resolve("activation", activation_function, param="activation_function")
        initializer = resolve("initializer", weight_initializer, param="weight_initializer")
        try:
            dtype_ = np.dtype(dtype)
        except TypeError as exc:
            raise ConfigError(f"must be 'float64' or 'float32', got {dtype!r}", path=("dtype",)) from exc
        if dtype_ not in (np.dtype(np.float32), np.dtype(np.float64)):
            raise ConfigError(f"must be 'float64' or 'float32', got {dtype!r}", path=("dtype",))
        self.weights = initializer.initialize(self.input_size, self.output_size, dtype=dtype_)
        self.biases = zeros(1, self.output_size, dtype=dtype_)

    def forward(self, input_data: MLArray) -> MLArray:
        """activation(input_data @ weights + biases), for input of shape (n_samples, input_size)."""
        if input_data.ndim == 0 or input_data.shape[-1] != self.input_size:
            raise ShapeError(
                f"expected {self.input_size} features per sample, i.e. shape (n_samples, {self.input_size}), "
                f"got shape {input_data.shape}"
            )
        z = input_data @ self.weights + self.biases
        return self.activation_function(z)

    def summary(self) -> str:
        try:
            activation = reference("activation", self.activation_function)
        except ConfigError:
            activation = getattr(self.activation_function, "__name__", "custom")
        if isinstance(activation, dict):
            activation = activation["type"]
        return f"{self.input_size} -> {self.output_size}, {activation}"


def _size(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError(f"must be a whole number >= 1, got {value!r}", path=(name,))
    return int(value)
