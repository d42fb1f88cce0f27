"""The vision primitives: values by a plain loop, gradients against central finite differences, both engines."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from smolml_vision import ops, primitives

from smolml_core import MLArray
from smolml_core.testing import check_gradients

rng = np.random.default_rng(0)

# (images, kernels, stride, (top, bottom, left, right)): channel counts, odd and even kernels, strides, paddings
CONV_CASES = [
    ((2, 1, 5, 5), (1, 1, 2, 2), 1, (0, 0, 0, 0)),
    ((2, 3, 6, 5), (4, 3, 3, 3), 1, (1, 1, 1, 1)),
    ((1, 2, 7, 6), (3, 2, 3, 2), 2, (0, 0, 0, 0)),
    ((3, 2, 5, 7), (2, 2, 3, 3), 2, (1, 1, 1, 1)),
    ((2, 2, 6, 6), (2, 2, 2, 2), 1, (0, 1, 0, 1)),  # "same" for an even kernel: the odd pixel at the end
]
POOL_CASES = [((2, 3, 6, 6), (2, 2), 2, (0, 0, 0, 0)), ((1, 2, 7, 5), (3, 3), 2, (1, 1, 1, 1)),
              ((2, 1, 5, 5), (3, 2), 1, (0, 0, 1, 1))]  # fmt: skip


def _conv_by_loops(x: np.ndarray, w: np.ndarray, stride: int, padding: tuple[int, int, int, int]) -> np.ndarray:
    top, bottom, left, right = padding
    xp = np.pad(x, ((0, 0), (0, 0), (top, bottom), (left, right)))
    n, _, h, wd = xp.shape
    o, _, kh, kw = w.shape
    out = np.zeros((n, o, (h - kh) // stride + 1, (wd - kw) // stride + 1))
    for b, k, p, q in itertools.product(*(range(d) for d in out.shape)):
        out[b, k, p, q] = np.sum(xp[b, :, p * stride : p * stride + kh, q * stride : q * stride + kw] * w[k])
    return out


@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding"), CONV_CASES)
def test_conv_forward_is_the_sum_over_each_window(x_shape, w_shape, stride, padding) -> None:
    x, w = rng.normal(size=x_shape), rng.normal(size=w_shape)
    expected = _conv_by_loops(x, w, stride, padding)
    np.testing.assert_allclose(ops.conv_forward(x, w, stride=stride, padding=padding), expected, atol=1e-12)


@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding"), CONV_CASES)
def test_conv_gradients_match_finite_differences(x_shape, w_shape, stride, padding, engine: str) -> None:
    if engine == "scalar":  # every number a Value, every finite difference a forward: keep it small
        x_shape = (1, x_shape[1], min(x_shape[2], 5), min(x_shape[3], 5))
        w_shape = (min(w_shape[0], 2), *w_shape[1:])
    check_gradients(
        lambda X, W: primitives.conv2d(X, W, stride=stride, padding=padding),
        rng.normal(size=x_shape),
        rng.normal(size=w_shape),
        engine=engine,
    )


@pytest.mark.parametrize("pool", [primitives.max_pool2d, primitives.avg_pool2d], ids=["max", "avg"])
@pytest.mark.parametrize(("x_shape", "kernel", "stride", "padding"), POOL_CASES)
def test_pool_gradients_match_finite_differences(pool, x_shape, kernel, stride, padding, engine: str) -> None:
    check_gradients(
        lambda X: pool(X, kernel=kernel, stride=stride, padding=padding), rng.normal(size=x_shape), engine=engine
    )


def test_max_pool_takes_each_windows_largest_and_sends_it_the_gradient() -> None:
    x = np.arange(16.0).reshape(1, 1, 4, 4)
    y = ops.max_pool_forward(x, kernel=(2, 2), stride=2)
    assert y.tolist() == [[[[5.0, 7.0], [13.0, 15.0]]]]
    grad = ops.max_pool_vjp(np.ones_like(y), y, x, kernel=(2, 2), stride=2)
    assert grad[0, 0].tolist() == [[0, 0, 0, 0], [0, 1, 0, 1], [0, 0, 0, 0], [0, 1, 0, 1]]


def test_a_tie_sends_the_gradient_to_the_first_largest_pixel_only() -> None:
    x = np.ones((1, 1, 2, 2))
    grad = ops.max_pool_vjp(np.ones((1, 1, 1, 1)), None, x, kernel=(2, 2), stride=2)
    assert grad[0, 0].tolist() == [[1, 0], [0, 0]]


def test_avg_pool_counts_padding_as_zeros() -> None:
    x = np.ones((1, 1, 2, 2))
    y = ops.avg_pool_forward(x, kernel=(2, 2), stride=2, padding=(1, 1, 1, 1))
    assert y[0, 0].tolist() == [[0.25, 0.25], [0.25, 0.25]]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_precision_of_the_input_is_kept(dtype) -> None:
    X = MLArray(rng.normal(size=(2, 3, 5, 5)), dtype=dtype)
    W = MLArray(rng.normal(size=(2, 3, 3, 3)), dtype=dtype)
    y = primitives.max_pool2d(primitives.conv2d(X, W, stride=1, padding=(1, 1, 1, 1)), kernel=(2, 2), stride=2)
    z = primitives.avg_pool2d(y, kernel=(2, 2), stride=1)
    z.sum().backward()
    assert y.dtype == z.dtype == X.grad().dtype == W.grad().dtype == np.dtype(dtype)
