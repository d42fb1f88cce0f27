"""``components_used``: the registry entries of every component a network is made of, found without guessing kinds."""

from __future__ import annotations

import functools
from typing import Any

from smolml_core import Layer, MLArray, NeuralNetwork, WeightInitializer, register
from smolml_core.registry import components_used
from smolml_std.activation import sigmoid
from smolml_std.initializers import HeInitialization
from smolml_std.layers import DenseLayer


def used(network: NeuralNetwork) -> list[tuple[str, str, str]]:
    return [(c.kind, c.name, c.plugin) for c in components_used(network)]


def test_the_network_parts_and_what_their_arguments_name() -> None:
    network = NeuralNetwork(
        [
            DenseLayer(2, 3, activation_function="tanh", weight_initializer="he"),
            DenseLayer(3, 1, activation_function={"type": "leaky_relu", "alpha": 0.2}),
        ],
        "mse",
        {"type": "adam", "learning_rate": 0.01},
    )
    assert used(network) == [
        ("activation", "leaky_relu", "std"),
        ("activation", "tanh", "std"),
        ("loss", "mse_loss", "std"),
        ("optimizer", "adam", "std"),
        ("initializer", "he_initialization", "std"),
        ("initializer", "xavier_uniform", "std"),  # the second layer's default, a class
        ("layer", "dense", "std"),
    ]


def test_components_given_as_objects_classes_instances_and_bound_functions() -> None:
    layer = DenseLayer(2, 1, activation_function=functools.partial(sigmoid), weight_initializer=HeInitialization())
    assert used(NeuralNetwork([layer], "mae", "sgd")) == [
        ("activation", "sigmoid", "std"),
        ("loss", "mae_loss", "std"),
        ("optimizer", "sgd", "std"),
        ("initializer", "he_initialization", "std"),
        ("layer", "dense", "std"),
    ]


class Gate(Layer):
    """Multiplies by a learned gate: y = x * g(w), with ``gate_function`` naming g; for this test."""

    def __init__(self, size: int, gate_function: Any = "sigmoid", activation: Any = "tanh") -> None:
        self.size = size
        self.w = MLArray([[0.0] * size])

    def forward(self, X: MLArray) -> MLArray:
        return X * self.w


class Sigmoidal(WeightInitializer):
    """An initializer that happens to share a name with an activation; for this test."""

    def sample(self, shape: tuple[int, ...], rng: Any) -> Any:
        return rng.normal(size=shape)


def test_a_name_is_looked_up_only_as_the_kind_its_argument_takes() -> None:
    """``"sigmoid"`` given as an activation is the activation, not an initializer registered under that name too;
    under an argument the table does not know (``gate_function``) it is not taken for any kind."""
    register("initializer", "sigmoid", Sigmoidal)
    register("layer", "test_gate", Gate)
    network = NeuralNetwork(
        [DenseLayer(2, 2, activation_function="sigmoid"), Gate(2, gate_function="relu", activation="elu")], "mse"
    )
    assert used(network) == [
        ("activation", "elu", "std"),
        ("activation", "sigmoid", "std"),
        ("loss", "mse_loss", "std"),
        ("optimizer", "sgd", "std"),
        ("initializer", "xavier_uniform", "std"),
        ("layer", "dense", "std"),
        ("layer", "test_gate", "__main__"),
    ]


def test_unregistered_components_are_left_out() -> None:
    network = NeuralNetwork([Gate(2)], lambda p, t: ((p - t) * (p - t)).mean(), "sgd")
    assert used(network) == [("activation", "tanh", "std"), ("optimizer", "sgd", "std")]
