"""Layers for images laid out (samples, channels, height, width): convolution and pooling.

``conv2d`` keeps ``weights`` of shape (out_channels, in_channels, kh, kw) and
``biases`` of shape (out_channels,), as PyTorch's ``Conv2d`` does, so weights
can be copied between the two as they are. A network may leave out a
convolution's ``in_channels``: it is taken from the channels of the input.
"""

from __future__ import annotations

from typing import Any

from smolml_core import (
    ConfigError,
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

from . import geometry, primitives

__all__ = ["AvgPool2D", "Conv2D", "GlobalAvgPool2D", "MaxPool2D"]


class Conv2D(Layer):
    """2-D convolution: y[n, o] = activation(b[o] + sum_c x[n, c] (*) w[o, c]), (*) sliding the kernel over x.

    Each output channel o slides its kernel w[o] (in_channels x kh x kw) over
    the padded input a ``stride`` apart and takes the dot product at every
    place. ``padding`` is a whole number (both axes), a list of two (height,
    width), "valid" (none) or "same" (ceil(size / stride) outputs per axis).
    The weights are drawn by ``weight_initializer`` as a matrix of
    in_channels * kh * kw rows (the numbers each output reads) by out_channels
    columns, then laid out (out, in, kh, kw): He and Xavier see the fans of a
    convolution, fan_in = in_channels * kh * kw. Biases start at zero.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: Any = 3,
        stride: int = 1,
        padding: Any = 0,
        activation_function: Any = "linear",
        weight_initializer: Any = "xavier_uniform",
        dtype: str = "float64",
    ) -> None:
        self.in_channels = validation.whole_number(in_channels, "in_channels")
        self.out_channels = validation.whole_number(out_channels, "out_channels")
        self.kernel_size = geometry.pair(kernel_size, "kernel_size")
        self.stride = validation.whole_number(stride, "stride")
        self.padding = geometry.padding_spec(padding)
        self.activation_function = resolve("activation", activation_function, param="activation_function")
        initializer = resolve("initializer", weight_initializer, param="weight_initializer")
        dtype_ = validation.float_dtype(dtype)
        kh, kw = self.kernel_size
        matrix = initializer.initialize(self.in_channels * kh * kw, self.out_channels, dtype=dtype_)
        self.weights = MLArray(matrix.numpy().T.reshape(self.out_channels, self.in_channels, kh, kw), dtype=dtype_)
        self.biases = zeros(self.out_channels, dtype=dtype_)

    def forward(self, X: MLArray) -> MLArray:
        """activation(conv2d(X, weights) + biases), for X of shape (n_samples, in_channels, height, width)."""
        channels, height, width = geometry.image_shape(X.shape[1:], "conv2d")
        if channels != self.in_channels:
            raise ShapeError(
                f"conv2d expected {self.in_channels} input channels, i.e. shape (n_samples, {self.in_channels}, "
                f"height, width), got shape {X.shape}; set in_channels to the channels of the layer before it"
            )
        padding = geometry.resolve_padding(self.padding, (height, width), self.kernel_size, self.stride)
        geometry.output_size((height, width), self.kernel_size, self.stride, padding)
        z = primitives.conv2d(X, self.weights, stride=self.stride, padding=padding)
        return self.activation_function(z + self.biases.reshape(1, self.out_channels, 1, 1))

    def output_shape(self, input_shape: Shape | None) -> Shape | None:
        """(out_channels, out_h, out_w) for input (in_channels, h, w); unknown when the input is."""
        if input_shape is None:
            return None
        channels, height, width = geometry.image_shape(input_shape, "conv2d")
        if channels != self.in_channels:
            raise InputMismatch("in_channels", self.in_channels, channels)
        padding = geometry.resolve_padding(self.padding, (height, width), self.kernel_size, self.stride)
        return (self.out_channels, *geometry.output_size((height, width), self.kernel_size, self.stride, padding))

    @classmethod
    def input_parameters(cls, input_shape: Shape) -> dict[str, Any]:
        """``in_channels`` from images of shape (channels, height, width)."""
        return {"in_channels": input_shape[0]} if len(input_shape) == 3 else {}

    def summary(self) -> str:
        activation = name_of("activation", self.activation_function)
        kh, kw = self.kernel_size
        return (
            f"{self.in_channels} -> {self.out_channels} channels, {kh}x{kw}, stride {self.stride}, "
            f"padding {self.padding}, {activation}"
        )


class _Pool2D(Layer):
    """Shared by the pooling layers: one number per window of each channel, the windows ``stride`` apart."""

    name = "pool"
    operation: Any = None

    def __init__(self, kernel_size: Any = 2, stride: int | None = None, padding: Any = 0) -> None:
        self.kernel_size = geometry.pair(kernel_size, "kernel_size")
        self.stride = self.kernel_size[0] if stride is None else validation.whole_number(stride, "stride")
        spec = geometry.padding_spec(padding)
        if isinstance(spec, str):
            raise ConfigError(f'must be a whole number >= 0 or a list of two, got "{spec}"', path=("padding",))
        top, _, left, _ = self.padding = geometry.resolve_padding(spec, (0, 0), self.kernel_size, self.stride)
        if 2 * top > self.kernel_size[0] or 2 * left > self.kernel_size[1]:  # else a window could be all padding
            raise ConfigError(
                f"must be at most half the kernel size {list(self.kernel_size)}, got {padding!r}", path=("padding",)
            )

    def forward(self, X: MLArray) -> MLArray:
        _, height, width = geometry.image_shape(X.shape[1:], self.name)
        geometry.output_size((height, width), self.kernel_size, self.stride, self.padding)
        return type(self).operation(X, kernel=self.kernel_size, stride=self.stride, padding=self.padding)

    def output_shape(self, input_shape: Shape | None) -> Shape | None:
        """(channels, out_h, out_w) for input (channels, h, w); unknown when the input is."""
        if input_shape is None:
            return None
        channels, height, width = geometry.image_shape(input_shape, self.name)
        return (channels, *geometry.output_size((height, width), self.kernel_size, self.stride, self.padding))

    def summary(self) -> str:
        kh, kw = self.kernel_size
        return f"{kh}x{kw}, stride {self.stride}"


class MaxPool2D(_Pool2D):
    """Max pooling: y[n, c, p, q] = max of the kh x kw window of x[n, c] at (stride p, stride q).

    ``stride`` defaults to the kernel size (windows side by side). Padding
    counts as -inf, so it never wins. The gradient reaches only the largest
    pixel of each window (the first one, on a tie, as in PyTorch).
    """

    name = "max_pool2d"
    operation = primitives.max_pool2d


class AvgPool2D(_Pool2D):
    """Average pooling: y[n, c, p, q] = mean of the kh x kw window of x[n, c] at (stride p, stride q).

    ``stride`` defaults to the kernel size. Padding counts as zeros in the
    mean (PyTorch's ``count_include_pad=True``). Each pixel of a window gets
    1 / (kh kw) of the window's gradient.
    """

    name = "avg_pool2d"
    operation = primitives.avg_pool2d


class GlobalAvgPool2D(Layer):
    """Global average pooling: (n, c, h, w) -> (n, c), each channel's mean over all its pixels.

    y[n, c] = (1 / (h w)) sum_{i, j} x[n, c, i, j]: what a dense layer after
    a convolutional stack reads, whatever the image size.
    """

    def forward(self, X: MLArray) -> MLArray:
        geometry.image_shape(X.shape[1:], "global_avg_pool2d")
        return X.mean(axis=(2, 3))

    def output_shape(self, input_shape: Shape | None) -> Shape | None:
        """(channels,) for input (channels, h, w)."""
        return None if input_shape is None else (geometry.image_shape(input_shape, "global_avg_pool2d")[0],)

    def summary(self) -> str:
        return "mean over each channel"
