"""A network as a ``torch.nn.Module`` holding the same weights, operation by operation (needs torch).

``to_torch(network)`` traces the forward pass and the loss (``trace.py``) and
returns a module that runs the same operations with torch functions (the
core's mappings in ``torch_ops.py``, a plugin's from its
``primitive(..., torch=...)``). The weights are ``nn.Parameter``s named by our
dotted names (``layers.0.weights``: a child module ``layers``, its child
``0``, its parameter ``weights``), so ``named_parameters()`` and
``state_dict()`` use our names; running statistics are buffers. The module's
``loss(X, y)`` is our loss written the same way, so a training step in
PyTorch gives our gradients, and training can go on there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import ExportError
from .mapping import mappings
from .trace import INPUT, TARGET, Op, Ref, Trace, trace

__all__ = ["to_torch", "torch_module"]


def to_torch(network: Any, sample: Any = None) -> Any:
    """A ``torch.nn.Module`` computing ``network``'s predictions from the same weights, with its loss as ``loss``.

    ``sample`` (one or more input rows) gives the input's shape when the first
    layer does not state its ``input_size``. Raises ``ExportError`` when an
    operation has no torch mapping.
    """
    return torch_module(trace(network, sample))


def torch_module(traced: Trace) -> Any:
    """The ``torch.nn.Module`` running ``traced``."""
    forward = mappings(traced.ops, "torch")  # first: a missing mapping is named whether or not torch is installed
    try:
        import torch
    except ImportError as exc:
        raise ExportError("to_torch needs PyTorch: pip install torch") from exc
    loss_problem = traced.loss_problem
    loss: list[Callable[..., Any]] = []
    if loss_problem is None:
        try:
            loss = mappings(traced.loss_ops, "torch")
        except ExportError as exc:
            loss_problem = str(exc)
    module = torch.nn.Module()
    for name, values in traced.parameters.items():
        _place(module, name, torch.nn.Parameter(torch.from_numpy(np.array(values))), "parameter")
    for name, values in traced.buffers.items():
        _place(module, name, torch.from_numpy(np.array(values)), "buffer")
    steps = _Steps(traced, list(zip(traced.ops, forward, strict=True)), list(zip(traced.loss_ops, loss, strict=True)))
    return _module_class(torch)(module, steps, loss_problem)


class _Steps:
    """The operations to run, their mappings, and their constants made tensors once."""

    def __init__(self, traced: Trace, forward: list[tuple[Op, Any]], loss: list[tuple[Op, Any]]) -> None:
        self.traced = traced
        self.forward = [(op, mapping, [_constant(arg, op) for arg in op.args]) for op, mapping in forward]
        self.loss = [(op, mapping, [_constant(arg, op) for arg in op.args]) for op, mapping in loss]

    def run(self, values: dict[str, Any], steps: list[tuple[Op, Any, list[Any]]]) -> None:
        for op, mapping, args in steps:
            inputs = [values[arg.name] if isinstance(arg, Ref) else arg for arg in args]
            values[op.output.name] = mapping(*inputs, **op.kwargs)


def _constant(arg: Any, op: Op) -> Any:
    """A constant array as a tensor (floats in the operation's precision); a number or a shape as it is."""
    if isinstance(arg, Ref) or not isinstance(arg, np.ndarray):
        return arg
    import torch

    array = arg.astype(op.output.dtype) if arg.dtype.kind == "f" else arg
    return torch.from_numpy(np.array(array))


def _place(root: Any, dotted: str, tensor: Any, kind: str) -> None:
    """Put ``tensor`` at ``dotted`` (``layers.0.weights``) under ``root``, making the child modules on the way."""
    import torch

    *path, last = dotted.split(".")
    module = root
    for part in path:
        child = module._modules.get(part)
        if child is None:
            child = torch.nn.Module()
            module.add_module(part, child)
        module = child
    if kind == "parameter":
        module.register_parameter(last, tensor)
    else:
        module.register_buffer(last, tensor)


_CLASSES: dict[int, Any] = {}


def _module_class(torch: Any) -> Any:
    """The module class (made once, when torch is first needed: the core does not import torch)."""
    if id(torch) in _CLASSES:
        return _CLASSES[id(torch)]

    class SmolMLModule(torch.nn.Module):  # type: ignore[misc]
        """A SmolML network as a torch module: ``forward(X)`` predicts, ``loss(X, y)`` is the training loss."""

        def __init__(self, holder: Any, steps: _Steps, loss_problem: str | None) -> None:
            super().__init__()
            for name, child in holder._modules.items():
                self.add_module(name, child)
            self._steps = steps
            self._loss_problem = loss_problem

        def _values(self, X: Any) -> dict[str, Any]:
            traced = self._steps.traced
            dtype = getattr(torch, np.dtype(traced.dtype).name)
            values: dict[str, Any] = {INPUT: torch.as_tensor(X, dtype=dtype)}
            values.update(dict(self.named_parameters()))
            values.update(dict(self.named_buffers()))
            self._steps.run(values, self._steps.forward)
            return values

        def forward(self, X: Any) -> Any:
            """The network's output for the rows ``X`` (a tensor or array)."""
            return self._values(X)[self._steps.traced.output.name]

        def loss(self, X: Any, y: Any) -> Any:
            """The network's loss for inputs ``X`` and targets ``y``, as SmolML computes it in training."""
            traced = self._steps.traced
            if self._loss_problem is not None or traced.loss is None:
                raise ExportError(f"this module has no loss: {self._loss_problem}")
            values = self._values(X)
            values[TARGET] = torch.as_tensor(y, dtype=values[INPUT].dtype)
            self._steps.run(values, self._steps.loss)
            return values[traced.loss.name]

    _CLASSES[id(torch)] = SmolMLModule
    return SmolMLModule
