"""The kit's check of an operation's export mappings: ONNX Runtime and torch against its forward and vjps.

An operation made with ``primitive(..., onnx=..., torch=...)`` is run on its
registered example three more ways, each where the packages are installed:

- its ONNX mapping, as a one-operation model run by ONNX Runtime, in float64
  (to 1e-10) and float32 (to 1e-5, relative), against ``forward``;
- its torch mapping on float64 tensors: the value against ``forward``, and
  torch's gradients of a random weighting of the output against the vjps
  (to 1e-10), so that training continued in PyTorch follows ours.

Without either package, or without any mapping, the check does not apply.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np

from ..array import Operation
from ..export.onnx import OnnxGraph
from ..export.trace import Ref
from .primitive_checks import Case, cases, operation_of
from .subject import NotApplicable, Problem, Subject, guarded

__all__ = ["export"]

_PACKAGES = {"onnx": ("onnx", "onnxruntime"), "torch": ("torch",)}


def export(subject: Subject) -> None:
    """The operation's ONNX and torch mappings compute what its forward and vjps compute."""
    if subject.kind != "primitive":
        raise NotApplicable("only operations carry export mappings; a component made of them exports through theirs")
    op = operation_of(subject)
    if not op.mappings:
        raise NotApplicable("it gives no mapping (primitive(..., onnx=..., torch=...)), so it does not export")
    case = cases(subject, op)[0]  # the example itself
    checked = []
    for target, check in (("onnx", _onnx_agrees), ("torch", _torch_agrees)):
        if target in op.mappings and all(importlib.util.find_spec(p) is not None for p in _PACKAGES[target]):
            check(op, case)
            checked.append(target)
    if not checked:
        missing = " and ".join(" and ".join(_PACKAGES[target]) for target in op.mappings)
        raise NotApplicable(f"{missing} not installed here, so its mappings cannot be run")


def _onnx_agrees(op: Operation, case: Case) -> None:
    for dtype, tolerance in ((np.float64, 1e-10), (np.float32, 1e-5)):
        _onnx_agrees_in(op, case, np.dtype(dtype), tolerance)


def _onnx_agrees_in(op: Operation, case: Case, dtype: np.dtype[Any], tolerance: float) -> None:
    import onnxruntime

    args = [np.asarray(a, dtype=dtype) if i in case.differentiable else a for i, a in enumerate(case.args)]
    expected = np.asarray(op.forward(*args, **case.kwargs))
    graph = OnnxGraph(dtype)
    refs = {i: Ref(f"x{i}", np.shape(args[i]), dtype) for i in case.differentiable}
    mapped = [refs.get(i, a) for i, a in enumerate(args)]
    out = guarded(
        f"calling its onnx mapping on {case.describe()}", lambda: op.mappings["onnx"](graph, *mapped, **case.kwargs)
    )
    graph.nodes.append(graph._onnx.helper.make_node("Identity", [out], ["y"]))
    model = guarded(
        "making an ONNX model of its mapping's nodes",
        lambda: graph.model(list(refs.values()), Ref("y", expected.shape, dtype)),
    )
    session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = {ref.name: args[i] for i, ref in refs.items()}
    (got,) = guarded("running it in ONNX Runtime", lambda: session.run(None, feeds))
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=tolerance, atol=tolerance):
        raise Problem(
            f"in {dtype.name}, ONNX Runtime's result differs from the forward's on {case.describe()} "
            f"(largest difference {_largest(got, expected)})",
            "make the onnx mapping compute the forward's formula, its settings included",
        )


def _torch_agrees(op: Operation, case: Case) -> None:
    import torch

    tensors = {i: torch.tensor(case.args[i], dtype=torch.float64, requires_grad=True) for i in case.differentiable}
    args = [tensors.get(i, a) for i, a in enumerate(case.args)]
    out = guarded(f"calling its torch mapping on {case.describe()}", lambda: op.mappings["torch"](*args, **case.kwargs))
    expected = np.asarray(op.forward(*case.args, **case.kwargs))
    got = out.detach().numpy()
    if got.shape != expected.shape or not np.allclose(got, expected, rtol=0, atol=1e-10):
        raise Problem(
            f"torch's result differs from the forward's on {case.describe()} (largest difference "
            f"{_largest(got, expected)})",
            "make the torch mapping compute the forward's formula, its settings included",
        )
    g = np.random.default_rng(0).standard_normal(expected.shape)
    guarded(
        "taking torch's gradient of its torch mapping's output",
        lambda: (out * torch.from_numpy(g)).sum().backward(),
        "write the torch mapping with torch functions, which torch can differentiate",
    )
    for i, tensor in tensors.items():
        ours = op.vjps[i](g, expected, *case.args, **case.kwargs)  # type: ignore[misc,operator]
        theirs = np.zeros(tensor.shape) if tensor.grad is None else tensor.grad.numpy()
        if not np.allclose(theirs, ours, rtol=0, atol=1e-10):
            raise Problem(
                f"torch's gradient of argument {i} differs from its vjp on {case.describe()} (largest difference "
                f"{_largest(theirs, np.asarray(ours))})",
                "write the torch mapping with functions whose gradients are the operation's vjps",
            )


def _largest(a: Any, b: Any) -> str:
    try:
        return f"{float(np.max(np.abs(np.asarray(a) - np.asarray(b)))):.3g}"
    except ValueError:
        return f"shapes {np.shape(a)} and {np.shape(b)}"
