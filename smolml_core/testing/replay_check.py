"""The kit's replay check: training with a component replays to the same numbers as eager training.

``train()`` replays captured steps (``smolml_core.nn.replay``) and promises
the weights of the eager steps, bit for bit. This check holds every
component to that: it trains a small network around the component twice from
one seed, once replayed and once eagerly, in float64 and float32, on the full
batch and on mini-batches whose last one is short, and compares every weight
and every epoch's loss exactly. The networks are built from the core alone
(an affine layer, squared error, plain gradient descent written here), so the
check depends on no plugin but the one under test.

A component that cannot be replayed passes when its steps stay eager: the
numbers are then the eager ones by construction. A component that is
replayed and changes the numbers fails, with the first weight that differs.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import numpy as np

import smolml_core.testing.domains as domains
import smolml_core.testing.primitive_checks as primitive_checks

from ..array import MLArray, zeros
from ..errors import UnusedParameterWarning
from ..nn import Layer, NeuralNetwork, Optimizer
from ..nn.data_checks import takes_labels
from ..nn.walk import named_parameters
from ..registry import resolve
from ..rng import set_seed
from .subject import NotApplicable, Problem, Subject, input_sample

__all__ = ["replay"]

ROWS = 8
"""Rows of the training data: full batch, or batches of ``BATCH`` (3, 3, then a short 2)."""

BATCH = 3
EPOCHS = 5

_FIX = (
    "a component whose forward pass changes state the operations do not show (a counter, a cache, numbers "
    "written with .data[...]) must declare the class attribute capturable = False, so training keeps it eager"
)


class _Affine(Layer):
    """activation(X @ W + b): the layer the check puts around activations, losses and optimizers."""

    def __init__(self, inputs: int, outputs: int, activation: Any, dtype: Any) -> None:
        self.weights = MLArray(domains.away_from_kinks((inputs, outputs), seed=inputs * outputs) / 2, dtype=dtype)
        self.biases = zeros(1, outputs, dtype=dtype)
        self.activation = activation

    def forward(self, X: MLArray) -> MLArray:
        z = X @ self.weights + self.biases
        return z if self.activation is None else self.activation(z)


class _Scale(Layer):
    """X * w, one weight per input number: put before a layer under test, so gradients flow through it."""

    def __init__(self, sample: tuple[int, ...], dtype: Any) -> None:
        self.weights = MLArray(1 + domains.away_from_kinks(sample) / 4, dtype=dtype)

    def forward(self, X: MLArray) -> MLArray:
        return X * self.weights


class _Descent(Optimizer):
    """theta <- theta - 0.1 g."""

    def step(self, value: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        value -= self.learning_rate * grad


def _squared_error(y_pred: MLArray, y_true: MLArray) -> MLArray:
    diff = y_pred - y_true
    return (diff * diff).mean()


def replay(subject: Subject) -> None:
    """Replayed training equals eager training bit for bit, in float64 and float32, full batch and mini-batch."""
    if subject.kind not in ("activation", "loss", "optimizer", "layer", "primitive"):
        raise NotApplicable(f"{subject.kind}s take no part in the steps that training replays")
    for dtype in (np.float64, np.float32):
        for batch_size in (None,) if subject.kind == "primitive" else (None, BATCH):
            replayed, report = _train(subject, dtype, batch_size, replay=True)
            eager, _ = _train(subject, dtype, batch_size, replay=False)
            batches = "on the full batch" if batch_size is None else f"on batches of {batch_size}"
            where = f"training in {np.dtype(dtype).name} {batches}"
            _compare(replayed, eager, where, report)


def _train(subject: Subject, dtype: Any, batch_size: int | None, *, replay: bool) -> tuple[dict[str, Any], Any]:
    set_seed(domains.SEED)
    network, X, y = _network(subject, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnusedParameterWarning)
        history = network.train(X, y, EPOCHS, verbose=False, batch_size=batch_size, shuffle=False, replay=replay)
    weights = {
        f"layers[{i}].{name}": param.numpy().copy()
        for i, layer in enumerate(network.layers)
        for name, param in named_parameters(layer).items()
    }
    weights["losses"] = np.array(list(history))
    return weights, history.replay


def _network(subject: Subject, dtype: Any) -> tuple[NeuralNetwork, np.ndarray, np.ndarray]:
    """A small network around the component, and data for it, drawn from the kit's seed."""
    rng = np.random.default_rng(domains.SEED)
    X = domains.away_from_kinks((ROWS, 4)).astype(dtype)
    if subject.kind == "layer":
        return _layer_network(subject, dtype, rng)
    if subject.kind == "primitive":
        return _primitive_network(subject, dtype, rng)
    if subject.kind == "activation":
        layers = [_Affine(4, 5, subject.build(), dtype), _Affine(5, 3, None, dtype)]
        return NeuralNetwork(layers, _squared_error, _Descent(0.1)), X, rng.normal(size=(ROWS, 3)).astype(dtype)
    labels = rng.integers(0, 3, size=ROWS)
    one_hot = np.eye(3, dtype=dtype)[labels]
    if subject.kind == "loss":  # predictions in (0, 1), one-hot targets (or their labels): every loss's domain
        loss = subject.build()
        layers = [_Affine(4, 5, MLArray.tanh, dtype), _Affine(5, 3, MLArray.sigmoid, dtype)]
        return NeuralNetwork(layers, loss, _Descent(0.1)), X, labels.astype(dtype) if takes_labels(loss) else one_hot
    layers = [_Affine(4, 5, MLArray.tanh, dtype), _Affine(5, 3, None, dtype)]
    return NeuralNetwork(layers, _squared_error, subject.build()), X, one_hot


