"""``smolml evaluate MODEL DATA``: a saved model's loss and metrics on a config's data or on a CSV file."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..config import load_config
from ..errors import ConfigError
from ..persistence import load_network
from .csv_input import read_features, read_targets
from .data import check_fit, load_split_data, named_splits
from .description import DataDescription, usable_description
from .errors import CommandError, blame, reported
from .report import default_metrics, format_table, print_json
from .settings import read_training

if TYPE_CHECKING:
    from ..nn import NeuralNetwork

__all__ = ["run_evaluate"]

_CONFIG_SUFFIXES = (".toml", ".json")


def run_evaluate(args: argparse.Namespace) -> int:
    data_path = Path(args.data)
    suffix = data_path.suffix.lower()
    if suffix not in (*_CONFIG_SUFFIXES, ".csv"):
        raise CommandError(
            f"error: DATA must be a config file with a [data] table (.toml, .json) or a .csv file, "
            f"got {os.fspath(data_path)!r}"
        )
    if suffix == ".csv" and args.target is None:
        raise CommandError(
            f"error: --target: name the column of {os.fspath(data_path)!r} that holds the answers "
            "(for example --target species)"
        )
    with reported():
        network = load_network(args.model)
    splits: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    class_names = None
    if suffix == ".csv":
        with reported():
            X, y = _load_csv(data_path, args.target, network, usable_description(args.model, network))
        splits[data_path.name] = (X, y)
    else:
        with reported():
            config = load_config(data_path)
        with blame(data_path):
            if not isinstance(config.get("data"), dict):
                raise ConfigError(
                    'needs a [data] table (for example name = "moons", or csv = "file.csv" with target = "column")'
                )
            data = load_split_data(config["data"], data_path.parent)
            # the rows smolml train reports: its validation rows apart from the rows it trained on
            validation_split = read_training(config.get("training", {}), data_path.parent).validation_split
        splits.update(named_splits(data, validation_split))
        class_names = data.class_names
    metrics = _metrics(args.metrics, next(iter(splits.values()))[1])
    results: dict[str, dict[str, float]] = {}
    with blame(data_path):
        for name, (X, y) in splits.items():
            check_fit(network, X, y, class_names, model=os.fspath(args.model))
            results[name] = network.evaluate(X, y, metrics=metrics)
    if args.json:
        print_json(
            {
                "format": 1,
                "command": "evaluate",
                "model": os.fspath(args.model),
                "data": os.fspath(data_path),
                "metrics": results,
                "files": {},
            }
        )
    else:
        print(format_table(results, ["loss", *metrics]))
    return 0


def _load_csv(
    path: Path, target: str, network: NeuralNetwork, description: DataDescription | None
) -> tuple[np.ndarray, np.ndarray]:
    """The file's features, picked and prepared as ``predict`` does, and its answers encoded as the model's outputs."""
    _, X = read_features(path, network, description, target)
    outputs = network.predict(X[:1]).numpy().reshape(1, -1).shape[1]
    return X, read_targets(path, target, description, outputs)


def _metrics(option: str | None, y: Any) -> list[str]:
    if option is None:
        return default_metrics(y)
    names = [name.strip() for name in option.split(",") if name.strip()]
    if not names:
        raise CommandError("error: --metrics: give metric names separated by commas, for example accuracy,mse")
    return names
