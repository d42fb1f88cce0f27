"""The network an estimator trains: built from its parameters once the data says the sizes.

Two ways to say the layers. ``hidden_layer_sizes`` and ``activation`` give
dense layers of those widths, then a dense output layer. ``network`` gives
the layers as a config (``{"layers": [...]}``, as ``build_network`` reads
them): its first layer's input size and its last layer's output size (and
output activation, where it leaves them out) come from the data at ``fit``.
The loss and output activation not given are the task's (``Task``).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..config import build_network
from ..errors import ConfigError, SmolMLError
from ..nn import NeuralNetwork
from ..nn.stacking import check_widths
from ..registry import get_registry, resolve
from ..validation import is_whole_number

__all__ = ["BINARY", "MULTICLASS", "MULTILABEL", "REGRESSION", "Task", "build"]


@dataclass(frozen=True)
class Task:
    """What the estimator learns, and the output activation and loss that suit it when none is given."""

    name: str
    output_activation: str
    loss: str


MULTICLASS = Task("several classes", "softmax", "categorical_cross_entropy")
BINARY = Task("two classes", "sigmoid", "binary_cross_entropy")
MULTILABEL = Task("several labels per row", "sigmoid", "binary_cross_entropy")
REGRESSION = Task("regression", "linear", "mse")

DEFAULT_HIDDEN = (64,)
DEFAULT_ACTIVATION = "relu"


def build(estimator: Any, n_features: int, n_outputs: int, task: Task) -> NeuralNetwork:
    """A freshly initialised network for ``estimator``'s parameters, ``n_features`` in and ``n_outputs`` out.

    Errors are ``ConfigError``s naming the estimator's parameter
    (``SmolMLClassifier(activation=...)``); draws come from ``get_rng()``.
    """
    owner = type(estimator).__name__
    output_activation = task.output_activation if estimator.output_activation is None else estimator.output_activation
    loss = task.loss if estimator.loss is None else estimator.loss
    for kind, value, param in (
        ("activation", output_activation, "output_activation"),
        ("loss", loss, "loss"),
        ("activation", estimator.activation, "activation"),
    ):
        _check_component(owner, kind, value, param)
    if estimator.weight_initializer is not None:
        _check_component(owner, "initializer", estimator.weight_initializer, "weight_initializer")
    if estimator.network is None:
        layers = _dense_layers(estimator, n_outputs, output_activation)
    else:
        layers = _configured_layers(estimator, n_outputs, output_activation)
    config = {"layers": layers, "loss_function": loss, "optimizer": _optimizer(estimator)}
    try:
        network = build_network(config, input_shape=(n_features,))
        shape = check_widths(network.layers, (n_features,))
    except SmolMLError as exc:
        raise ConfigError(f"{owner}: the network cannot be built: {exc}") from exc
    if shape is not None and tuple(shape) != (n_outputs,):
        raise ConfigError(
            f"{owner}(network=...): the network outputs {tuple(shape)} per row, but the targets need "
            f"({n_outputs},); leave the last layer's output_size out and it is set from the data"
        )
    return network


def _check_component(owner: str, kind: str, value: Any, param: str) -> None:
    """Resolve ``value`` once, so a wrong name is reported as the estimator's parameter, not a layer's."""
    try:
        resolve(kind, value, param=param)
    except SmolMLError as exc:
        raise ConfigError(f"{owner}: {exc}") from exc


def _dense_layers(estimator: Any, n_outputs: int, output_activation: Any) -> list[dict[str, Any]]:
    widths = _widths(estimator.hidden_layer_sizes, type(estimator).__name__)
    extra = {} if estimator.weight_initializer is None else {"weight_initializer": estimator.weight_initializer}
    hidden = [
        {"type": "dense", "output_size": width, "activation_function": estimator.activation, **extra}
        for width in widths
    ]
    last = {"type": "dense", "output_size": n_outputs, "activation_function": output_activation, **extra}
    return [*hidden, last]


def _widths(sizes: Any, owner: str) -> list[int]:
    """``hidden_layer_sizes`` as a list of widths: one whole number, or a sequence of them (empty: no hidden layer)."""
    widths = [sizes] if is_whole_number(sizes) else sizes
    if isinstance(widths, (str, bytes, Mapping)) or not isinstance(widths, Sequence):
        raise ConfigError(
            f"{owner}(hidden_layer_sizes={sizes!r}): must be a width or a sequence of widths, such as (64, 32)"
        )
    for width in widths:
        if not is_whole_number(width) or width < 1:
            raise ConfigError(f"{owner}(hidden_layer_sizes={sizes!r}): every width must be a whole number >= 1")
    return [int(width) for width in widths]


def _configured_layers(estimator: Any, n_outputs: int, output_activation: Any) -> list[Any]:
    """The layers of ``network``, the last one given the output size and activation it leaves out."""
    owner = type(estimator).__name__
    widths = _widths(estimator.hidden_layer_sizes, owner)
    if widths != list(DEFAULT_HIDDEN) or estimator.activation != DEFAULT_ACTIVATION:
        raise ConfigError(
            f"{owner}: give the layers either as hidden_layer_sizes and activation, or as network, not both "
            "(network's layers would leave the others unused)"
        )
    config = estimator.network
    if not isinstance(config, Mapping) or "layers" not in config:
        raise ConfigError(f'{owner}(network=...): must be a table {{"layers": [...]}}, got {config!r}')
    others = sorted(set(config) - {"layers"})
    if others:
        raise ConfigError(
            f"{owner}(network=...): holds {', '.join(others)}; only its layers are read from it: choose the "
            "loss, the optimizer and the output activation with the estimator's loss, optimizer, learning_rate "
            "and output_activation, so that a search can vary them"
        )
    layers = config["layers"]
    if isinstance(layers, (str, Mapping)) or not isinstance(layers, Sequence) or not layers:
        raise ConfigError(f"{owner}(network=...): layers must be a non-empty list of layer tables")
    layers = [dict(layer) if isinstance(layer, Mapping) else layer for layer in layers]
    last = layers[-1]
    if isinstance(last, dict):
        wanted = _parameters(last.get("type"))
        if "output_size" in wanted and "output_size" not in last:
            last["output_size"] = n_outputs
        if "activation_function" in wanted and "activation_function" not in last:
            last["activation_function"] = output_activation
    return layers


def _parameters(name: Any) -> set[str]:
    """The parameter names of the layer registered as ``name`` (none if there is no such layer: building says so)."""
    try:
        cls = get_registry().get("layer", name).obj
        return set(inspect.signature(cls).parameters)
    except (SmolMLError, TypeError, ValueError):
        return set()


def _optimizer(estimator: Any) -> dict[str, Any]:
    """The optimizer table: ``optimizer`` (a name or a table) with ``learning_rate`` in it."""
    owner, optimizer, rate = type(estimator).__name__, estimator.optimizer, estimator.learning_rate
    if isinstance(optimizer, str):
        table: dict[str, Any] = {"type": optimizer}
    elif isinstance(optimizer, Mapping) and "type" in optimizer:
        table = dict(optimizer)
    else:
        raise ConfigError(
            f'{owner}(optimizer={optimizer!r}): must be a registered name ("adam") or a table '
            '({"type": "adam", "exp_decay_squared": 0.99})'
        )
    if rate is not None:
        if "learning_rate" in table:
            raise ConfigError(
                f"{owner}: the learning rate is given twice, as learning_rate={rate!r} and in optimizer; "
                "keep one (learning_rate=None leaves it to the optimizer table)"
            )
        table["learning_rate"] = rate
    _check_component(owner, "optimizer", table, "optimizer")
    return table
