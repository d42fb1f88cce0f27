"""The ``smolml`` command: ``smolml train CONFIG`` trains the network a TOML/JSON file describes.

A config file has three tables: ``[network]`` (as for ``build_network``),
``[data]`` (``name`` of a dataset plus its parameters) and ``[training]``
(``epochs``, ``print_every``, ``seed``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from .config import build_network, load_config
from .datasets import load_dataset
from .errors import ConfigError, SmolMLError
from .rng import set_seed
from .wording import did_you_mean

__all__ = ["main", "train_from_config"]

_SECTIONS = ("network", "data", "training")
_TRAINING_KEYS = ("epochs", "print_every", "seed", "verbose")


def train_from_config(config: dict[str, Any]) -> dict[str, Any]:
    """Train as ``config`` says; return the network, the losses and the training accuracy."""
    for key in config:
        if key not in _SECTIONS:
            raise ConfigError(
                f"unknown section [{key}]{did_you_mean(key, _SECTIONS)}; sections: {', '.join(_SECTIONS)}"
            )
    for key in ("network", "data"):
        if not isinstance(config.get(key), dict):
            raise ConfigError(f"the config needs a [{key}] table")
    training = dict(config.get("training", {}))
    for key in training:
        if key not in _TRAINING_KEYS:
            raise ConfigError(
                f"unknown key{did_you_mean(key, _TRAINING_KEYS)}; [training] has: {', '.join(_TRAINING_KEYS)}",
                path=("training", key),
            )
    data = dict(config["data"])
    if "name" not in data:
        raise ConfigError("[data] needs 'name', the dataset to train on (xor, moons, iris)", path=("data",))

    X, y = load_dataset(data.pop("name"), **data)
    set_seed(training.get("seed", 0))
    try:
        network = build_network(config["network"])
    except SmolMLError as exc:
        raise exc.at("network") from exc.__cause__
    print(network)
    losses = network.train(
        X,
        y,
        epochs=training.get("epochs", 100),
        verbose=training.get("verbose", True),
        print_every=training.get("print_every", 10),
    )
    accuracy = _accuracy(network.predict(X).data, y)
    return {"network": network, "losses": losses, "accuracy": accuracy}


def _accuracy(y_pred: np.ndarray, y: np.ndarray) -> float | None:
    """Share of samples classified right, for 0/1 or one-hot targets (None for regression)."""
    if not np.isin(y, (0.0, 1.0)).all():
        return None
    if y.ndim == 2 and y.shape[1] > 1:
        return float(np.mean(y_pred.argmax(axis=1) == y.argmax(axis=1)))
    return float(np.mean((y_pred.reshape(y.shape) > 0.5) == (y > 0.5)))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="smolml", description="Train small neural networks described in files.")
    commands = parser.add_subparsers(dest="command", required=True)
    train = commands.add_parser("train", help="train the network a TOML or JSON config describes")
    train.add_argument("config", help="path to the config file")
    args = parser.parse_args(argv)

    try:
        result = train_from_config(load_config(args.config))
    except SmolMLError as exc:
        print(f"smolml: error in {args.config}: {exc}", file=sys.stderr)
        return 2
    print(f"Final loss: {result['losses'][-1]:.6f}" if result["losses"] else "No epochs were run.")
    if result["accuracy"] is not None:
        print(f"Training accuracy: {result['accuracy']:.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
