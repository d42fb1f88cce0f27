"""The benchmark's workloads: which network, on which data, against which targets.

Most workloads are full-batch training: one epoch is one forward pass over all
the samples, the loss, one backward pass and one optimizer step. A workload
with a ``batch_size`` takes one such step per batch of that many rows, in order
(no shuffling), and its epoch's loss is the mean of the batches' losses
weighted by their rows, as ``NeuralNetwork.train`` reports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

import smolml_core
from smolml_core import MLArray, NeuralNetwork
from smolml_core.datasets import load_dataset
from smolml_std import activation, losses, optimizers
from smolml_std.layers import DenseLayer

WIDE_BATCH = 1024
"""Samples in the wide networks' random data set (one batch)."""

QUICK_WIDE_BATCH = 128
"""The wide networks' batch in ``--quick`` mode, a smoke test rather than a measurement."""


@dataclass(frozen=True)
class Workload:
    """One network to train: data, layer sizes, activations, loss, optimizer, dtype and target ratio."""

    name: str
    group: str
    data: str
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str
    optimizer: str
    learning_rate: float
    target: float
    """Largest acceptable ratio of our median seconds per epoch to the expert numpy reference's."""
    torch_target: float
    """Smallest acceptable ratio of PyTorch's median seconds per epoch to ours (3.0: ours 3x faster)."""
    dtype: str = "float64"
    batch_size: int | None = None
    """Rows per step; None is full batch."""
    rows: int | None = None
    """Train on the data set's first ``rows`` rows only (None: all of them)."""
    check_epochs: int = 30
    """Epochs of the same-work check (fewer for the widest networks, whose epochs take up to a second)."""

    def describe(self) -> str:
        """A one-line summary such as ``2-16-1 relu/tanh, mse_loss, AdaGrad(lr=0.1), float64``."""
        arch = "-".join(str(s) for s in self.sizes)
        acts = "/".join(self.activations)
        batches = "full batch" if self.batch_size is None else f"batches of {self.batch_size}, in order"
        return f"{arch} {acts}, {self.loss}, {self.optimizer}(lr={self.learning_rate}), {self.dtype}, {batches}"


def _wide(width: int, dtype: str) -> Workload:
    suffix = "" if dtype == "float64" else "-f32"
    return Workload(
        name=f"wide-{width}{suffix}",
        group="wide" if dtype == "float64" else "wide-f32",
        data="random",
        sizes=(64, width, width, 10),
        activations=("relu", "relu", "softmax"),
        loss="categorical_cross_entropy",
        optimizer="Adam",
        learning_rate=0.001,
        target=1.05,
        torch_target=1.0,
        dtype=dtype,
        check_epochs={512: 10, 2048: 5}.get(width, 30),
    )


def _digits(
    name: str, target: float, torch_target: float, batch_size: int | None = None, rows: int | None = None
) -> Workload:
    return Workload(
        name=name,
        group="digits",
        data="digits",
        sizes=(64, 128, 64, 10),
        activations=("relu", "relu", "softmax"),
        loss="categorical_cross_entropy",
        optimizer="Adam",
        learning_rate=0.001,
        target=target,
        torch_target=torch_target,
        batch_size=batch_size,
        rows=rows,
    )


WIDTHS = (512, 2048)

WORKLOADS: tuple[Workload, ...] = (
    # The tutorial's three networks, as docs/tutorial.md trains them.
    Workload("xor", "tutorial", "xor", (2, 16, 1), ("relu", "tanh"), "mse_loss", "AdaGrad", 0.1, 1.5, 3.0),
    Workload(
        "moons",
        "tutorial",
        "moons",
        (2, 16, 8, 1),
        ("relu", "relu", "sigmoid"),
        "binary_cross_entropy",
        "Adam",
        0.01,
        1.5,
        3.0,
    ),
    Workload(
        "iris",
        "tutorial",
        "iris",
        (4, 16, 8, 3),
        ("relu", "relu", "softmax"),
        "categorical_cross_entropy",
        "Adam",
        0.01,
        1.5,
        3.0,
    ),
    _digits("digits", target=1.15, torch_target=1.0),
    # Mini-batches of 32 over the first 1792 rows: 56 equal steps an epoch.
    _digits("digits-mb32", target=1.5, torch_target=2.0, batch_size=32, rows=1792),
    *(_wide(width, "float64") for width in WIDTHS),
    *(_wide(width, "float32") for width in WIDTHS),
)

