"""A CSV file's rows made ready for a saved model: the right columns, in its order, scaled as in training.

With a data description the columns are chosen by name: every feature the
model was trained on must be there, in any order, and other columns (an id,
the answers) are left out. Without one, every column but ``--target`` is a
feature, in the file's order. ``predict`` and ``evaluate`` read the features
the same way, here. The values are read by
``smolml_core.datasets``, whose errors name the file, the line and the column.
"""

from __future__ import annotations

import csv
import math
import os
import reprlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..wording import did_you_mean
from .description import DataDescription

__all__ = ["feature_columns", "model_inputs", "read_features", "read_header", "read_targets"]


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
    """The columns of ``header`` that are the model's features, in the order the model takes them.

    With a data description the features are picked by name, wherever they
    are, and every other column is ignored; a trained feature the file lacks
    is an error naming it (never a guess by position). Without one, every
    column but ``target`` is a feature, in the file's order.
    """
    where = repr(os.fspath(path))
    if target is not None and target not in header:
        raise ConfigError(
            f"{where} has no column {_quoted(target)} (--target){did_you_mean(target, header)}; "
            f"its columns: {_listed(header)}"
        )
    if description is not None:
        _check_trained_features(where, header, description.feature_names, target)
        return list(description.feature_names)
    candidates = [name for name in header if name != target]
    if takes is None or len(candidates) == takes:
        return candidates
    message = f"{where} has {len(candidates)} feature columns ({_listed(candidates)}) but the model takes {takes}"
    if len(candidates) > takes and target is None:
        message += "; leave out the extra columns, or name the answers column with --target"
    else:
        message += "; give the model the features it was trained on"
    raise ConfigError(message)


def _check_trained_features(where: str, header: Sequence[str], trained: Sequence[str], target: str | None) -> None:
    """Every feature the model was trained on is a column of the file (by name)."""
    missing = [name for name in trained if name not in header]
    if not missing:
        return
    spare = [name for name in header if name not in trained and name != target]
    hint = did_you_mean(missing[0], spare)
    if len(missing) == 1:
        lacks = f"the column {_quoted(missing[0])}{hint}, a feature the model was trained on"
    else:
        lacks = f"{len(missing)} columns the model was trained on: {_listed(missing)}{hint}"
    raise ConfigError(
        f"{where} lacks {lacks}; the model takes {_listed(trained)} (by name, in any order; other columns are "
        f"ignored); the file's columns: {_listed(header)}"
    )


def read_features(
    path: Path, network: Any, description: DataDescription | None, target: str | None
) -> tuple[list[str], np.ndarray]:
    """The model's feature columns of the file, and their rows ready for the model."""
    from ..datasets import load_csv_features

    columns = feature_columns(path, read_header(path), description, model_inputs(network), target)
    X = load_csv_features(path, columns)
    return columns, (description.prepare(X) if description is not None else X)


def read_targets(path: Path, target: str, description: DataDescription | None, outputs: int) -> np.ndarray:
    """The answers in the column ``target``, encoded as the model's outputs are: what ``evaluate`` scores against.

    The encoding comes from the model, never from what the file happens to
    hold, so a test file whose rows all belong to one class is scored like
    any other. Classes the data description names are matched by name
    (one-hot rows for several outputs, 0/1 for one). Without class names,
    numbers are kept as they are for one output and are class numbers
    0, 1, ... for several; text classes are numbered in sorted order.
    """
    from ..datasets import load_csv_column, load_csv_features

    texts = load_csv_column(path, target)
    known = description.class_names if description is not None else None
    if known is not None:
        labels = _class_numbers(path, target, texts, known)
        return labels.astype(float).reshape(-1, 1) if outputs == 1 else np.eye(len(known))[labels]
    if all(_is_number(text) for text in texts):
        numbers = load_csv_features(path, [target])  # says at which line a value is not a finite number
        whole = bool(np.all(numbers == np.round(numbers)) and np.all((numbers >= 0) & (numbers < outputs)))
        if outputs == 1 or not whole:
            return numbers
        labels = numbers[:, 0].astype(int)
    elif description is not None:
        text = next(text for text in texts if not _is_number(text))
        raise ConfigError(
            f"{os.fspath(path)!r}: the column {_quoted(target)} holds {_quoted(text)}, but the model was trained "
            "to predict numbers, not classes; give it the numbers it should have predicted"
        )
    else:
        _, labels = np.unique(texts, return_inverse=True)
        if outputs == 1:
            return labels.astype(float).reshape(-1, 1)
    return np.eye(max(outputs, int(labels.max()) + 1))[labels.reshape(-1)]


def _class_numbers(path: Path, target: str, texts: Sequence[str], known: Sequence[str]) -> np.ndarray:
    """Each row's class as its number in training (``known``, by name; ``1.0`` is the class ``1``)."""
    numbers = {name: i for i, name in enumerate(known)}
    labels = np.empty(len(texts), dtype=int)
    for row, text in enumerate(texts):
        name = text if text in numbers or not _is_number(text) else _number_name(float(text))
        if name not in numbers:
            raise ConfigError(
                f"{os.fspath(path)!r}: the column {_quoted(target)} holds the class {_quoted(text)}, which the model "
                f"was not trained on{did_you_mean(text, known)}; its classes: {_listed(known)}"
            )
        labels[row] = numbers[name]
    return labels


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _number_name(value: float) -> str:
    """A class number written as training names it: ``1.0`` -> ``"1"``, ``0.5`` -> ``"0.5"``."""
    return str(int(value)) if value.is_integer() else str(value)


_SHORT = reprlib.Repr()
_SHORT.maxstring = 60


def _quoted(text: str) -> str:
    """``text`` quoted as ``repr`` does, its middle cut out when long (a column name can be a whole line)."""
    return _SHORT.repr(text)


def _listed(names: Sequence[str], limit: int = 12) -> str:
    """The names joined with commas, each cut short, the list cut after ``limit`` names."""
    shown = ", ".join(text if len(text) <= 60 else _quoted(text) for text in names[:limit])
    return shown if len(names) <= limit else f"{shown}, ... ({len(names)} in all)"
