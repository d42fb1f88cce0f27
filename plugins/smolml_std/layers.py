"""Layer types: ``DenseLayer``, the fully connected layer of the tutorial."""

from __future__ import annotations

from typing import Any

from smolml_core import (
    InputMismatch,
    Layer,
    MLArray,
    Shape,
    ShapeError,
    name_of,
    resolve,
    validation,
    zeros,
)

from .activation import linear
from .fusing import fuse_affine
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
        self.input_size = validation.whole_number(input_size, "input_size")
        self.output_size = validation.whole_number(output_size, "output_size")
        self.activation_function = resolve("activation", activation_function, param="activation_function")
        initializer = resolve("initializer", weight_initializer, param="weight_initializer")
        dtype_ = validation.float_dtype(dtype)
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

    def export_ops(self, ops: list[Any]) -> list[Any]:
        """For export: ``input_data @ weights + biases`` as one ONNX Gemm (``torch.addmm``), for rows of features."""
        return fuse_affine(ops)

    def output_shape(self, input_shape: Shape | None) -> Shape | None:
        """``(..., output_size)`` for input ``(..., input_size)``; ``(output_size,)`` when the input is not known."""
        if input_shape is None:
            return (self.output_size,)
        if not input_shape:
            raise ShapeError(f"expected {self.input_size} features per sample, got samples of shape ()")
        if input_shape[-1] != self.input_size:
            raise InputMismatch("input_size", self.input_size, input_shape[-1])
        return (*input_shape[:-1], self.output_size)

    def summary(self) -> str:
        activation = name_of("activation", self.activation_function)
        return f"{self.input_size} -> {self.output_size}, {activation}"
