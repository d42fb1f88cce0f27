"""The vision primitives: the formulas of ``ops`` made differentiable operations on ``MLArray``.

Each is a ``smolml_core.primitive``: a numpy forward and one vjp per
positional argument. The forwards run on object arrays of ``Value`` as they
are, so the scalar engine needs no formula of its own. The keyword arguments
(``stride``, ``padding``, ``kernel``) reach the forward and every vjp.
``onnx=`` and ``torch=`` say how each is exported (``export.py``).
"""

from __future__ import annotations

from smolml_core import primitive

from . import export, ops

__all__ = ["avg_pool2d", "conv2d", "max_pool2d"]

conv2d = primitive(
    "conv2d", ops.conv_forward, ops.conv_vjp_x, ops.conv_vjp_w, onnx=export.conv_onnx, torch=export.conv_torch
)
"""conv2d(X, W, stride=s, padding=(top, bottom, left, right)): X (n, c, h, w), W (out, c, kh, kw)."""

max_pool2d = primitive(
    "max_pool2d", ops.max_pool_forward, ops.max_pool_vjp, onnx=export.max_pool_onnx, torch=export.max_pool_torch
)
"""max_pool2d(X, kernel=(kh, kw), stride=s, padding=(top, bottom, left, right)): each window's largest value."""

avg_pool2d = primitive(
    "avg_pool2d", ops.avg_pool_forward, ops.avg_pool_vjp, onnx=export.avg_pool_onnx, torch=export.avg_pool_torch
)
"""avg_pool2d(X, kernel=(kh, kw), stride=s, padding=(top, bottom, left, right)): each window's mean."""
