"""Values and gradients of the vision layers against ``torch.nn.functional``, in float64, to 1e-10.

The same numbers go through our layer and through PyTorch's function; the
gradients of sum(output * G), for a random G, are compared for the input, the
kernels and the biases. "same" padding at stride 2, which PyTorch refuses, is
compared with ``F.pad`` by the amounts "same" works out (the odd pixel at the
bottom and right), then a convolution without padding.

Run with ``nox -s vision`` (torch installed) or ``pytest -m crosscheck plugins/smolml-vision/tests``.
"""
# ruff: noqa: E402

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from typing import Any

import numpy as np
import torch.nn.functional as F
from smolml_vision import geometry
from smolml_vision.layers import AvgPool2D, Conv2D, GlobalAvgPool2D, MaxPool2D

from smolml_core import MLArray

pytestmark = [
    pytest.mark.crosscheck,
    pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel:UserWarning"),
]

ATOL = 1e-10
rng = np.random.default_rng(7)


def _ours(layer: Any, x: np.ndarray, g: np.ndarray | None) -> tuple[np.ndarray, MLArray]:
    X = MLArray(x)
    y = layer.forward(X)
    (y * MLArray(rng.normal(size=y.shape) if g is None else g, requires_grad=False)).sum().backward()
    return y.numpy(), X


@pytest.mark.parametrize("channels", [(1, 1), (3, 4), (2, 5)], ids=lambda c: f"{c[0]}to{c[1]}")
@pytest.mark.parametrize("padding", [0, 1, "same", "valid"])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("kernel", [2, 3])
def test_conv2d_matches_torch(channels: tuple[int, int], padding: Any, stride: int, kernel: int) -> None:
    in_channels, out_channels = channels
    conv = Conv2D(in_channels, out_channels, kernel_size=kernel, stride=stride, padding=padding)
    conv.biases.assign(rng.normal(size=out_channels))
    x = rng.normal(size=(3, in_channels, 7, 6))
    pads = geometry.resolve_padding(conv.padding, (7, 6), conv.kernel_size, stride)

    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(conv.weights.numpy(), requires_grad=True)
    tb = torch.tensor(conv.biases.numpy(), requires_grad=True)
    padded = F.pad(tx, (pads[2], pads[3], pads[0], pads[1]))  # F.pad takes the last axis first
    ty = F.conv2d(padded, tw, tb, stride=stride)
    if padding in (0, 1, "valid") or stride == 1:  # what PyTorch itself does with the padding argument
        direct = F.conv2d(tx, tw, tb, stride=stride, padding=padding)
        np.testing.assert_allclose(direct.detach().numpy(), ty.detach().numpy(), rtol=0, atol=ATOL)
    g = rng.normal(size=tuple(ty.shape))
    ty.backward(torch.tensor(g))

    y, X = _ours(conv, x, g)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=0, atol=ATOL)
    np.testing.assert_allclose(X.grad().numpy(), tx.grad.numpy(), rtol=0, atol=ATOL)
    np.testing.assert_allclose(conv.weights.grad().numpy(), tw.grad.numpy(), rtol=0, atol=ATOL)
    np.testing.assert_allclose(conv.biases.grad().numpy(), tb.grad.numpy(), rtol=0, atol=ATOL)


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("padding", [0, 1])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("kernel", [2, 3])
@pytest.mark.parametrize(
    ("layer", "function"), [(MaxPool2D, F.max_pool2d), (AvgPool2D, F.avg_pool2d)], ids=["max", "avg"]
)
def test_pooling_matches_torch(
    layer: Any, function: Any, channels: int, padding: int, stride: int, kernel: int
) -> None:
    pool = layer(kernel, stride=stride, padding=padding)
    x = rng.normal(size=(2, channels, 7, 6))
    tx = torch.tensor(x, requires_grad=True)
    ty = function(tx, kernel, stride=stride, padding=padding)
    g = rng.normal(size=tuple(ty.shape))
    ty.backward(torch.tensor(g))

    y, X = _ours(pool, x, g)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=0, atol=ATOL)
    np.testing.assert_allclose(X.grad().numpy(), tx.grad.numpy(), rtol=0, atol=ATOL)


@pytest.mark.parametrize("shape", [(2, 1, 5, 5), (3, 4, 6, 3)])
def test_global_avg_pool2d_matches_torch(shape: tuple[int, ...]) -> None:
    x = rng.normal(size=shape)
    tx = torch.tensor(x, requires_grad=True)
    ty = F.adaptive_avg_pool2d(tx, 1).flatten(1)
    g = rng.normal(size=tuple(ty.shape))
    ty.backward(torch.tensor(g))

    y, X = _ours(GlobalAvgPool2D(), x, g)
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=0, atol=ATOL)
    np.testing.assert_allclose(X.grad().numpy(), tx.grad.numpy(), rtol=0, atol=ATOL)
