"""The core's primitives as ONNX operators: one mapping per primitive of ``smolml_core/array/primitives.py``.

A mapping is ``mapping(graph, *args, **kwargs) -> name``: ``graph`` is the
``OnnxGraph`` being built, ``args`` the primitive's arguments (a ``Ref`` for a
value of the trace, the constant itself otherwise), ``kwargs`` its settings;
it adds the nodes that compute the primitive and returns the name of the last
one's output. Each formula is the one the primitive computes, so ONNX Runtime
gives the same numbers to rounding.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ExportError

if TYPE_CHECKING:
    from .onnx import OnnxGraph

__all__ = ["ONNX_OPS"]


def _elementwise(op_type: str) -> Any:
    def mapping(g: OnnxGraph, *args: Any) -> str:
        return g.op(op_type, *(g.name(a) for a in args))

    mapping.__doc__ = f"ONNX {op_type}, numpy's broadcasting."
    return mapping


def _clip(g: OnnxGraph, x: Any, low: Any, high: Any) -> str:
    """min(max(x, low), high), as the primitive computes it (ONNX Clip takes single-number bounds only)."""
    return g.op("Min", g.op("Max", g.name(x), g.name(low)), g.name(high))


def _where(g: OnnxGraph, condition: Any, x: Any, y: Any) -> str:
    """ONNX Where; a condition of numbers (a comparison's mask) is made booleans first, nonzero meaning true."""
    name = g.name(condition)
    dtype = condition.dtype if hasattr(condition, "dtype") else np.asarray(condition).dtype
    if dtype != np.bool_:
        name = g.op("Cast", name, to=g._onnx.TensorProto.BOOL)
    return g.op("Where", name, g.name(x), g.name(y))


def _comparison(op_type: str) -> Any:
    def mapping(g: OnnxGraph, x: Any, y: Any) -> str:
        mask = g.op(op_type, g.name(x), g.name(y))
        return g.op("Cast", mask, to=g._onnx.helper.np_dtype_to_tensor_dtype(g.dtype))

    mapping.__doc__ = f"ONNX {op_type}, as 1.0 and 0.0 in the network's precision."
    return mapping


def _reduce(op_type: str) -> Any:
    def mapping(g: OnnxGraph, x: Any, axis: Any = None, keepdims: bool = False) -> str:
        return g.reduce(op_type, g.name(x), axis, keepdims)

    mapping.__doc__ = f"ONNX {op_type} over ``axis`` (every axis when None)."
    return mapping


def _logsumexp(g: OnnxGraph, x: Any, axis: Any = None, keepdims: bool = False) -> str:
    """log(sum(exp(x - m))) + m with m the largest element of each slice, as the primitive computes it."""
    return g.logsumexp(g.name(x), x.shape, axis, keepdims)


def _softmax(g: OnnxGraph, x: Any, axis: int = -1) -> str:
    return g.op("Softmax", g.name(x), axis=axis)


def _sigmoid_cross_entropy(g: OnnxGraph, z: Any, y: Any) -> str:
    """softplus(z) - y z, softplus(z) = max(z, 0) + log(1 + e^-|z|)."""
    z_, y_ = g.name(z), g.name(y)
    softplus = g.op(
        "Add", g.op("Relu", z_), g.op("Log", g.op("Add", g.tensor(1.0), g.op("Exp", g.op("Neg", g.op("Abs", z_)))))
    )
    return g.op("Sub", softplus, g.op("Mul", y_, z_))


def _softmax_cross_entropy(g: OnnxGraph, z: Any, y: Any, axis: int = -1) -> str:
    """sum(y (logsumexp(z) - z)) along ``axis`` of z, counted from the end."""
    axis = axis - len(z.shape) if axis >= 0 else axis
    z_ = g.name(z)
    minus_log_p = g.op("Sub", g.logsumexp(z_, z.shape, axis, True), z_)
    return g.reduce("ReduceSum", g.op("Mul", g.name(y), minus_log_p), axis, False)


def _reshape(g: OnnxGraph, x: Any, shape: Any) -> str:
    return g.op("Reshape", g.name(x), g.ints(shape))


def _transpose(g: OnnxGraph, x: Any, axes: Any = None) -> str:
    ndim = len(x.shape)
    perm = list(reversed(range(ndim))) if axes is None else [int(a) % ndim for a in axes]
    return g.op("Transpose", g.name(x), perm=perm)


def _getitem(g: OnnxGraph, x: Any, index: Any) -> str:
    """Basic indexing (slices, integers, None, ...): Slice, Gather and Unsqueeze, one axis at a time."""
    parts = list(index) if isinstance(index, tuple) else [index]
    if not all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer)) for p in parts):
        raise ExportError(f"indexing with {index!r} has no ONNX mapping: only slices, integers, None and ... export")
    if Ellipsis in parts:
        at = parts.index(Ellipsis)
        named = sum(p is not None for p in parts) - 1
        parts[at : at + 1] = [slice(None)] * (len(x.shape) - named)
    out, axis = g.name(x), 0
    for part in parts:
        if part is None:
            out = g.op("Unsqueeze", out, g.ints([axis]))
            axis += 1
        elif isinstance(part, slice):
            if part != slice(None):
                out = g.slice(out, axis, part)
            axis += 1
        else:
            out = g.op("Gather", out, g.tensor(np.int64(part), dtype=np.int64), axis=axis)
    return out


ONNX_OPS: dict[str, Any] = {
    "add": _elementwise("Add"),
    "subtract": _elementwise("Sub"),
    "multiply": _elementwise("Mul"),
    "divide": _elementwise("Div"),
    "power": _elementwise("Pow"),
    "matmul": _elementwise("MatMul"),
    "negative": _elementwise("Neg"),
    "exp": _elementwise("Exp"),
    "log": _elementwise("Log"),
    "sqrt": _elementwise("Sqrt"),
    "abs": _elementwise("Abs"),
    "tanh": _elementwise("Tanh"),
    "sigmoid": _elementwise("Sigmoid"),
    "relu": _elementwise("Relu"),
    "clip": _clip,
    "less": _comparison("Less"),
    "less_equal": _comparison("LessOrEqual"),
    "greater": _comparison("Greater"),
    "greater_equal": _comparison("GreaterOrEqual"),
    "where": _where,
    "sum": _reduce("ReduceSum"),
    "mean": _reduce("ReduceMean"),
    "max": _reduce("ReduceMax"),
    "min": _reduce("ReduceMin"),
    "logsumexp": _logsumexp,
    "softmax": _softmax,
    "sigmoid_cross_entropy": _sigmoid_cross_entropy,
    "softmax_cross_entropy": _softmax_cross_entropy,
    "reshape": _reshape,
    "transpose": _transpose,
    "getitem": _getitem,
}
"""ONNX mapping of each of the core's primitives, by name."""
