"""A network's forward pass as a flat list of operations over named values: what every exporter reads.

``trace(network)`` runs the forward pass once, in inference mode, on a batch
of sample rows with the graph recorded, and reads the graph back with
``smolml_core.array.graph.plan``, the same plan a backward pass runs. Each
recorded array becomes one ``Op``: the primitive that made it, its arguments
(a ``Ref`` to an earlier value, or a constant), its keyword arguments and the
name of its result. The leaves are the input (``"input"``) and the
parameters, named by their dotted names (``layers.0.weights``).

Two things cannot be seen in one recording, so the forward pass is recorded
twice, on batches of different sizes:

- a shape that follows the batch (a flatten reshapes to ``(n, 64)``): the one
  entry of a reshape's target that changes between the two becomes ``-1``,
  so the exported model takes any batch size;
- a constant computed from the input outside the graph (a mask made by a
  comparison such as ``x > 0``): it changes between the two recordings, and
  an exporter could only write down this one batch's value, so the trace
  refuses it, naming the operation and the layer.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..array import MLArray, is_grad_enabled
from ..array.graph import plan
from ..errors import ExportError
from ..nn.mode import training_mode
from ..nn.walk import named_buffers, named_layers

if TYPE_CHECKING:
    from ..array.primitives import Primitive
    from ..nn.network import NeuralNetwork

__all__ = ["INPUT", "TARGET", "Op", "Ref", "Trace", "trace"]

INPUT = "input"
"""The name of the network's input in a trace, and in an exported ONNX model."""

TARGET = "target"
"""The name of the targets the loss compares the output with."""

_SMALL, _LARGE = 3, 5  # the two batch sizes recorded; they must differ


@dataclass(frozen=True)
class Ref:
    """An argument that is a value of the trace: the input, a parameter, a buffer, or an earlier result.

    ``shape`` is its shape with None for the axes that follow the batch.
    """

    name: str
    shape: tuple[int | None, ...]
    dtype: np.dtype[Any]


@dataclass(frozen=True)
class Op:
    """One recorded operation: ``output = primitive(*args, **kwargs)``.

    ``args`` holds a ``Ref`` for each argument that is a value of the trace
    and the constant itself (a number, a numpy array, a shape) for the others.
    ``layer`` says where it was recorded, for messages (``layers[2] (Conv2D)``).
    ``mappings``, when given, are used instead of the primitive's: a layer's
    ``export_ops`` puts them on the operation it fuses its own into.
    """

    primitive: Primitive
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    output: Ref
    layer: str
    mappings: Mapping[str, Callable[..., Any]] | None = None
    seq: int = field(default=0, compare=False)
    """When its result was made in the recording (the arrays' creation order)."""

    @property
    def name(self) -> str:
        """The primitive's name: ``"matmul"``, ``"conv2d"``."""
        return self.primitive.name


@dataclass
class Trace:
    """A network's forward pass (and its loss, when that could be traced) as operations over named values.

    ``parameters`` and ``buffers`` (every one, used by the operations or not)
    hold copies of the arrays' numbers, by dotted name. ``ops`` compute ``output`` from ``input``; ``loss_ops``
    then compute ``loss`` (a single number) from those values and ``target``.
    ``loss_problem`` says why the loss could not be traced, when it could not.
    """

    input: Ref
    output: Ref
    parameters: dict[str, np.ndarray]
    buffers: dict[str, np.ndarray]
    ops: list[Op]
    loss_ops: list[Op] = field(default_factory=list)
    loss: Ref | None = None
    target: Ref | None = None
    loss_problem: str | None = None

    @property
    def dtype(self) -> np.dtype[Any]:
        """The precision the network computes in (its input's)."""
        return self.input.dtype


def trace(network: NeuralNetwork, sample: Any = None) -> Trace:
    """Record ``network``'s forward pass (inference mode) and its loss as a ``Trace``.

    ``sample``: one or more input rows, whose shape (not numbers) the trace
    records; by default rows of ``input_size`` numbers, when the first layer
    states its ``input_size``. Raises ``ExportError`` for a forward pass that
    reads constants computed from its input outside the graph.
    """
    if not is_grad_enabled():
        raise ExportError("a network cannot be traced inside no_grad(): the trace records the graph; call it outside")
    net = _on_array_engine(network)
    rows = _sample_rows(net, sample)
    small = rows[np.arange(_SMALL) % len(rows)]
    large = rows[np.arange(_LARGE) % len(rows)][::-1]
    first, second = _Recording(net, small), _Recording(net, large)
    forward = _merge(first.forward, second.forward)
    params = {name: p.numpy() for name, p in net.named_parameters().items()}
    buffers = {name: b.numpy() for name, b in network_buffers(net).items()}
    result = Trace(
        _batched(first.refs[INPUT], second.refs[INPUT]),
        _batched(first.out_ref, second.out_ref),
        params,
        buffers,
        forward,
    )
    try:
        if first.loss_problem or second.loss_problem:
            raise ExportError(first.loss_problem or second.loss_problem or "")
        result.loss_ops = _merge(first.loss_ops, second.loss_ops)
        result.loss, result.target = first.loss_ref, _batched(first.refs[TARGET], second.refs[TARGET])
    except ExportError as exc:
        result.loss_problem = str(exc)
    return result