def _layer_network(subject: Subject, dtype: Any, rng: np.random.Generator) -> tuple[NeuralNetwork, Any, Any]:
    layer = _build_layer(subject, dtype)
    sample = tuple(input_sample(layer, subject.params))
    X = domains.away_from_kinks((ROWS, *sample)).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnusedParameterWarning)
        out = layer.forward(MLArray(X, requires_grad=False))
    network = NeuralNetwork([_Scale(sample, dtype), layer], _squared_error, _Descent(0.1))
    return network, X, rng.normal(size=out.shape).astype(dtype)


class _Operands(Layer):
    """The operation under test on its example's arguments, which it trains; the input rows only set the batch."""

    def __init__(self, op: Any, case: Any, dtype: Any) -> None:
        self.op, self.kwargs = op, dict(case.kwargs)
        self.args = [MLArray(arg, dtype=dtype) if i in case.differentiable else arg for i, arg in enumerate(case.args)]

    def forward(self, X: MLArray) -> MLArray:
        out: MLArray = self.op(*self.args, **self.kwargs)
        return out if out.ndim else out.reshape(1, 1)  # one row, so the data has rows too


def _primitive_network(subject: Subject, dtype: Any, rng: np.random.Generator) -> tuple[NeuralNetwork, Any, Any]:
    op = primitive_checks.operation_of(subject)
    layer = _Operands(op, primitive_checks.cases(subject, op)[0], dtype)
    out = layer.forward(MLArray(0.0))
    target = rng.normal(size=out.shape).astype(dtype)
    rows = target.shape[0] if target.ndim else 1
    return NeuralNetwork([layer], _squared_error, _Descent(0.1)), np.zeros((rows, 1), dtype), target


def _build_layer(subject: Subject, dtype: Any) -> Any:
    """The layer, in ``dtype`` when it takes a ``dtype`` parameter (float64 otherwise: then the check is float64)."""
    if "dtype" in _parameters(subject) and "dtype" not in subject.params:
        params = {**subject.params, "dtype": np.dtype(dtype).name}
        return resolve("layer", {"type": subject.lookup_name, **params})
    return subject.build()


def _parameters(subject: Subject) -> set[str]:
    try:
        return set(inspect.signature(subject.component.obj).parameters)
    except (TypeError, ValueError):
        return set()


def _compare(replayed: dict[str, Any], eager: dict[str, Any], where: str, report: Any) -> None:
    for name, expected in eager.items():
        got = replayed[name]
        if got.shape != expected.shape or not np.array_equal(got, expected, equal_nan=True):
            difference = np.max(np.abs(got - expected)) if got.shape == expected.shape else "a different shape"
            raise Problem(
                f"{where}, {name} after {EPOCHS} epochs differs between replayed and eager steps "
                f"(largest difference {difference}; {report})",
                _FIX,
            )
