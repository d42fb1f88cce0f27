"""Save then load gives back exactly the same network, for every registered component.

The components are enumerated from the registry (as tests/std/test_components.py
does), so a component added to any installed plugin is saved and loaded here
the day it is registered. Each is used with non-default parameters where it has
numeric ones, so the file has to carry them.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

import numpy as np
import pytest

import smolml_core
from smolml_core import (
    NETWORK_KINDS,
    Layer,
    MLArray,
    ModelFileError,
    NeuralNetwork,
    build_network,
    get_rng,
    hookimpl,
    is_grad_enabled,
    load_network,
    register,
    set_seed,
    use_registry,
    zeros,
)
from smolml_core.nn.data_checks import takes_labels
from smolml_core.persistence import FORMAT_VERSION
from smolml_core.registry import Component, Registry
from smolml_core.wording import UPGRADE_SMOLML
from smolml_std.layers import DenseLayer

from ..registry.fakes import FakeDistribution, FakeEntryPoint, plugin_module
from .helpers import (
    INSTALLED,
    assert_bitwise_equal,
    assert_same_network,
    dataset,
    installed_registry,
    layer_arrays,
    read_archive,
    small_network,
    write_archive,
)

_INSTALLED = installed_registry()
# Only the kinds a network is made of: metrics, schedules and callbacks are not saved with it.
COMPONENTS = [c for kind in NETWORK_KINDS for c in _INSTALLED.components(kind)]

# Layers need more than numbers to be built; these are the non-default extras per layer name.
LAYER_EXTRAS: dict[str, dict[str, Any]] = {
    "dense": {
        "activation_function": {"type": "leaky_relu", "alpha": 0.2},
        "weight_initializer": {"type": "random_uniform", "limit": 0.3},
    },
}

# Layers that are not dense-shaped, given as the layers that go between the hidden and the output
# layer; each keeps the hidden layer's width of 4.
LAYERS_BETWEEN: dict[str, list[Any]] = {
    "sequential": [
        {"type": "sequential", "layers": [{"type": "dense", "output_size": 4, "activation_function": "tanh"}]}
    ],
    "residual": [{"type": "residual", "layer": {"type": "dense", "output_size": 4, "activation_function": "tanh"}}],
    "flatten": ["flatten"],
    "reshape": [{"type": "reshape", "shape": [2, 2]}, "flatten"],
}


def non_default_numbers(obj: Any) -> dict[str, float]:
    """Every float parameter with a positive default, halved (which keeps rates, margins and fractions valid)."""
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return {}
    return {
        p.name: p.default / 2
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and isinstance(p.default, float) and p.default > 0
    }


def reference_to(component: Component) -> Any:
    params = non_default_numbers(component.obj)
    return {"type": component.name, **params} if params else component.name


def config_using(component: Component) -> dict[str, Any]:
    """A small 3 -> 4 -> 2 network that uses ``component``, fitting ``dataset()``."""
    hidden: dict[str, Any] = {"type": "dense", "input_size": 3, "output_size": 4, "activation_function": "tanh"}
    output: dict[str, Any] = {"type": "dense", "input_size": 4, "output_size": 2, "activation_function": "sigmoid"}
    config: dict[str, Any] = {
        "layers": [hidden, output],
        "loss_function": "mse",
        "optimizer": {"type": "sgd_momentum", "learning_rate": 0.1},
    }
    ref = reference_to(component)
    if component.kind == "activation":
        hidden["activation_function"] = ref
    elif component.kind == "initializer":
        hidden["weight_initializer"] = ref
        output["weight_initializer"] = component.name
    elif component.kind == "loss":
        config["loss_function"] = ref
    elif component.kind == "optimizer":
        config["optimizer"] = ref
    elif component.kind == "layer" and component.name in LAYERS_BETWEEN:
        config["layers"][1:1] = LAYERS_BETWEEN[component.name]
    elif component.kind == "layer":
        config["layers"][0] = {
            "type": component.name,
            "input_size": 3,
            "output_size": 4,
            **non_default_numbers(component.obj),
            **LAYER_EXTRAS.get(component.name, {}),
        }
    else:
        pytest.fail(f"tests/persistence does not know how to put {component.kind!r} into a network yet")
    return config


def round_trip(network: NeuralNetwork, path: Any) -> NeuralNetwork:
    """Save, scramble the random generator (so fresh weights drawn while loading would differ), load."""
    network.save(path)
    set_seed(987654)
    return load_network(path)


def test_every_kind_has_registered_components() -> None:
    assert {c.kind for c in COMPONENTS} == set(NETWORK_KINDS)


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: f"{c.kind}:{c.name}")
def test_every_registered_component_round_trips(component: Component, tmp_path) -> None:
    X, y = dataset()
    if takes_labels(component.obj):  # the same classes, as one label per row
        y = y.argmax(axis=1)
    network = build_network(config_using(component))
    network.train(X, y, epochs=2, verbose=False)
    loaded = round_trip(network, tmp_path / "net.npz")
    assert_same_network(loaded, network, X)
    assert loaded.epochs_trained == 2
    assert loaded.optimizer.state, "the optimizer state should not be empty after training"


def test_non_default_parameters_reach_the_file(tmp_path) -> None:
    adam = next(c for c in COMPONENTS if c.kind == "optimizer" and c.name == "adam")
    network = build_network(config_using(adam))
    network.save(tmp_path / "net.npz")
    meta, _ = read_archive(tmp_path / "net.npz")
    assert meta["config"]["optimizer"] == {
        "type": "adam",
        "learning_rate": 0.005,
        "exp_decay_gradients": 0.45,
        "exp_decay_squared": 0.4995,
        "epsilon": 5e-09,
    }


@pytest.mark.parametrize("optimizer", [c.name for c in COMPONENTS if c.kind == "optimizer"])
def test_float32_network_round_trips(optimizer: str, tmp_path) -> None:
    X, y = dataset()
    network = small_network({"type": optimizer, "learning_rate": 0.1}, dtype="float32")
    network.train(X, y, epochs=2, verbose=False)
    loaded = round_trip(network, tmp_path / "net.npz")
    assert_same_network(loaded, network, X)
    assert loaded.dtype == np.float32
    assert all(a.dtype == np.float32 for a in layer_arrays(loaded).values())
    buffers = [v for s in loaded.optimizer.state.values() for v in s.values() if isinstance(v, np.ndarray)]
    assert all(b.dtype == np.float32 for b in buffers)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_scalar_engine_network_round_trips(optimizer: str, tmp_path) -> None:
    X, y = dataset(n_samples=4)
    network = small_network({"type": optimizer, "learning_rate": 0.1}, engine="scalar")
    network.train(X, y, epochs=2, verbose=False)
    loaded = round_trip(network, tmp_path / "net.npz")
    assert loaded.engine == "scalar"
    assert loaded.to_config()["engine"] == "scalar"
    assert isinstance(loaded.layers[0].weights.value(0, 0), smolml_core.Value)
    assert_same_network(loaded, network, X)
    # and it trains on from there exactly as the original does
    assert loaded.train(X, y, epochs=1, verbose=False) == network.train(X, y, epochs=1, verbose=False)
    assert_same_network(loaded, network, X)


# -- components registered from the test itself -----------------------------------------


def swish(x: MLArray, beta: float = 1.0) -> MLArray:
    """x * sigmoid(beta * x)."""
    return x * (beta * x).sigmoid()


class RunningCenter(Layer):
    """Subtracts a running mean of its inputs (state, not trained), then scales (trained)."""

    def __init__(self, size: int, momentum: float = 0.9, dtype: str = "float64") -> None:
        self.size = size
        self.momentum = momentum
        self.scale = MLArray(np.linspace(0.5, 1.5, size).reshape(1, size), dtype=dtype)
        self.running_mean = zeros(1, size, dtype=dtype, requires_grad=False)

    def forward(self, X: MLArray) -> MLArray:
        if is_grad_enabled():  # training: move the statistics towards this batch
            batch = X.numpy().mean(axis=0, keepdims=True)
            mixed = self.momentum * self.running_mean.data + (1 - self.momentum) * batch
            self.running_mean.data = mixed.astype(self.running_mean.dtype)
        return (X - self.running_mean) * self.scale


def register_custom_components() -> None:
    register("activation", "test_swish", swish)
    register("layer", "test_running_center", RunningCenter)


def custom_config(engine: str = "array", dtype: str = "float64") -> dict[str, Any]:
    return {
        "layers": [
            {
                "type": "dense",
                "input_size": 3,
                "output_size": 4,
                "activation_function": {"type": "test_swish", "beta": 1.5},
                "dtype": dtype,
            },
            {"type": "test_running_center", "size": 4, "momentum": 0.8, "dtype": dtype},
            {"type": "dense", "input_size": 4, "output_size": 2, "activation_function": "sigmoid", "dtype": dtype},
        ],
        "loss_function": "mse",
        "optimizer": {"type": "adam", "learning_rate": 0.05},
        "engine": engine,
    }


@pytest.mark.parametrize(("engine", "dtype"), [("array", "float64"), ("array", "float32"), ("scalar", "float64")])
def test_custom_layer_with_state_and_custom_activation_round_trip(engine: str, dtype: str, tmp_path) -> None:
    register_custom_components()
    X, y = dataset(n_samples=4)
    network = build_network(custom_config(engine, dtype))
    network.train(X, y, epochs=2, verbose=False)
    running_mean = network.layers[1].running_mean
    assert not running_mean.requires_grad and np.any(running_mean.numpy() != 0)
    assert "running_mean" not in network.layers[1].parameters()

    loaded = round_trip(network, tmp_path / "net.npz")
    assert_same_network(loaded, network, X)
    assert "layers.1.running_mean" in read_archive(tmp_path / "net.npz")[1]
    assert loaded.train(X, y, epochs=1, verbose=False) == network.train(X, y, epochs=1, verbose=False)
    assert_same_network(loaded, network, X)


def test_loaded_network_predicts_exactly_as_the_original(tmp_path) -> None:
    X, y = dataset()
    network = small_network()
    network.train(X, y, epochs=3, verbose=False)
    network.save(tmp_path / "net.npz")
    for loaded in (NeuralNetwork.load(tmp_path / "net.npz"), load_network(str(tmp_path / "net.npz"))):
        assert_bitwise_equal(loaded.predict(X).numpy(), network.predict(X).numpy(), "predictions")
        wide = np.random.default_rng(5).normal(scale=10, size=(50, 3))
        assert_bitwise_equal(loaded.predict(wide).numpy(), network.predict(wide).numpy(), "predictions")


def test_untrained_network_round_trips_with_an_empty_optimizer_state(tmp_path) -> None:
    network = small_network()
    loaded = round_trip(network, tmp_path / "net.npz")
    assert_same_network(loaded, network, dataset()[0])
    assert loaded.epochs_trained == 0 and loaded.optimizer.state == {}


def test_load_restores_the_random_generator(tmp_path) -> None:
    set_seed(42)
    network = small_network()
    network.train(*dataset(), epochs=2, verbose=False)
    network.save(tmp_path / "net.npz")
    state = get_rng().bit_generator.state
    expected_draws = get_rng().normal(size=5)

    set_seed(7)
    get_rng().normal(size=100)
    load_network(tmp_path / "net.npz")
    assert get_rng().bit_generator.state == state
    assert_bitwise_equal(get_rng().normal(size=5), expected_draws, "draws after loading")


# -- components that are not registered where the file is loaded --------------------------


def test_layer_registered_from_code_must_be_registered_again(tmp_path) -> None:
    register_custom_components()
    build_network(custom_config()).save(tmp_path / "net.npz")
    with use_registry(installed_registry()), pytest.raises(ModelFileError) as error:
        load_network(tmp_path / "net.npz")
    message = str(error.value)
    assert "net.npz" in message
    assert "'test_running_center', which was registered from code" in message
    assert "register it again (smolml_core.register('layer', 'test_running_center', ...)) before loading" in message

    with use_registry(installed_registry()):
        register_custom_components()  # doing what the message says is enough
        load_network(tmp_path / "net.npz")


def network_with_activation(activation: Any) -> NeuralNetwork:
    return NeuralNetwork([DenseLayer(3, 2, activation_function=activation)], "mse", "sgd")


def test_activation_registered_from_code_given_as_object_must_be_registered_again(tmp_path) -> None:
    register("activation", "test_swish", swish)
    network_with_activation(swish).save(tmp_path / "net.npz")
    with use_registry(installed_registry()), pytest.raises(ModelFileError, match="register it again") as error:
        load_network(tmp_path / "net.npz")
    assert "smolml_core.register('activation', 'test_swish', ...)" in str(error.value)


def test_activation_registered_from_code_given_by_name_must_be_registered_again(tmp_path) -> None:
    register("activation", "test_swish", swish)
    network_with_activation("test_swish").save(tmp_path / "net.npz")
    with use_registry(installed_registry()), pytest.raises(ModelFileError, match="register it again"):
        load_network(tmp_path / "net.npz")


class FancyDense(DenseLayer):
    """A plugin's layer (a dense layer under another name)."""