def _on_array_engine(network: NeuralNetwork) -> NeuralNetwork:
    """``network`` itself, or a copy on the array engine when its weights are ``Value`` objects."""
    if network.engine == "array":
        return network
    twin = copy.deepcopy(network)
    twin.set_engine("array")
    return twin


def _sample_rows(network: NeuralNetwork, sample: Any) -> np.ndarray:
    """At least one row of input in the network's precision: ``sample``'s, or ``input_size`` random numbers."""
    if sample is None:
        width = getattr(network.layers[0], "input_size", None)
        if not isinstance(width, int):
            raise ExportError(
                f"the first layer ({type(network.layers[0]).__name__}) does not state its input_size, so the shape "
                "of the input is not known; pass sample= with one or more rows of input"
            )
        sample = np.random.default_rng(0).standard_normal((_LARGE, width))
    rows = np.asarray(sample, dtype=network.dtype)
    if rows.ndim == 0 or len(rows) == 0:
        raise ExportError(f"sample= must hold one or more rows of input, got an array of shape {rows.shape}")
    return rows


class _Recording:
    """One recorded forward pass and loss, read into ops over named values."""

    def __init__(self, network: NeuralNetwork, rows: np.ndarray) -> None:
        x = MLArray(rows, dtype=network.dtype, requires_grad=True)
        self.refs: dict[str, Ref] = {}
        self.names: dict[int, str] = {id(x): INPUT}
        self.names.update({id(p): name for name, p in network.named_parameters().items()})
        self.buffer_names = {id(b.data): name for name, b in network_buffers(network).items()}
        outputs: list[MLArray] = []
        with training_mode(False), _watched(network) as calls:
            out = network._forward(x, outputs)
        self.layer_ends = [
            (o._seq, f"layers[{i}] ({type(layer).__name__})")
            for i, (o, layer) in enumerate(zip(outputs, network.layers, strict=True))
        ]
        self.forward = self._ops(out, x)
        for layer, start, end in calls:  # an inner layer's call ends first, so an outer one sees it fused
            self.forward = _fused(self.forward, layer, start, end)
        self.out_ref = self.refs[self.names[id(out)]]
        self.loss_ops: list[Op] = []
        self.loss_ref: Ref | None = None
        self.loss_problem: str | None = None
        rng = np.random.default_rng(1)
        y = MLArray(rng.random(out.shape), dtype=out.dtype, requires_grad=True)
        self.names[id(y)] = TARGET
        self.refs[TARGET] = Ref(TARGET, y.shape, y.dtype)
        try:
            loss = network.loss_function(out, y)
            self.loss_ops = self._ops(loss, x)
            self.loss_ref = self.refs[self.names[id(loss)]]
        except Exception as exc:  # kept, and raised by whatever needs the loss (the torch module's loss())
            self.loss_problem = f"the loss function could not be traced: {type(exc).__name__}: {exc}"

    def _ops(self, root: MLArray, x: MLArray) -> list[Op]:
        """The operations ``root`` depends on that are not yet named, inputs before results."""
        ops = []
        self.refs.setdefault(INPUT, Ref(INPUT, x.shape, x.dtype))
        for array, node in reversed(plan(root).steps):
            if id(array) in self.names and self.names[id(array)] in self.refs:
                continue
            if node is None:  # a leaf: the input, a parameter or the targets; any other is read as a constant
                if id(array) in self.names:
                    self.refs[self.names[id(array)]] = Ref(self.names[id(array)], array.shape, array.dtype)
                continue
            name = f"v{len(self.refs)}"
            self.names[id(array)] = name
            self.refs[name] = Ref(name, array.shape, array.dtype)
            args = tuple(
                self.refs[self.names[id(parent)]] if id(parent) in self.names else self._constant(value)
                for parent, value in zip(node.parents, node.inputs, strict=True)
            )
            layer = self._layer(array._seq)
            ops.append(Op(node.primitive, args, dict(node.kwargs), self.refs[name], layer, seq=array._seq))
        return ops

    def _constant(self, value: Any) -> Any:
        """A buffer's numbers become a ``Ref`` to the buffer; any other constant stays as it is."""
        name = self.buffer_names.get(id(value))
        if name is None:
            return value
        self.refs.setdefault(name, Ref(name, np.shape(value), np.asarray(value).dtype))
        return self.refs[name]

    def _layer(self, seq: int) -> str:
        for end, layer in self.layer_ends:
            if seq <= end:
                return layer
        return "the loss function"


