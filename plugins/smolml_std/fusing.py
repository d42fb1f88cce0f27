"""The dense layer's own export mapping: ``X @ weights + biases`` as one operator, ONNX Gemm or ``torch.addmm``.

A network is exported operation by operation (``smolml_core.export``), and
the dense layer's matrix product and bias would be written as two operators,
MatMul and Add. ``DenseLayer.export_ops`` gives them to ``fuse_affine``,
which puts one in their place where one says it better: a Gemm, which
runtimes run as one fused kernel. The activation after them stays as traced.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from smolml_core import primitive
from smolml_core.export import Op, Ref

__all__ = ["AFFINE", "fuse_affine"]


def _affine(X: Any, W: Any, b: Any) -> Any:
    """X @ W + b, for X of shape (n, n_in), W (n_in, n_out) and b (1, n_out)."""
    return X @ W + b


AFFINE = primitive("affine", _affine)
"""The fused operation's record: its name and forward, for the trace (no gradient rules: it is never run here)."""


def _gemm(graph: Any, X: Any, W: Any, b: Any) -> str:
    return str(graph.op("Gemm", graph.name(X), graph.name(W), graph.name(b)))


def _addmm(X: Any, W: Any, b: Any) -> Any:
    import torch

    return torch.addmm(b, X, W)


_MAPPINGS = {"onnx": _gemm, "torch": _addmm}


def fuse_affine(ops: list[Op]) -> list[Op]:
    """``ops`` with a leading ``matmul(X, W)`` and ``add(_, b)`` made one ``affine(X, W, b)``, when X has two axes.

    Anything else (input of more axes, where Gemm does not apply) is left as it is.
    """
    if len(ops) < 2 or ops[0].name != "matmul" or ops[1].name != "add":
        return ops
    (X, W), (product, b) = ops[0].args, ops[1].args
    refs = all(isinstance(arg, Ref) for arg in (X, W, product, b))
    if not refs or product.name != ops[0].output.name or len(X.shape) != 2 or len(W.shape) != 2 or len(b.shape) != 2:
        return ops
    fused = replace(ops[1], primitive=AFFINE.primitive, args=(X, W, b), kwargs={}, mappings=_MAPPINGS)
    return [fused, *ops[2:]]