@hookimpl
def smolml_register_layers(register: Any) -> None:
    register("fancy_dense", FancyDense)


@hookimpl
def smolml_register_activations(register: Any) -> None:
    register("fancy_swish", swish)


FANCY = plugin_module(
    "fancy_plugin",
    smolml_register_layers=smolml_register_layers,
    smolml_register_activations=smolml_register_activations,
)


def registry_with_fancy(distribution: FakeDistribution | None) -> Registry:
    return Registry(entry_points=[*INSTALLED, FakeEntryPoint("fancy", FANCY, distribution)])


def test_layer_from_a_missing_plugin_names_the_distribution_to_install(tmp_path) -> None:
    X, y = dataset()
    with use_registry(registry_with_fancy(FakeDistribution("smolml-fancy", "1.4.2"))):
        network = NeuralNetwork([FancyDense(3, 2, activation_function="sigmoid")], "mse", "adam")
        network.train(X, y, epochs=2, verbose=False)
        network.save(tmp_path / "net.npz")
        assert_same_network(load_network(tmp_path / "net.npz"), network, X)  # fine where the plugin is
    meta, _ = read_archive(tmp_path / "net.npz")
    assert {"plugin": "fancy", "distribution": "smolml-fancy", "version": "1.4.2"}.items() <= next(
        p for p in meta["plugins"] if p["plugin"] == "fancy"
    ).items()

    with use_registry(installed_registry()), pytest.raises(ModelFileError) as error:
        load_network(tmp_path / "net.npz")
    message = str(error.value)
    assert "the layer 'fancy_dense' from plugin 'fancy' (distribution smolml-fancy 1.4.2)" in message
    assert "pip install smolml-fancy==1.4.2" in message


