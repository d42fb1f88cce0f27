"""Shared by the persistence tests: small networks, and exact comparisons of two networks."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from smolml_core import MLArray, NeuralNetwork, build_network, set_seed, use_registry
from smolml_core.registry.loader import installed_entry_points
from smolml_core.registry.registry import Registry

INSTALLED = installed_entry_points()
"""The installed plugins' entry points, as tests/conftest.py uses them."""


def installed_registry() -> Registry:
    """A fresh registry holding exactly the installed plugins (nothing registered from code)."""
    return Registry(entry_points=INSTALLED)


def dataset(n_samples: int = 6, n_in: int = 3, n_out: int = 2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Inputs, and one-hot targets: valid for regression losses and for both cross-entropies."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_samples, n_in))
    y = np.eye(n_out)[rng.integers(0, n_out, n_samples)]
    return X, y


def small_network(optimizer: Any = "adam", dtype: str = "float64", **network: Any) -> NeuralNetwork:
    """3 -> 4 (tanh) -> 2 (sigmoid), mse; fits ``dataset()``."""
    return build_network(
        {
            "layers": [
                {"type": "dense", "input_size": 3, "output_size": 4, "activation_function": "tanh", "dtype": dtype},
                {"type": "dense", "input_size": 4, "output_size": 2, "activation_function": "sigmoid", "dtype": dtype},
            ],
            "loss_function": "mse",
            "optimizer": optimizer,
            **network,
        }
    )


def save_trained(path: Any) -> None:
    """Save at ``path`` a trained 3 -> 4 -> 2 network with Adam: two layers of different shapes, optimizer buffers."""
    with use_registry(installed_registry()):
        set_seed(0)
        network = small_network({"type": "adam", "learning_rate": 0.1})
        network.train(*dataset(), epochs=2, verbose=False)
        network.save(path)


def layer_arrays(network: NeuralNetwork) -> dict[str, MLArray]:
    """Every MLArray each layer holds (parameters and state such as running statistics), named as in the file."""
    return {
        f"layers.{i}.{name}": value
        for i, layer in enumerate(network.layers)
        for name, value in vars(layer).items()
        if isinstance(value, MLArray)
    }


def assert_bitwise_equal(actual: np.ndarray, expected: np.ndarray, what: str) -> None:
    assert isinstance(actual, np.ndarray) and isinstance(expected, np.ndarray), what
    assert actual.dtype == expected.dtype, f"{what}: dtype {actual.dtype} != {expected.dtype}"
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    assert np.array_equal(actual, expected), f"{what}: values differ"
    assert actual.tobytes() == expected.tobytes(), f"{what}: bits differ (e.g. -0.0 against 0.0)"


def assert_same_optimizer_state(actual: NeuralNetwork, expected: NeuralNetwork) -> None:
    """Same parameters tracked, same step counters (same type too), every buffer bitwise equal."""
    a, e = actual.optimizer.state, expected.optimizer.state
    assert sorted(a) == sorted(e)
    for key in e:
        assert sorted(a[key]) == sorted(e[key]), key
        for name, value in e[key].items():
            what = f"optimizer state {key} {name!r}"
            if isinstance(value, np.ndarray):
                assert_bitwise_equal(a[key][name], value, what)
            else:
                assert type(a[key][name]) is type(value) and a[key][name] == value, what


def assert_same_weights(actual: NeuralNetwork, expected: NeuralNetwork) -> None:
    """Every layer array (parameters and non-parameter state) bitwise equal, on the same engine."""
    a, e = layer_arrays(actual), layer_arrays(expected)
    assert sorted(a) == sorted(e)
    for key, value in e.items():
        assert a[key].engine == value.engine, key
        assert a[key].requires_grad == value.requires_grad, key
        assert_bitwise_equal(a[key].numpy(), value.numpy(), key)


def assert_same_network(actual: NeuralNetwork, expected: NeuralNetwork, X: Any = None) -> None:
    """Config, weights, optimizer state, epochs trained and (given ``X``) predictions all exactly equal."""
    assert actual.to_config() == expected.to_config()
    assert actual.epochs_trained == expected.epochs_trained
    assert_same_weights(actual, expected)
    assert_same_optimizer_state(actual, expected)
    if X is not None:
        assert_bitwise_equal(actual.predict(X).numpy(), expected.predict(X).numpy(), "predictions")


def read_archive(path: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A saved file's description (parsed) and its other arrays, read directly with numpy."""
    with np.load(path, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    meta = json.loads(arrays.pop("meta").tobytes())
    return meta, arrays


def write_archive(path: Any, meta: Any, arrays: dict[str, Any], *, meta_bytes: bytes | None = None) -> None:
    """Write an archive as ``network.save`` would, from an edited description and edited arrays."""
    text = json.dumps(meta).encode("utf-8") if meta_bytes is None else meta_bytes
    with open(path, "wb") as file:
        np.savez(file, **arrays, meta=np.frombuffer(text, dtype=np.uint8))
