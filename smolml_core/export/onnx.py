"""Writing a network as an ONNX model, operation by operation (needs the ``onnx`` package: ``smolml[export]``).

``to_onnx(network, path)`` traces the forward pass (``trace.py``), asks each
operation's mapping for its ONNX nodes (the core's in ``onnx_ops.py``, a
plugin's from its ``primitive(..., onnx=...)``), and writes one model: the
parameters as initializers named by their dotted names, an input ``input``
whose first axis (the batch) takes any size, an output ``output``, in the
precision the network was trained in. Every operation is checked for a
mapping before anything is built, and the file is written atomically, so a
failure leaves no file and no half of one.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ExportError
from ..files import write_output
from .mapping import mappings
from .trace import INPUT, Ref, Trace, trace

__all__ = ["OPSET", "OnnxGraph", "to_onnx"]

OPSET = 21
"""The ONNX operator set the models are written for."""

OUTPUT = "output"
"""The name of the exported model's output."""


class OnnxGraph:
    """The ONNX graph being built: what an operation's ONNX mapping adds its nodes to.

    ``dtype`` is the precision of the operation being exported (its result's);
    number constants are written in it.
    """

    def __init__(self, dtype: np.dtype[Any]) -> None:
        import onnx

        self._onnx = onnx
        self.dtype = np.dtype(dtype)
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self._count = 0

    def model(self, inputs: list[Ref], output: Ref) -> Any:
        """The ``onnx.ModelProto`` of the nodes so far, from ``inputs`` to ``output``, checked by ``onnx.checker``."""
        onnx = self._onnx
        model = onnx.helper.make_model(
            onnx.helper.make_graph(
                self.nodes,
                "smolml",
                [_value_info(ref) for ref in inputs],
                [_value_info(output)],
                initializer=self.initializers,
            ),
            opset_imports=[onnx.helper.make_opsetid("", OPSET)],
            producer_name="smolml",
        )
        onnx.checker.check_model(model)
        return model

    def fresh(self, stem: str) -> str:
        """A new name, unused in the graph so far."""
        self._count += 1
        return f"{stem}_{self._count}"

    def op(self, op_type: str, *inputs: str, **attributes: Any) -> str:
        """Add one node ``op_type(*inputs)`` with these attributes; return the name of its output."""
        output = self.fresh(op_type.lower())
        self.nodes.append(self._onnx.helper.make_node(op_type, list(inputs), [output], **attributes))
        return output

    def tensor(self, value: Any, dtype: Any = None, name: str | None = None) -> str:
        """A constant as an initializer; return its name. Floats are written in ``dtype``, by default ``self.dtype``."""
        array = np.asarray(value)
        if dtype is not None:
            array = array.astype(dtype)
        elif array.dtype.kind == "f":
            array = array.astype(self.dtype)
        elif array.dtype.kind in "iu":
            array = array.astype(np.int64)
        name = name or self.fresh("const")
        self.initializers.append(self._onnx.numpy_helper.from_array(array.copy(order="C"), name))
        return name

    def ints(self, values: Any) -> str:
        """A one-axis int64 constant (axes, shapes, starts and ends)."""
        return self.tensor(np.asarray(list(values), dtype=np.int64).reshape(-1), dtype=np.int64)

    def name(self, arg: Any) -> str:
        """The name of an argument: a value of the trace (cast to ``dtype`` if it is another float), or a constant."""
        if not isinstance(arg, Ref):
            return self.tensor(arg)
        if arg.dtype.kind == "f" and arg.dtype != self.dtype:
            return self.op("Cast", arg.name, to=self._onnx.helper.np_dtype_to_tensor_dtype(self.dtype))
        return arg.name

    def reduce(self, op_type: str, x: str, axis: Any, keepdims: bool) -> str:
        """``op_type`` (ReduceSum, ReduceMax...) of ``x`` over ``axis``: an int, a tuple, or None for every axis."""
        if axis is None:
            return self.op(op_type, x, keepdims=int(keepdims))
        axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
        return self.op(op_type, x, self.ints(axes), keepdims=int(keepdims))

    def logsumexp(self, x: str, shape: tuple[Any, ...], axis: Any, keepdims: bool) -> str:
        """log(sum(exp(x - m))) + m over ``axis``, m the largest element of each slice."""
        m = self.reduce("ReduceMax", x, axis, True)
        out = self.op(
            "Add", self.op("Log", self.reduce("ReduceSum", self.op("Exp", self.op("Sub", x, m)), axis, True)), m
        )
        if keepdims:
            return out
        if axis is None:
            return self.op("Reshape", out, self.ints([]))
        axes = [axis] if isinstance(axis, (int, np.integer)) else list(axis)
        return self.op("Squeeze", out, self.ints(axes))

    def slice(self, x: str, axis: int, part: slice) -> str:
        """``x[..., part]`` along ``axis``, a Python slice (its defaults included)."""
        step = 1 if part.step is None else int(part.step)
        big = np.iinfo(np.int64).max
        start = part.start if part.start is not None else (0 if step > 0 else big)
        stop = part.stop if part.stop is not None else (big if step > 0 else -big)
        return self.op("Slice", x, self.ints([start]), self.ints([stop]), self.ints([axis]), self.ints([step]))


def to_onnx(network: Any, path: str | os.PathLike[str], sample: Any = None) -> Path:
    """Write ``network`` to ``path`` as an ONNX model; return the path.

    ``sample`` (one or more input rows) gives the input's shape when the first
    layer does not state its ``input_size``. Raises ``ExportError`` (nothing
    written) when an operation has no ONNX mapping.
    """
    model = onnx_model(trace(network, sample))
    return write_output(path, lambda file: file.write(model.SerializeToString()))


def onnx_model(traced: Trace) -> Any:
    """The ``onnx.ModelProto`` computing ``traced``'s output from its input, checked by ``onnx.checker``."""
    found = mappings(traced.ops, "onnx")  # first: a missing mapping is named whether or not onnx is installed
    try:
        import onnx
    except ImportError as exc:
        raise ExportError(
            "writing ONNX needs the onnx package: pip install 'smolml[export]' (or pip install onnx)"
        ) from exc
    graph = OnnxGraph(traced.dtype)
    used = {arg.name for op in traced.ops for arg in op.args if isinstance(arg, Ref)}
    for name, values in {**traced.parameters, **traced.buffers}.items():
        if name in used:
            graph.tensor(values, dtype=values.dtype, name=name)
    names = {INPUT: INPUT, **{name: name for name in traced.parameters}, **{name: name for name in traced.buffers}}
    for op, mapping in zip(traced.ops, found, strict=True):
        graph.dtype = op.output.dtype
        args = [Ref(names[a.name], a.shape, a.dtype) if isinstance(a, Ref) else a for a in op.args]
        try:
            names[op.output.name] = mapping(graph, *args, **op.kwargs)
        except ExportError as exc:
            raise ExportError(f"operation {op.name!r} in {op.layer}: {exc}") from exc
    graph.nodes.append(onnx.helper.make_node("Identity", [names[traced.output.name]], [OUTPUT]))
    return graph.model([traced.input], Ref(OUTPUT, traced.output.shape, traced.output.dtype))


def _value_info(ref: Ref) -> Any:
    import onnx

    dims = ["batch" if size is None else size for size in ref.shape]
    return onnx.helper.make_tensor_value_info(ref.name, onnx.helper.np_dtype_to_tensor_dtype(ref.dtype), dims)
