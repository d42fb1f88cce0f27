"""Checking and working out the sizes of windows: kernels, strides, paddings and output sizes."""

from __future__ import annotations

import math
from typing import Any

from smolml_core import ConfigError, ShapeError, validation

__all__ = ["image_shape", "output_size", "pair", "padding_spec", "resolve_padding"]


def pair(value: Any, name: str) -> tuple[int, int]:
    """A size given as one whole number (both axes) or a list of two: (along the height, along the width)."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ConfigError(f"must be a whole number or a list of two, got {list(value)!r}", path=(name,))
        return validation.whole_number(value[0], f"{name}[0]"), validation.whole_number(value[1], f"{name}[1]")
    size = validation.whole_number(value, name)
    return size, size


def padding_spec(value: Any) -> int | tuple[int, int] | str:
    """``padding`` checked: "same", "valid", a whole number >= 0, or [along the height, along the width]."""
    if value in ("same", "valid"):
        return str(value)
    sizes = value if isinstance(value, (list, tuple)) and len(value) == 2 else [value]
    if isinstance(value, (str, bytes)) or not all(validation.is_whole_number(p) and p >= 0 for p in sizes):
        raise ConfigError(
            f'must be "same", "valid", a whole number >= 0 or a list of two, got {value!r}', path=("padding",)
        )
    if len(sizes) == 2:
        return int(sizes[0]), int(sizes[1])
    return int(sizes[0])


def resolve_padding(
    spec: int | tuple[int, int] | str, size: tuple[int, int], kernel: tuple[int, int], stride: int
) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) for images of ``size`` (height, width).

    "same" gives ceil(size / stride) outputs along each axis, with the odd
    pixel of padding at the bottom and right, as TensorFlow does (and PyTorch,
    which allows "same" only for stride 1).
    """
    if spec == "valid":
        return 0, 0, 0, 0
    if isinstance(spec, int):
        return spec, spec, spec, spec
    if isinstance(spec, tuple):
        return spec[0], spec[0], spec[1], spec[1]
    pads = []
    for n, k in zip(size, kernel, strict=True):
        total = max((math.ceil(n / stride) - 1) * stride + k - n, 0)
        pads += [total // 2, total - total // 2]
    return pads[0], pads[1], pads[2], pads[3]


def output_size(
    size: tuple[int, int], kernel: tuple[int, int], stride: int, padding: tuple[int, int, int, int]
) -> tuple[int, int]:
    """How many windows fit along each axis: floor((n + pads - k) / stride) + 1; ShapeError when none does."""
    top, bottom, left, right = padding
    padded = (size[0] + top + bottom, size[1] + left + right)
    if padded[0] < kernel[0] or padded[1] < kernel[1]:
        raise ShapeError(
            f"a {kernel[0]}x{kernel[1]} kernel does not fit images of {size[0]}x{size[1]} pixels "
            f"(padded to {padded[0]}x{padded[1]}); use a smaller kernel or more padding"
        )
    return (padded[0] - kernel[0]) // stride + 1, (padded[1] - kernel[1]) // stride + 1


def image_shape(shape: tuple[int, ...], layer: str) -> tuple[int, int, int]:
    """One sample's shape checked to be (channels, height, width)."""
    if len(shape) != 3:
        raise ShapeError(
            f"{layer} takes images of shape (channels, height, width) per sample, i.e. a batch of shape "
            f"(n_samples, channels, height, width), got samples of shape {tuple(shape)}; put a reshape layer "
            "before it (shape = [1, 8, 8] for 64 pixels)"
        )
    return shape[0], shape[1], shape[2]
