"""The tutorial's three networks, run as the docs show them, learn what the tutorial promises."""

from __future__ import annotations

import numpy as np
import pytest

import smolml_std.activation as activation
import smolml_std.losses as losses
import smolml_std.optimizers as optimizers
from smolml_core import MLArray, NeuralNetwork, build_network, set_seed
from smolml_std.layers import DenseLayer

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


# The original tutorial's training loop, character for character (a method of its NeuralNetwork).
TUTORIAL_TRAIN_LOOP = '''
def train(self, X, y, epochs, verbose=True, print_every=1):
   """
   Trains the network using gradient descent for the specified number of epochs.
   Prints loss every 100 epochs to monitor training progress.
   """
   X, y = MLArray.ensure_array(X, y)
   losses = []
   for epoch in range(epochs):
      # STEP 1 - Forward pass through the network
      y_pred = self.forward(X)

      # STEP 2 - Compute loss between predictions and targets
      loss = self.loss_function(y_pred, y)
      losses.append(loss.data.data)

      # STEP 3 - Backward pass to compute gradients
      loss.backward()

      # STEP 4 - Update parameters in each layer
      for idx, layer in enumerate(self.layers):
            layer.update(self.optimizer, idx)

      # STEP 5 - Reset gradients for next iteration
      X.restart()
      y.restart()
      for layer in self.layers:
            layer.weights.restart()
            layer.biases.restart()

      # This is just for a verbose output
      if verbose:
            if (epoch+1) % print_every == 0:
               print(f"Epoch {epoch + 1}/{epochs}, Loss: {loss.data}")

   return losses
'''


def xor_network(engine: str) -> NeuralNetwork:
    set_seed(0)
    network = NeuralNetwork(
        layers=[
            DenseLayer(input_size=2, output_size=16, activation_function=activation.relu),
            DenseLayer(input_size=16, output_size=1, activation_function=activation.tanh),
        ],
        loss_function=losses.mse_loss,
        optimizer=optimizers.AdaGrad(learning_rate=0.1),
    )
    network.set_engine(engine)
    return network


@pytest.mark.parametrize("engine", ["array", "scalar"])
def test_the_tutorials_own_training_loop_runs_verbatim(engine: str, capsys) -> None:
    namespace: dict = {"MLArray": MLArray}
    exec(compile(TUTORIAL_TRAIN_LOOP, "tutorial-train-loop", "exec"), namespace)
    X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    y = [[0.0], [1.0], [1.0], [0.0]]
    epochs = 100 if engine == "array" else 4

    history = namespace["train"](xor_network(engine), MLArray(X, engine=engine), MLArray(y, engine=engine), epochs)
    assert all(type(loss) is float for loss in history)  # loss.data.data is the number, not a buffer
    assert f"Epoch {epochs}/{epochs}, Loss: " in capsys.readouterr().out  # a Value on the scalar engine, as there
    assert list(xor_network(engine).train(X, y, epochs=epochs, verbose=False)) == history
    if engine == "array":
        assert history[-1] < history[0] / 100


def test_restart_returns_the_array_as_in_the_tutorial() -> None:
    X = MLArray([[1.0, 2.0]])
    (X * X).sum().backward()
    assert X.grad().to_list() == [[2.0, 4.0]]
    same = X
    X = X.restart()
    assert X is same and X.grad().to_list() == [[0.0, 0.0]]
