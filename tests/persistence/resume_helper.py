"""Run by test_resume.py in a new Python process: load a saved network, train it on, save it.

Usage: python resume_helper.py SOURCE TARGET DATA EPOCHS

DATA is an .npz holding X and y. Prints the losses of the epochs trained here,
as JSON (exact: Python writes floats with every digit needed to read them back).
"""

from __future__ import annotations

import json
import sys

import numpy as np

from smolml_core import load_network


def main(source: str, target: str, data: str, epochs: str) -> None:
    with np.load(data, allow_pickle=False) as arrays:
        X, y = arrays["X"], arrays["y"]
    network = load_network(source)
    losses = network.train(X, y, epochs=int(epochs), verbose=False)
    network.save(target)
    print(json.dumps(losses))


if __name__ == "__main__":
    main(*sys.argv[1:])
