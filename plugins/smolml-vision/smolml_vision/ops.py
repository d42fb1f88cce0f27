"""The numpy formulas of the vision primitives: each forward beside its vector-Jacobian products.

Images are laid out (samples, channels, height, width), as in PyTorch. Every
formula looks at all the windows of all the samples at once through
``numpy.lib.stride_tricks.sliding_window_view``, a view of shape
(n, c, out_h, out_w, kh, kw) that copies nothing; a convolution is then one
tensor product of those windows with the kernels (im2col and a matrix
product). The only Python loops run over the kh * kw offsets inside a kernel,
where a gradient is added back to the pixels each offset read.

``padding`` is (top, bottom, left, right) in every formula; the layers turn a
number or ``"same"`` into it. Each vjp receives ``g`` (the gradient at the
output), ``ans`` (the output) and the inputs, and returns the gradient of its
own argument, shaped like it.

The forwards use only numpy functions that also run on object arrays of
``Value`` (padding, views, ``tensordot``, sums), so the scalar engine
differentiates them element by element.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = [
    "avg_pool_forward",
    "avg_pool_vjp",
    "conv_forward",
    "conv_vjp_w",
    "conv_vjp_x",
    "max_pool_forward",
    "max_pool_vjp",
]

Padding = tuple[int, int, int, int]


def _pad(x: np.ndarray, padding: Padding, fill: float = 0.0) -> np.ndarray:
    top, bottom, left, right = padding
    if not any(padding):
        return x
    return np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)), constant_values=fill)


def _windows(xp: np.ndarray, kernel: tuple[int, int], stride: int) -> np.ndarray:
    """Every kernel-sized window of the padded images, a step of ``stride`` apart: (n, c, out_h, out_w, kh, kw)."""
    return sliding_window_view(xp, kernel, axis=(2, 3))[:, :, ::stride, ::stride]


def _scatter(
    parts: Any, x_shape: tuple[int, ...], kernel: tuple[int, int], stride: int, padding: Padding, dtype: Any
) -> np.ndarray:
    """The sum, over the kernel offsets (i, j), of ``parts(i, j)`` added back to the pixels that offset read.

    ``parts(i, j)`` is (n, c, out_h, out_w): the gradient reaching each output
    through the pixel at offset (i, j) of its window. Windows overlap when the
    stride is smaller than the kernel, so the sums accumulate; padding is cut
    off at the end.
    """
    n, c, h, w = x_shape
    top, bottom, left, right = padding
    grad = np.zeros((n, c, h + top + bottom, w + left + right), dtype=dtype)
    kh, kw = kernel
    for i in range(kh):
        for j in range(kw):
            part = parts(i, j)
            out_h, out_w = part.shape[2:]
            grad[:, :, i : i + stride * out_h : stride, j : j + stride * out_w : stride] += part
    return grad[:, :, top : top + h, left : left + w]


def conv_forward(x: np.ndarray, w: np.ndarray, *, stride: int = 1, padding: Padding = (0, 0, 0, 0)) -> np.ndarray:
    """Convolution: y[n, o, p, q] = sum_{c, i, j} x_pad[n, c, s p + i, s q + j] w[o, c, i, j] (s the stride)."""
    windows = _windows(_pad(x, padding), w.shape[2:], stride)  # (n, c, oh, ow, kh, kw)
    return np.tensordot(windows, w, axes=((1, 4, 5), (1, 2, 3))).transpose(0, 3, 1, 2)


# dL/dx_pad[n, c, s p + i, s q + j] += sum_o g[n, o, p, q] w[o, c, i, j]
def conv_vjp_x(
    g: np.ndarray, ans: np.ndarray, x: np.ndarray, w: np.ndarray, *, stride: int = 1, padding: Padding = (0, 0, 0, 0)
) -> np.ndarray:
    through = np.tensordot(g, w, axes=((1,), (0,)))  # (n, oh, ow, c, kh, kw)
    return _scatter(
        lambda i, j: through[..., i, j].transpose(0, 3, 1, 2), x.shape, w.shape[2:], stride, padding, g.dtype
    )


# dL/dw[o, c, i, j] = sum_{n, p, q} g[n, o, p, q] x_pad[n, c, s p + i, s q + j]
def conv_vjp_w(
    g: np.ndarray, ans: np.ndarray, x: np.ndarray, w: np.ndarray, *, stride: int = 1, padding: Padding = (0, 0, 0, 0)
) -> np.ndarray:
    windows = _windows(_pad(x, padding), w.shape[2:], stride)
    return np.tensordot(g, windows, axes=((0, 2, 3), (0, 2, 3)))


def max_pool_forward(
    x: np.ndarray, *, kernel: tuple[int, int], stride: int, padding: Padding = (0, 0, 0, 0)
) -> np.ndarray:
    """Max pooling: y[n, c, p, q] = max_{i, j} x_pad[n, c, s p + i, s q + j], the padding -inf."""
    return _windows(_pad(x, padding, -np.inf), kernel, stride).max(axis=(4, 5))


# the gradient goes to the first largest pixel of each window, as in PyTorch
def max_pool_vjp(
    g: np.ndarray,
    ans: np.ndarray,
    x: np.ndarray,
    *,
    kernel: tuple[int, int],
    stride: int,
    padding: Padding = (0, 0, 0, 0),
) -> np.ndarray:
    windows = _windows(_pad(x, padding, -np.inf), kernel, stride)
    first = windows.reshape(*windows.shape[:4], -1).argmax(axis=-1)  # (n, c, oh, ow), which pixel won
    kw = kernel[1]
    return _scatter(lambda i, j: np.where(first == i * kw + j, g, 0), x.shape, kernel, stride, padding, g.dtype)


def avg_pool_forward(
    x: np.ndarray, *, kernel: tuple[int, int], stride: int, padding: Padding = (0, 0, 0, 0)
) -> np.ndarray:
    """Average pooling: y[n, c, p, q] = mean_{i, j} x_pad[n, c, s p + i, s q + j], the padding zeros."""
    return _windows(_pad(x, padding), kernel, stride).sum(axis=(4, 5)) / (kernel[0] * kernel[1])


# each pixel of a window gets g / (kh kw)
def avg_pool_vjp(
    g: np.ndarray,
    ans: np.ndarray,
    x: np.ndarray,
    *,
    kernel: tuple[int, int],
    stride: int,
    padding: Padding = (0, 0, 0, 0),
) -> np.ndarray:
    share = g / (kernel[0] * kernel[1])
    return _scatter(lambda i, j: share, x.shape, kernel, stride, padding, g.dtype)
