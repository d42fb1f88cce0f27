"""How the vision primitives are written for ONNX and PyTorch (``network.to_onnx``, ``network.to_torch``).

Each primitive gives ``onnx=`` and ``torch=`` to ``smolml_core.primitive``.
An ONNX mapping receives the graph being built, the arguments (a value of the
trace has a ``name``, a ``shape`` and a ``dtype``) and the settings, adds its
nodes and returns the name of the result. A torch mapping computes the result
from tensors. ``padding`` is (top, bottom, left, right), as in ``ops``.

ONNX Runtime runs Conv and AveragePool in float32 only, so in float64 both
are written out from operators it runs in float64: the padded images cut into
one slice per kernel offset (the windows of ``ops``), then a matrix product
with the kernels, or a mean.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["avg_pool_onnx", "avg_pool_torch", "conv_onnx", "conv_torch", "max_pool_onnx", "max_pool_torch"]

Padding = tuple[int, int, int, int]


def _onnx_pads(padding: Padding) -> list[int]:
    """(top, bottom, left, right) as ONNX's pads: the begins of height and width, then their ends."""
    top, bottom, left, right = padding
    return [top, left, bottom, right]


def _torch_pads(padding: Padding) -> tuple[int, int, int, int]:
    """(top, bottom, left, right) as ``torch.nn.functional.pad`` wants it: the last axis first."""
    top, bottom, left, right = padding
    return (left, right, top, bottom)


def _windows(g: Any, x: Any, kernel: tuple[int, int], stride: int, padding: Padding) -> tuple[list[str], int, int]:
    """The padded images sliced once per kernel offset (i, j): each (n, c, out_h, out_w), row by row."""
    _, _, h, w = x.shape
    top, bottom, left, right = padding
    kh, kw = kernel
    out_h, out_w = (h + top + bottom - kh) // stride + 1, (w + left + right - kw) // stride + 1
    padded = g.name(x)
    if any(padding):
        padded = g.op("Pad", padded, g.ints([0, 0, top, left, 0, 0, bottom, right]))
    steps = g.ints([stride, stride])
    axes = g.ints([2, 3])
    windows = [
        g.op(
            "Slice",
            padded,
            g.ints([i, j]),
            g.ints([i + stride * (out_h - 1) + 1, j + stride * (out_w - 1) + 1]),
            axes,
            steps,
        )
        for i in range(kh)
        for j in range(kw)
    ]
    return windows, out_h, out_w


def conv_onnx(g: Any, x: Any, w: Any, *, stride: int = 1, padding: Padding = (0, 0, 0, 0)) -> str:
    """ONNX Conv in float32; in float64, im2col: the windows stacked, times the kernels laid out as a matrix."""
    if g.dtype != np.float64:
        return str(g.op("Conv", g.name(x), g.name(w), strides=[stride, stride], pads=_onnx_pads(padding)))
    out_channels, channels, kh, kw = w.shape
    windows, out_h, out_w = _windows(g, x, (kh, kw), stride, padding)
    columns = g.op("Concat", *windows, axis=1)  # (n, kh kw c, out_h, out_w), offset by offset
    columns = g.op("Reshape", columns, g.ints([0, kh * kw * channels, out_h * out_w]))
    kernels = g.op("Transpose", g.name(w), perm=[0, 2, 3, 1])  # (out, kh, kw, c): the same order
    kernels = g.op("Reshape", kernels, g.ints([out_channels, kh * kw * channels]))
    return str(g.op("Reshape", g.op("MatMul", kernels, columns), g.ints([0, out_channels, out_h, out_w])))


def conv_torch(x: Any, w: Any, *, stride: int = 1, padding: Padding = (0, 0, 0, 0)) -> Any:
    import torch.nn.functional as F

    return F.conv2d(F.pad(x, _torch_pads(padding)), w, stride=stride)


def max_pool_onnx(g: Any, x: Any, *, kernel: tuple[int, int], stride: int, padding: Padding = (0, 0, 0, 0)) -> str:
    """ONNX MaxPool, whose padding never wins, as ours (-inf) never does."""
    return str(
        g.op("MaxPool", g.name(x), kernel_shape=list(kernel), strides=[stride, stride], pads=_onnx_pads(padding))
    )


def max_pool_torch(x: Any, *, kernel: tuple[int, int], stride: int, padding: Padding = (0, 0, 0, 0)) -> Any:
    import torch.nn.functional as F

    return F.max_pool2d(F.pad(x, _torch_pads(padding), value=-np.inf), kernel, stride)


def avg_pool_onnx(g: Any, x: Any, *, kernel: tuple[int, int], stride: int, padding: Padding = (0, 0, 0, 0)) -> str:
    """ONNX AveragePool counting the padding in float32; in float64 the sum of the windows over kh kw."""
    if g.dtype != np.float64:
        return str(
            g.op(
                "AveragePool",
                g.name(x),
                kernel_shape=list(kernel),
                strides=[stride, stride],
                pads=_onnx_pads(padding),
                count_include_pad=1,
            )
        )
    windows, _, _ = _windows(g, x, kernel, stride, padding)
    total = windows[0]
    for window in windows[1:]:
        total = g.op("Add", total, window)
    return str(g.op("Div", total, g.tensor(float(kernel[0] * kernel[1]))))


def avg_pool_torch(x: Any, *, kernel: tuple[int, int], stride: int, padding: Padding = (0, 0, 0, 0)) -> Any:
    import torch.nn.functional as F

    return F.avg_pool2d(F.pad(x, _torch_pads(padding)), kernel, stride)
