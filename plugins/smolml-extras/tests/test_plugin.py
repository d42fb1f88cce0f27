"""The plugin as SmolML sees it: its names in the registry, networks built by name, saved and loaded."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from smolml_core import (
    NeuralNetwork,
    Registry,
    build_network,
    get_registry,
    load_config,
    load_network,
    lookup,
    set_seed,
)

EXPECTED = {
    "activation": {"gelu": (), "softplus": (), "swish": ("silu",)},
    "loss": {"focal_loss": ("focal",), "hinge_loss": ("hinge",)},
    "optimizer": {"adamw": (), "rmsprop": ()},
    "initializer": {"orthogonal": ()},
    "layer": {"batch_norm": ("batchnorm",), "dropout": (), "layer_norm": ("layernorm",)},
}

CONFIG = {
    "layers": [
        {
            "type": "dense",
            "input_size": 3,
            "output_size": 8,
            "activation_function": "gelu",
            "weight_initializer": {"type": "orthogonal", "gain": 1.2},
        },
        {"type": "batch_norm", "size": 8, "momentum": 0.2},
        {"type": "dropout", "rate": 0.25},
        {"type": "dense", "input_size": 8, "output_size": 8, "activation_function": {"type": "swish", "beta": 1.5}},
        {"type": "layer_norm", "size": 8},
        {"type": "dense", "input_size": 8, "output_size": 4, "activation_function": "softplus"},
        {"type": "dense", "input_size": 4, "output_size": 1, "activation_function": "sigmoid"},
    ],
    "loss_function": {"type": "focal_loss", "gamma": 1.0, "alpha": 0.5},
    "optimizer": {"type": "adamw", "learning_rate": 0.02, "weight_decay": 0.05},
}

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
rng = np.random.default_rng(2)
X = rng.normal(size=(24, 3))
Y = (X[:, :1] * X[:, 1:2] > 0).astype(float)


def test_every_component_is_registered_by_the_extras_plugin(registry: Registry) -> None:
    ours = {(c.kind, c.name): c for c in registry.components() if c.plugin == "extras"}
    expected = {(kind, name): aliases for kind, names in EXPECTED.items() for name, aliases in names.items()}
    assert {key: c.aliases for key, c in ours.items()} == expected
    assert ours[("layer", "layer_norm")].example == {"size": 4}
    assert ours[("layer", "batch_norm")].example == {"size": 4}
    assert ours[("activation", "gelu")].provider.startswith("plugin 'extras'")


def test_the_standard_components_are_still_there() -> None:
    assert lookup("activation", "relu").__name__ == "relu"
    assert {"adam", "adamw", "rmsprop", "sgd"} <= set(get_registry().names("optimizer"))


def test_a_network_built_by_name_writes_itself_down_the_same_way() -> None:
    network = build_network(CONFIG)
    config = network.to_config()
    assert config["layers"][1] == {
        "type": "batch_norm",
        "size": 8,
        "momentum": 0.2,
        "epsilon": 1e-05,
        "dtype": "float64",
    }
    assert config["layers"][2] == {"type": "dropout", "rate": 0.25}
    assert config["layers"][3]["activation_function"] == {"type": "swish", "beta": 1.5}
    assert config["layers"][0]["weight_initializer"] == {"type": "orthogonal", "gain": 1.2}
    assert config["loss_function"] == {"type": "focal_loss", "gamma": 1.0, "alpha": 0.5}
    assert config["optimizer"]["type"] == "adamw" and config["optimizer"]["weight_decay"] == 0.05
    set_seed(4)
    first = build_network(config)
    set_seed(4)
    second = build_network(first.to_config())
    assert second.to_config() == first.to_config() == config
    assert [w.tolist() for w in first.get_weights()] == [w.tolist() for w in second.get_weights()]


def test_save_and_load_give_identical_predictions_and_resume_exactly(tmp_path: Path) -> None:
    network = build_network(CONFIG)
    history = network.train(X, Y, epochs=20, batch_size=8, verbose=False)
    assert history[-1] < history[0]
    path = tmp_path / "extras.npz"
    network.save(path)

    restored = NeuralNetwork.load(path)
    assert restored.to_config() == network.to_config()
    assert np.array_equal(restored.predict(X).numpy(), network.predict(X).numpy())
    for saved, loaded in zip(network.get_weights(), restored.get_weights(), strict=True):
        assert np.array_equal(saved, loaded)

    network.train(X, Y, epochs=5, batch_size=8, verbose=False)  # dropout masks come from the restored generator
    resumed = load_network(path)
    resumed.train(X, Y, epochs=5, batch_size=8, verbose=False)
    assert np.array_equal(resumed.predict(X).numpy(), network.predict(X).numpy())


@pytest.mark.parametrize("optimizer", ["rmsprop", "adamw"])
def test_optimizer_state_is_saved(tmp_path: Path, optimizer: str) -> None:
    network = build_network({**CONFIG, "optimizer": optimizer})
    network.train(X, Y, epochs=3, verbose=False)
    network.save(tmp_path / "net.npz")
    restored = load_network(tmp_path / "net.npz")
    assert restored.optimizer.state.keys() == network.optimizer.state.keys()
    for key, state in network.optimizer.state.items():
        for name, value in state.items():
            assert np.array_equal(restored.optimizer.state[key][name], value), (key, name)


def test_the_example_config_builds_and_learns() -> None:
    config = load_config(EXAMPLES / "moons_extras.toml")
    network = build_network(config["network"])
    kinds = {layer["type"] for layer in network.to_config()["layers"]}
    assert {"layer_norm", "dropout"} <= kinds
    X_moons = rng.normal(size=(64, 2))
    y_moons = (X_moons[:, 1:] > np.sin(2 * X_moons[:, :1])).astype(float)
    losses = network.train(X_moons, y_moons, epochs=40, batch_size=16, verbose=False)
    assert losses[-1] < 0.5 * losses[0]


def test_focal_without_alpha_survives_a_save(tmp_path: Path) -> None:
    """``alpha=None`` cannot be written in TOML, but a saved network keeps it (its description is JSON)."""
    network = build_network({**CONFIG, "loss_function": {"type": "focal_loss", "alpha": None}})
    network.save(tmp_path / "net.npz")
    restored = load_network(tmp_path / "net.npz")
    assert restored.to_config()["loss_function"] == {"type": "focal_loss", "alpha": None}
    assert restored.evaluate(X, Y)["loss"] == network.evaluate(X, Y)["loss"]
