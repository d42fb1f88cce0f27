"""A plain script with a layer made of layers, as a user would write one: run by test_nested_layers.py.

``Block`` keeps a ``DenseLayer`` as an attribute, two MLArrays in a list and
two layers in a dict. Run, it registers ``Block``,
loads a saved network in this new process and either predicts or trains on:

    python nested_script.py predict MODEL DATA OUT   # predictions to OUT (.npy)
    python nested_script.py train MODEL DATA EPOCHS OUT   # train on, save to OUT
"""

from __future__ import annotations

import sys

import numpy as np

from smolml_core import Layer, MLArray, load_network, register
from smolml_std.layers import DenseLayer


class Block(Layer):
    """tanh(inner(X) @ ws[0] + ws[1]), then the mean of two heads."""

    def __init__(self, width: int = 4) -> None:
        self.inner = DenseLayer(width, width, activation_function="tanh")
        rng = np.random.default_rng(width)
        self.ws = [MLArray(rng.normal(size=(width, width)) * 0.5), MLArray(np.zeros((1, width)))]
        self.heads = {"left": DenseLayer(width, width), "right": DenseLayer(width, width, activation_function="relu")}

    def forward(self, X: MLArray) -> MLArray:
        h = (self.inner(X) @ self.ws[0] + self.ws[1]).tanh()
        return (self.heads["left"](h) + self.heads["right"](h)) * 0.5


def main(command: str, model: str, data: str, *rest: str) -> None:
    register("layer", "nested_script_block", Block)
    with np.load(data, allow_pickle=False) as arrays:
        X, y = arrays["X"], arrays["y"]
    network = load_network(model)
    if command == "predict":
        np.save(rest[0], network.predict(X).numpy())
    else:
        network.train(X, y, epochs=int(rest[0]), verbose=False)
        network.save(rest[1])


if __name__ == "__main__":
    main(*sys.argv[1:])
