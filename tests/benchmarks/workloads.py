"""The benchmark's workloads: which network, on which data, against which target.

Every workload is full-batch training: one epoch is one forward pass over all
the samples, the loss, one backward pass and one optimizer step.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    """Largest acceptable ratio of our median seconds per epoch to the numpy reference's."""
    dtype: str = "float64"
    check_epochs: int = 30
    """Epochs of the same-work check (fewer for the widest networks, whose epochs take up to a second)."""

    def describe(self) -> str:
        """A one-line summary such as ``2-16-1 relu/tanh, mse_loss, AdaGrad(lr=0.1), float64``."""
        arch = "-".join(str(s) for s in self.sizes)
        acts = "/".join(self.activations)
        return f"{arch} {acts}, {self.loss}, {self.optimizer}(lr={self.learning_rate}), {self.dtype}"


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
        target=1.1 if width >= 512 else 1.15,
        dtype=dtype,
        check_epochs={512: 10, 2048: 5}.get(width, 30),
    )


WIDTHS = (32, 128, 512, 2048)

WORKLOADS: tuple[Workload, ...] = (
    # The tutorial's three networks, as docs/tutorial.md trains them.
    Workload("xor", "tutorial", "xor", (2, 16, 1), ("relu", "tanh"), "mse_loss", "AdaGrad", 0.1, 1.5),
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
    ),
    Workload(
        "digits",
        "digits",
        "digits",
        (64, 128, 64, 10),
        ("relu", "relu", "softmax"),
        "categorical_cross_entropy",
        "Adam",
        0.001,
        1.15,
    ),
    *(_wide(width, "float64") for width in WIDTHS),
    *(_wide(width, "float32") for width in WIDTHS),
)

GROUPS: dict[str, str] = {
    "tutorial": "Tutorial networks (float64)",
    "digits": "Digits (scikit-learn's load_digits, pixels scaled to [0, 1], float64)",
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
        return digits.data / 16.0, np.eye(n_classes)[digits.target]  # pixels 0..16 scaled to [0, 1]
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

    def prepare(self, X: np.ndarray, y: np.ndarray) -> tuple[MLArray, MLArray]:
        """The data as constants of the network's dtype (converted once, outside the timing)."""
        return MLArray(X, dtype=self.dtype, requires_grad=False), MLArray(y, dtype=self.dtype, requires_grad=False)

    def train(self, X: MLArray, y: MLArray, epochs: int) -> list[float]:
        """``NeuralNetwork.train``, silently; the loss of each epoch."""
        return self.network.train(X, y, epochs=epochs, verbose=False)

    def parameters(self) -> np.ndarray:
        """Every parameter raveled into one vector: each layer's weights, then its biases."""
        return current_parameters(self.network)


def initial_parameters(network: NeuralNetwork) -> list[tuple[np.ndarray, np.ndarray]]:
    """Copies of ``(weights, biases)`` per layer, for the references to start from."""
    return [(layer.weights.numpy(), layer.biases.numpy()) for layer in network.layers]


def current_parameters(network: NeuralNetwork) -> np.ndarray:
    """Every parameter of ``network`` raveled into one float64 vector (to compare with a reference)."""
    return np.concatenate([np.ravel(p.numpy()) for layer in network.layers for p in (layer.weights, layer.biases)])