GROUPS: dict[str, str] = {
    "tutorial": "Tutorial networks (float64)",
    "digits": "Digits (scikit-learn's load_digits, pixels scaled to [0, 1], float64; mb32: batches of 32)",
    "wide": "Wide MLPs 64-w-w-10 (random data, float64)",
    "wide-f32": "Wide MLPs 64-w-w-10 (random data, float32)",
}

BY_NAME = {w.name: w for w in WORKLOADS}


def load_data(workload: Workload, quick: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` for ``workload``, float64 (the networks convert to their own dtype)."""
    if workload.data in ("xor", "moons", "iris"):
        return load_dataset(workload.data)
    n_classes = workload.sizes[-1]
    if workload.data == "digits":
        from sklearn.datasets import load_digits

        digits = load_digits()
        rows = slice(workload.rows)
        return digits.data[rows] / 16.0, np.eye(n_classes)[digits.target[rows]]  # pixels 0..16 scaled to [0, 1]
    if workload.data == "random":
        batch = QUICK_WIDE_BATCH if quick else WIDE_BATCH
        rng = np.random.default_rng(1234)
        X = rng.standard_normal((batch, workload.sizes[0]))
        return X, np.eye(n_classes)[rng.integers(0, n_classes, batch)]
    raise ValueError(f"unknown data {workload.data!r}")


def build_ours(workload: Workload) -> NeuralNetwork:
    """The workload's SmolML network, freshly initialised with ``set_seed(0)``."""
    smolml_core.set_seed(0)
    layers = [
        DenseLayer(n_in, n_out, activation_function=getattr(activation, act), dtype=workload.dtype)
        for n_in, n_out, act in zip(workload.sizes[:-1], workload.sizes[1:], workload.activations, strict=True)
    ]
    optimizer = getattr(optimizers, workload.optimizer)(learning_rate=workload.learning_rate)
    return NeuralNetwork(layers, getattr(losses, workload.loss), optimizer)


class Ours:
    """Our network behind the interface the references share (``prepare``, ``train``, ``parameters``)."""

    label = "ours"

    def __init__(self, workload: Workload) -> None:
        self.network = build_ours(workload)
        self.dtype = np.dtype(workload.dtype)
        self.batch_size = workload.batch_size

    def prepare(self, X: np.ndarray, y: np.ndarray) -> tuple[MLArray, MLArray]:
        """The data as constants of the network's dtype (converted once, outside the timing)."""
        return MLArray(X, dtype=self.dtype, requires_grad=False), MLArray(y, dtype=self.dtype, requires_grad=False)

    def train(self, X: MLArray, y: MLArray, epochs: int) -> list[float]:
        """``NeuralNetwork.train``, silently, in the workload's batches (in order); the loss of each epoch."""
        return self.network.train(X, y, epochs=epochs, verbose=False, batch_size=self.batch_size, shuffle=False)

    def parameters(self) -> np.ndarray:
        """Every parameter raveled into one vector: each layer's weights, then its biases."""
        return current_parameters(self.network)


def initial_parameters(network: NeuralNetwork) -> list[tuple[np.ndarray, np.ndarray]]:
    """Copies of ``(weights, biases)`` per layer, for the references to start from."""
    return [(layer.weights.numpy(), layer.biases.numpy()) for layer in network.layers]


def current_parameters(network: NeuralNetwork) -> np.ndarray:
    """Every parameter of ``network`` raveled into one float64 vector (to compare with a reference)."""
    return np.concatenate([np.ravel(p.numpy()) for layer in network.layers for p in (layer.weights, layer.biases)])


def batches(X: Any, y: Any, batch_size: int | None) -> Iterator[tuple[Any, Any]]:
    """``(X, y)`` in consecutive batches of ``batch_size`` rows (the whole of them when None)."""
    if batch_size is None:
        yield X, y
        return
    for start in range(0, len(X), batch_size):
        yield X[start : start + batch_size], y[start : start + batch_size]


def train_epoch(step: Callable[[Any, Any], float], X: Any, y: Any, batch_size: int | None) -> float:
    """One epoch of ``step(X_batch, y_batch) -> loss``: the batches' losses averaged, weighted by their rows."""
    if batch_size is None:
        return step(X, y)
    total = 0.0
    for X_batch, y_batch in batches(X, y, batch_size):
        total += step(X_batch, y_batch) * len(X_batch)
    return total / len(X)
