"""Small networks, data and recording components shared by the training tests."""

from __future__ import annotations

from typing import Any

import numpy as np

from smolml_core import Callback, Layer, MLArray, NeuralNetwork, build_network

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def classifier(hidden: int = 8, inputs: int = 2, outputs: int = 1, lr: float = 0.05) -> NeuralNetwork:
    """inputs -> hidden (tanh) -> outputs (sigmoid, or softmax for several outputs), trained with Adam."""
    return build_network(
        {
            "layers": [
                {"type": "dense", "input_size": inputs, "output_size": hidden, "activation_function": "tanh"},
                {
                    "type": "dense",
                    "input_size": hidden,
                    "output_size": outputs,
                    "activation_function": "sigmoid" if outputs == 1 else "softmax",
                },
            ],
            "loss_function": "bce" if outputs == 1 else "cce",
            "optimizer": {"type": "adam", "learning_rate": lr},
        }
    )


def blobs(rows: int = 40, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Two noisy clusters, labels 0/1 as a column."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=rows)
    X = rng.normal(size=(rows, 2)) * 0.7 + np.where(labels[:, None] == 1, 1.0, -1.0)
    return X, labels.reshape(-1, 1).astype(float)


class RowRecorder(Layer):
    """Passes its input through and remembers the first feature of every row it sees, per forward call."""

    def __init__(self) -> None:
        self.seen: list[list[float]] = []

    def forward(self, X: MLArray) -> MLArray:
        self.seen.append(X.numpy()[:, 0].tolist())
        return X


class Recorder(Callback):
    """Remembers every call it gets, with a copy of the logs and of the weights after each epoch."""

    def __init__(self, name: str = "recorder", events: list[Any] | None = None) -> None:
        self.name = name
        self.events: list[Any] = [] if events is None else events
        self.weights: list[list[np.ndarray]] = []

    def on_train_begin(self, network: Any, logs: dict[str, Any]) -> None:
        self.events.append((self.name, "begin", dict(logs)))

    def on_epoch_end(self, network: Any, epoch: int, logs: dict[str, Any]) -> None:
        self.events.append((self.name, epoch, dict(logs)))
        self.weights.append(network.get_weights())

    def on_train_end(self, network: Any, logs: dict[str, Any]) -> None:
        self.events.append((self.name, "end", dict(logs)))


def same_weights(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
