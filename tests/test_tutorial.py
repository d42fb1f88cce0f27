"""The tutorial's three networks, run as the docs show them, learn what the tutorial promises."""

from __future__ import annotations

import numpy as np
import pytest

from smolml_core import MLArray, build_network, set_seed

from .docs_examples import ROOT, marked_example

TUTORIAL = ROOT / "docs" / "tutorial.md"


def run_example(name: str, seed: int) -> dict:
    set_seed(seed)
    namespace: dict = {"__name__": f"tutorial_{name}"}
    exec(compile(marked_example(TUTORIAL, name), f"tutorial.md:{name}", "exec"), namespace)
    return namespace


def accuracy(name: str, namespace: dict) -> float:
    predictions = namespace["model"].predict(namespace["X"]).data
    targets = namespace["y"].data
    if name == "iris":
        return float(np.mean(predictions.argmax(axis=1) == targets.argmax(axis=1)))
    return float(np.mean((predictions > 0.5) == (targets > 0.5)))


TARGETS = {"xor": 1.0, "moons": 0.85, "iris": 0.90}


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_tutorial_example_learns(name: str, capsys) -> None:
    namespace = run_example(name, seed=0)
    assert accuracy(name, namespace) >= TARGETS[name]
    assert "Epoch 100/100" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(TARGETS))
def test_tutorial_example_learns_for_many_seeds(name: str, capsys) -> None:
    results = [accuracy(name, run_example(name, seed)) for seed in range(1, 41)]
    assert min(results) >= TARGETS[name], results


BY_NAME = {
    "xor": (
        [(2, 16, "relu"), (16, 1, "tanh")],
        "mse",
        {"type": "adagrad", "learning_rate": 0.1},
    ),
    "moons": (
        [(2, 16, "relu"), (16, 8, "relu"), (8, 1, "sigmoid")],
        "bce",
        {"type": "adam", "learning_rate": 0.01},
    ),
    "iris": (
        [(4, 16, "relu"), (16, 8, "relu"), (8, 3, "softmax")],
        "categorical_cross_entropy",
        {"type": "adam", "learning_rate": 0.01},
    ),
}


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_same_networks_by_name_learn(name: str) -> None:
    from smolml_core.datasets import load_dataset

    layers, loss, optimizer = BY_NAME[name]
    model = build_network(
        {
            "layers": [
                {"type": "dense", "input_size": i, "output_size": o, "activation_function": a} for i, o, a in layers
            ],
            "loss_function": loss,
            "optimizer": optimizer,
        }
    )
    X, y = load_dataset(name)
    model.train(X, y, epochs=100, verbose=False)
    namespace = {"model": model, "X": MLArray(X), "y": MLArray(y)}
    assert accuracy(name, namespace) >= TARGETS[name]
