"""The core's primitives as torch functions: one mapping per primitive of ``smolml_core/array/primitives.py``.

A mapping is ``mapping(*args, **kwargs) -> tensor``: the primitive's
arguments, tensors for the values of the trace (constant arrays made tensors
too, numbers left as they are), and its settings. Each is the primitive's
formula written with torch functions whose gradients are the primitive's
rules, so a loss differentiated in PyTorch gives our gradients to rounding
(``clamp`` passes the gradient at its bounds as ``clip`` does; ``amax``
shares it between ties as ``max`` does).
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

__all__ = ["TORCH_OPS"]


def _torch() -> Any:
    import torch

    return torch


def _dims(x: Any, axis: Any) -> tuple[int, ...]:
    """``axis`` as a tuple of dimensions, every one of ``x``'s when it is None."""
    if axis is None:
        return tuple(range(x.dim()))
    return (int(axis),) if isinstance(axis, (int, np.integer)) else tuple(int(a) for a in axis)


def _reduce(name: str) -> Any:
    def mapping(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
        return getattr(_torch(), name)(x, dim=_dims(x, axis), keepdim=keepdims)

    mapping.__doc__ = f"torch.{name} over ``axis`` (every axis when None)."
    return mapping


def _function(name: str) -> Any:
    def mapping(*args: Any) -> Any:
        return getattr(_torch(), name)(*args)

    mapping.__doc__ = f"torch.{name}."
    return mapping


def _clip(x: Any, low: Any, high: Any) -> Any:
    torch = _torch()
    return torch.clamp(x, torch.as_tensor(low, dtype=x.dtype), torch.as_tensor(high, dtype=x.dtype))


def _where(condition: Any, x: Any, y: Any) -> Any:
    torch = _torch()
    return torch.where(torch.as_tensor(condition, dtype=torch.bool), x, y)


def _comparison(name: str) -> Any:
    def mapping(x: Any, y: Any) -> Any:
        torch = _torch()
        x = torch.as_tensor(x)  # either side may be a constant of the trace
        return getattr(torch, name)(x, torch.as_tensor(y, dtype=x.dtype)).to(x.dtype)

    mapping.__doc__ = f"torch.{name}, as 1.0 and 0.0 in x's dtype."
    return mapping


def _softmax(x: Any, axis: int = -1) -> Any:
    return _torch().softmax(x, dim=axis)


def _sigmoid_cross_entropy(z: Any, y: Any) -> Any:
    """PyTorch's binary cross-entropy from logits, per element: its gradient is sigmoid(z) - y, as ours."""
    torch = _torch()
    z, y = torch.broadcast_tensors(torch.as_tensor(z), torch.as_tensor(y, dtype=torch.as_tensor(z).dtype))
    return torch.nn.functional.binary_cross_entropy_with_logits(z, y, reduction="none")


def _softmax_cross_entropy(z: Any, y: Any, axis: int = -1) -> Any:
    """sum(y (logsumexp(z) - z)) along ``axis`` of z, counted from the end."""
    axis = axis - z.dim() if axis >= 0 else axis
    torch = _torch()
    return torch.sum(y * (torch.logsumexp(z, dim=axis, keepdim=True) - z), dim=axis)


def _reshape(x: Any, shape: Any) -> Any:
    return x.reshape(tuple(int(s) for s in shape))


def _transpose(x: Any, axes: Any = None) -> Any:
    perm = tuple(reversed(range(x.dim()))) if axes is None else tuple(int(a) % x.dim() for a in axes)
    return x.permute(perm)


def _getitem(x: Any, index: Any) -> Any:
    """numpy's indexing in torch: basic indices one axis at a time (torch has no negative steps), arrays at once."""
    torch = _torch()
    parts = list(index) if isinstance(index, tuple) else [index]
    if not all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer)) for p in parts):
        converted = tuple(torch.as_tensor(p) if isinstance(p, (np.ndarray, list)) else p for p in parts)
        return x[converted if isinstance(index, tuple) else converted[0]]
    if Ellipsis in parts:
        at = parts.index(Ellipsis)
        parts[at : at + 1] = [slice(None)] * (x.dim() - (sum(p is not None for p in parts) - 1))
    axis = 0
    for part in parts:
        if part is None:
            x = x.unsqueeze(axis)
            axis += 1
        elif isinstance(part, slice):
            if part.step is not None and part.step < 0:
                x = x.index_select(axis, torch.as_tensor(np.arange(x.shape[axis])[part].copy()))
            else:
                x = x[(slice(None),) * axis + (part,)]
            axis += 1
        else:
            x = x.select(axis, int(part))
    return x


TORCH_OPS: dict[str, Any] = {
    "add": operator.add,
    "subtract": operator.sub,
    "multiply": operator.mul,
    "divide": operator.truediv,
    "power": operator.pow,
    "matmul": _function("matmul"),
    "negative": operator.neg,
    "exp": _function("exp"),
    "log": _function("log"),
    "sqrt": _function("sqrt"),
    "abs": _function("abs"),
    "tanh": _function("tanh"),
    "sigmoid": _function("sigmoid"),
    "relu": _function("relu"),
    "clip": _clip,
    "less": _comparison("lt"),
    "less_equal": _comparison("le"),
    "greater": _comparison("gt"),
    "greater_equal": _comparison("ge"),
    "where": _where,
    "sum": _reduce("sum"),
    "mean": _reduce("mean"),
    "max": _reduce("amax"),
    "min": _reduce("amin"),
    "logsumexp": _reduce("logsumexp"),
    "softmax": _softmax,
    "sigmoid_cross_entropy": _sigmoid_cross_entropy,
    "softmax_cross_entropy": _softmax_cross_entropy,
    "reshape": _reshape,
    "transpose": _transpose,
    "getitem": _getitem,
}
"""The torch mapping of each of the core's primitives, by name."""
