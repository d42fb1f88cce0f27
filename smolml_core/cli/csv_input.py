"""A CSV file's rows made ready for a saved model: the right columns, in its order, scaled as in training.

The columns are chosen by name when the model's data description lists
feature names that the file's header holds (other columns, such as an id or
the answers, are then left out); otherwise every column but ``--target`` is
a feature, in the file's order. The values are read by
``smolml_core.datasets``, whose errors name the file, the line and the column.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..wording import did_you_mean
from .description import DataDescription

__all__ = ["class_targets", "feature_columns", "model_inputs", "read_features", "read_header"]


def read_header(path: Path) -> list[str]:
    """The names in the first non-blank row of a CSV file (the rest is checked when the values are read)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            for row in csv.reader(file, skipinitialspace=True):
                if any(cell.strip() for cell in row):
                    return [cell.strip() for cell in row]
    except (OSError, UnicodeDecodeError, csv.Error):
        pass
    # Unreadable, empty or not CSV: the full reader says precisely what is wrong, naming the file and line.
    from ..datasets import load_csv_features

    load_csv_features(path)
    raise ConfigError(f"{os.fspath(path)!r} cannot be read as a CSV file with a header row")


def model_inputs(network: Any) -> int | None:
    """How many features the network's first layer takes, when it says."""
    takes = getattr(network.layers[0], "input_size", None) if network.layers else None
    return takes if isinstance(takes, int) else None


def feature_columns(
    path: Path,
    header: Sequence[str],
    description: DataDescription | None,
    takes: int | None,
    target: str | None,
) -> list[str]:
    """The columns of ``header`` that are the model's features, in the order the model takes them."""
    where = repr(os.fspath(path))
    if target is not None and target not in header:
        raise ConfigError(
            f"{where} has no column {target!r} (--target){did_you_mean(target, header)}; "
            f"its columns: {', '.join(header)}"
        )
    if description is not None and all(name in header for name in description.feature_names):
        return list(description.feature_names)
    candidates = [name for name in header if name != target]
    expected = len(description.feature_names) if description is not None else takes
    if expected is None or len(candidates) == expected:
        return candidates
    shown = ", ".join(candidates) if len(candidates) <= 12 else ", ".join(candidates[:12]) + ", ..."
    message = f"{where} has {len(candidates)} feature columns ({shown}) but the model takes {expected}"
    if description is not None:
        trained = description.feature_names
        names = ", ".join(trained) if len(trained) <= 12 else ", ".join(trained[:12]) + ", ..."
        message += f": {names}; give the file those columns (by name, or exactly these in this order)"
    elif len(candidates) > expected and target is None:
        message += "; leave out the extra columns, or name the answers column with --target"
    else:
        message += "; give the model the features it was trained on"
    raise ConfigError(message)


def read_features(
    path: Path, network: Any, description: DataDescription | None, target: str | None
) -> tuple[list[str], np.ndarray]:
    """The model's feature columns of the file, and their rows ready for the model."""
    from ..datasets import load_csv_features

    columns = feature_columns(path, read_header(path), description, model_inputs(network), target)
    X = load_csv_features(path, columns)
    return columns, (description.prepare(X) if description is not None else X)


def class_targets(
    path: Path,
    target: str,
    class_indices: np.ndarray,
    file_classes: Sequence[str],
    description: DataDescription,
    outputs: int,
) -> np.ndarray:
    """The file's classes renumbered as in training (by name), shaped as the network's outputs."""
    assert description.class_names is not None
    known = description.class_names
    mapping = []
    for name in file_classes:
        if name not in known:
            raise ConfigError(
                f"{os.fspath(path)!r}: the column {target!r} holds the class {name!r}, which the model was not "
                f"trained on{did_you_mean(name, known)}; its classes: {', '.join(known)}"
            )
        mapping.append(known.index(name))
    labels = np.asarray(mapping, dtype=int)[np.asarray(class_indices, dtype=int)]
    if outputs == 1:
        return labels.astype(float).reshape(-1, 1)
    return np.eye(len(known))[labels]
