"""Layers that change the shape of each sample, not its numbers: ``Flatten`` and ``Reshape``.

The first axis is the samples and is never touched; the rest of the shape is
rearranged in C order (the last axis changes fastest), as numpy's ``reshape``
does. Neither layer has parameters, and both differentiate through
``MLArray.reshape``, whose gradient is the incoming gradient reshaped back.
"""

from __future__ import annotations

import math
from typing import Any

from smolml_core import ConfigError, Layer, MLArray, ShapeError, validation

__all__ = ["Flatten", "Reshape"]


class Flatten(Layer):
    """Flatten: (n, a, b, ...) -> (n, a * b * ...), each sample's numbers in one row, in C order.

    A batch that is already (n, features) passes through unchanged, so
    ``flatten`` takes any input and is the layer to put in front of a dense
    layer when samples are images or other grids.
    """

    def forward(self, X: MLArray) -> MLArray:
        if X.ndim == 0:
            raise ShapeError(f"flatten needs a batch with samples along the first axis, got shape {X.shape}")
        return X.reshape(X.shape[0], math.prod(X.shape[1:]))

    def output_shape(self, input_shape: tuple[int, ...] | None) -> tuple[int, ...] | None:
        """(a * b * ...,) for samples of shape (a, b, ...); unknown when the input is."""
        return None if input_shape is None else (math.prod(input_shape),)

    def summary(self) -> str:
        return "to one row per sample"


class Reshape(Layer):
    """Reshape: (n, ...) -> (n, *shape), the numbers of each sample laid out again in C order.

    ``shape`` is one sample's new shape, the sample axis left out
    (``[1, 8, 8]`` turns 64 features into one 8x8 channel). One entry may be
    -1: it is worked out from the size of the input, as numpy does. The
    number of values per sample must fit ``shape`` exactly; otherwise
    ``forward`` raises ``ShapeError`` naming both shapes.
    """

    def __init__(self, shape: list[int]) -> None:
        self.shape = _target_shape(shape)
        self.input_size = None if -1 in self.shape else math.prod(self.shape)
        """How many values each sample of its input holds, when ``shape`` says it (no -1); else None."""

    def forward(self, X: MLArray) -> MLArray:
        if X.ndim == 0:
            raise ShapeError(f"reshape needs a batch with samples along the first axis, got shape {X.shape}")
        return X.reshape(X.shape[0], *self._sample_shape(X.shape[1:]))

    def output_shape(self, input_shape: tuple[int, ...] | None) -> tuple[int, ...] | None:
        """``shape`` with any -1 worked out from ``input_shape``; unknown when that is needed but not known."""
        if input_shape is None:
            return None if -1 in self.shape else self.shape
        return self._sample_shape(input_shape)

    def _sample_shape(self, sample: tuple[int, ...]) -> tuple[int, ...]:
        """``shape`` for samples of shape ``sample``, -1 filled in; ShapeError when the sizes do not fit."""
        size, known = math.prod(sample), math.prod(d for d in self.shape if d != -1)
        if -1 in self.shape:
            if size % known:
                raise ShapeError(
                    f"cannot reshape samples of shape {sample} ({size} values) into {list(self.shape)}: "
                    f"{size} is not a multiple of {known}"
                )
            return tuple(size // known if d == -1 else d for d in self.shape)
        if size != known:
            raise ShapeError(
                f"cannot reshape samples of shape {sample} ({size} values) into {list(self.shape)} ({known} values)"
            )
        return self.shape

    def summary(self) -> str:
        return f"to {list(self.shape)} per sample"


def _target_shape(shape: Any) -> tuple[int, ...]:
    """``shape`` checked: a non-empty list of whole numbers >= 1, one of which may be -1."""
    if isinstance(shape, (str, bytes)) or not isinstance(shape, (list, tuple)) or not shape:
        raise ConfigError(f"must be a non-empty list of sizes such as [1, 8, 8], got {shape!r}", path=("shape",))
    for i, size in enumerate(shape):
        if not (validation.is_whole_number(size) and (size >= 1 or size == -1)):
            raise ConfigError(
                f"must be a whole number >= 1, or -1 for the one size worked out from the input, got {size!r}",
                path=("shape", f"[{i}]"),
            )
    if list(shape).count(-1) > 1:
        raise ConfigError(
            f"may hold -1 only once (one size can be worked out from the input), got {list(shape)}", path=("shape",)
        )
    return tuple(int(size) for size in shape)