@contextmanager
def _watched(network: NeuralNetwork) -> Iterator[list[tuple[Any, int, int]]]:
    """Record each call of a layer with its own ``export_ops``: (layer, creation count before, its output's).

    The layer's ``forward`` is wrapped on the instance for the recording only.
    """
    calls: list[tuple[Any, int, int]] = []
    layers = [inner for layer in network.layers for inner in (layer, *(x for _, x in named_layers(layer)))]
    watched = [
        layer for layer in layers if callable(getattr(type(layer), "export_ops", None)) and hasattr(layer, "__dict__")
    ]

    def watch(layer: Any) -> Callable[[MLArray], MLArray]:
        forward = layer.forward

        def recorded(X: MLArray) -> MLArray:
            start = MLArray(0.0)._seq  # arrays made from here on are made by this call
            out = forward(X)
            calls.append((layer, start, out._seq))
            return out

        return recorded

    for layer in watched:
        layer.forward = watch(layer)
    try:
        yield calls
    finally:
        for layer in watched:
            vars(layer).pop("forward", None)


def _fused(ops: list[Op], layer: Any, start: int, end: int) -> list[Op]:
    """``ops`` with those one call of ``layer`` recorded replaced by what its ``export_ops`` makes of them."""
    mine = [i for i, op in enumerate(ops) if start < op.seq <= end]
    if not mine:
        return ops
    first, last = mine[0], mine[-1] + 1
    replaced = layer.export_ops(ops[first:last])
    if not isinstance(replaced, list) or not all(isinstance(op, Op) for op in replaced):
        raise ExportError(
            f"{type(layer).__name__}.export_ops must return a list of Op (the operations it was given, or its own), "
            f"got {replaced!r}"
        )
    return ops[:first] + replaced + ops[last:]


def network_buffers(network: NeuralNetwork) -> dict[str, MLArray]:
    """Every layer's buffers (running statistics), by dotted name."""
    return {
        name: array
        for i, layer in enumerate(network.layers)
        for name, array in named_buffers(layer, f"layers.{i}.").items()
    }


def _batched(small: Ref, large: Ref) -> Ref:
    """``small`` with None for each axis whose size differs in ``large``: the axes that follow the batch."""
    shape = tuple(a if a == b else None for a, b in zip(small.shape, large.shape, strict=False))
    return Ref(small.name, shape, small.dtype)


def _merge(small: list[Op], large: list[Op]) -> list[Op]:
    """The operations of two recordings as one, batch-following shapes made dynamic; ExportError where they differ."""
    if [(op.primitive, op.mappings) for op in small] != [(op.primitive, op.mappings) for op in large]:
        raise ExportError(
            "the forward pass records different operations for batches of different sizes, so it cannot be "
            "written down as one graph"
        )
    return [_merge_op(a, b) for a, b in zip(small, large, strict=True)]


def _merge_op(a: Op, b: Op) -> Op:
    args: list[Any] = []
    for position, (x, y) in enumerate(zip(a.args, b.args, strict=True)):
        if isinstance(x, Ref) and isinstance(y, Ref) and x.name == y.name:
            args.append(_batched(x, y))
        elif a.name == "reshape" and position == 1 and not _same(x, y) and len(x) == len(y):
            args.append(_dynamic_target(a, tuple(x), tuple(y)))
        elif not _same(x, y):
            raise ExportError(
                f"operation {a.name!r} in {a.layer} reads a constant (argument {position}) that changes with the "
                "input: it was computed from the input outside the recorded graph (a comparison such as x > 0 "
                "makes such a mask), so an exported model could hold only one batch's value. Write that part "
                "with MLArray operations only (relu, where with a fixed condition...)"
            )
        else:
            args.append(x)
    if a.kwargs != b.kwargs:
        raise ExportError(f"operation {a.name!r} in {a.layer} is called with settings that change with the input")
    return replace(a, args=tuple(args), output=_batched(a.output, b.output))


def _dynamic_target(op: Op, small: tuple[int, ...], large: tuple[int, ...]) -> tuple[int, ...]:
    """A reshape's target with its one batch-following entry made -1 (worked out from the input's size)."""
    changing = [i for i, (s, t) in enumerate(zip(small, large, strict=True)) if s != t]
    if len(changing) != 1 or -1 in small:
        raise ExportError(
            f"operation 'reshape' in {op.layer} reshapes to {list(small)} for one batch and {list(large)} for "
            "another; only one entry may follow the batch for the export to take any batch size"
        )
    return tuple(-1 if i == changing[0] else s for i, s in enumerate(small))


def _same(x: Any, y: Any) -> bool:
    """Whether two constants are the same (numbers, arrays, tuples and slices of them)."""
    if isinstance(x, Ref) or isinstance(y, Ref):
        return False
    if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
        return bool(np.shape(x) == np.shape(y) and np.array_equal(x, y))
    if isinstance(x, (tuple, list)) and isinstance(y, (tuple, list)):
        return len(x) == len(y) and all(_same(p, q) for p, q in zip(x, y, strict=True))
    return bool(type(x) is type(y) and x == y)