def test_activation_object_from_a_missing_plugin_names_the_distribution(tmp_path) -> None:
    with use_registry(registry_with_fancy(FakeDistribution("smolml-fancy", "1.4.2"))):
        network_with_activation(swish).save(tmp_path / "net.npz")
    with (
        use_registry(installed_registry()),
        pytest.raises(ModelFileError, match=re.escape("pip install smolml-fancy==1.4.2")),
    ):
        load_network(tmp_path / "net.npz")


def test_activation_named_from_a_missing_plugin_names_the_distribution(tmp_path) -> None:
    with use_registry(registry_with_fancy(FakeDistribution("smolml-fancy", "1.4.2"))):
        network_with_activation("fancy_swish").save(tmp_path / "net.npz")
    with (
        use_registry(installed_registry()),
        pytest.raises(ModelFileError, match=re.escape("pip install smolml-fancy==1.4.2")),
    ):
        load_network(tmp_path / "net.npz")


def test_missing_plugin_without_a_known_distribution_is_named(tmp_path) -> None:
    with use_registry(registry_with_fancy(None)):
        NeuralNetwork([FancyDense(3, 2)], "mse").save(tmp_path / "net.npz")
    with use_registry(installed_registry()), pytest.raises(ModelFileError) as error:
        load_network(tmp_path / "net.npz")
    assert "the layer 'fancy_dense' from plugin 'fancy', which is not installed or not loaded here" in str(error.value)


# -- files from a newer SmolML ------------------------------------------------------------------


@pytest.mark.parametrize("version", [FORMAT_VERSION + 1, 999])
def test_newer_format_version_says_to_upgrade(version: int, tmp_path) -> None:
    small_network().save(tmp_path / "net.npz")
    meta, arrays = read_archive(tmp_path / "net.npz")
    meta["format_version"] = version
    meta["smolml_version"] = "9.9.9"
    write_archive(tmp_path / "net.npz", meta, arrays)
    with pytest.raises(ModelFileError) as error:
        load_network(tmp_path / "net.npz")
    message = str(error.value)
    assert f"was written by a newer SmolML (9.9.9, file format {version})" in message
    assert f"this SmolML reads format {FORMAT_VERSION} and older" in message
    assert f"Upgrade SmolML: {UPGRADE_SMOLML}" in message
    assert "git pull and pip install . again" in message and "pip install --upgrade smolml" in message
