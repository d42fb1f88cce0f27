"""The kit's check of an operation's export mappings: ONNX Runtime and torch against its forward and vjps.

An operation made with ``primitive(..., onnx=..., torch=...)`` is run on its
registered example three more ways, each where the packages are installed:

- its ONNX mapping, as a one-operation model run by ONNX Runtime, in float64
  (to 1e-10) and float32 (to 1e-5, relative), against ``forward``;
- its torch mapping on float64 tensors: the value against ``forward``, and
  torch's gradients of a random weighting of the output against the vjps
  (to 1e-10), so that training continued in PyTorch follows ours.

A layer with an ``export_ops`` of its own (one that fuses the operations it
recorded, such as the dense layer's Gemm) is exported alone, in a network of
one layer, and run the same two ways against its forward, to 1e-10.

Without either package, or without any mapping, the check does not apply.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np

import smolml_core.testing.domains as domains

from ..array import Operation
from ..export.onnx import OnnxGraph, onnx_model
from ..export.torch import torch_module
from ..export.trace import INPUT, Ref, trace
from ..nn import NeuralNetwork
from .primitive_checks import Case, cases, operation_of
from .subject import NotApplicable, Problem, Subject, guarded, input_sample

__all__ = ["export"]

_PACKAGES = {"onnx": ("onnx", "onnxruntime"), "torch": ("torch",)}


def export(subject: Subject) -> None:
    """The operation's ONNX and torch mappings compute what its forward and vjps compute."""
    if subject.kind == "layer":
        _layer_exports(subject)
        return
    if subject.kind != "primitive":
        raise NotApplicable("only operations carry export mappings; a component made of them exports through theirs")
    op = operation_of(subject)
    if not op.mappings:
        raise NotApplicable("it gives no mapping (primitive(..., onnx=..., torch=...)), so it does not export")
    case = cases(subject, op)[0]  # the example itself
    checked = []
    for target, check in (("onnx", _onnx_agrees), ("torch", _torch_agrees)):
        if target in op.mappings and _installed(target):
            check(op, case)
            checked.append(target)
    if not checked:
        missing = " and ".join(" and ".join(_PACKAGES[target]) for target in op.mappings)
        raise NotApplicable(f"{missing} not installed here, so its mappings cannot be run")


def _installed(target: str) -> bool:
    return all(importlib.util.find_spec(package) is not None for package in _PACKAGES[target])


def _layer_exports(subject: Subject) -> None:
    """A layer with its own ``export_ops``, alone in a network, exported and run: its forward's numbers."""
    layer = subject.build()
    if not callable(getattr(type(layer), "export_ops", None)):
        raise NotApplicable("it has no export_ops of its own: it exports through the operations it is made of")
    available = [target for target in _PACKAGES if _installed(target)]
    if not available:
        raise NotApplicable("neither onnx and onnxruntime nor torch is installed here, so its export cannot be run")
    X = domains.layer_input(input_sample(layer, subject.params))
    network = NeuralNetwork([layer], "mse")
    expected = network.predict(X).numpy()
    traced = guarded("tracing it in a network of one layer", lambda: trace(network, sample=X))
    results = {}
    if "onnx" in available:
        import onnxruntime

        model = guarded("writing it as an ONNX model", lambda: onnx_model(traced))
        session = onnxruntime.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
        results["ONNX Runtime"] = guarded("running it in ONNX Runtime", lambda: session.run(None, {INPUT: X})[0])
    if "torch" in available:
        module = guarded("making it a torch module", lambda: torch_module(traced))
        results["torch"] = guarded("running it in torch", lambda: module(X).detach().numpy())
    for runtime, got in results.items():
        if got.shape != expected.shape or not np.allclose(got, expected, rtol=0, atol=1e-10):
            raise Problem(
                f"exported, its output in {runtime} differs from its forward's (largest difference "
                f"{_largest(got, expected)})",
                "make export_ops replace the operations it is given with ones that compute the same",
            )


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
    if not tensors:  # no argument takes a gradient (a comparison): nothing to compare with the vjps
        return
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
