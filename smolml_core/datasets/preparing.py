"""Getting arrays ready to train on: a train/test split, standardised features, one-hot labels.

The split draws from its own generator, seeded by its ``seed`` argument, so
splitting data never moves ``smolml_core.set_seed``'s generator: the same seed
gives the same initial weights whether or not the data was split first.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from ..array.allocation import allocate
from ..errors import ConfigError, ShapeError
from ..validation import is_number

__all__ = ["Standardized", "one_hot", "standardize", "train_test_split"]


class Standardized(NamedTuple):
    """What ``standardize`` returns: the scaled arrays and the statistics used to scale them.

    Keep ``mean`` and ``std`` to scale new data (predictions) the same way:
    ``(X_new - mean) / std``.
    """

    X_train: np.ndarray
    X_test: np.ndarray | None
    mean: np.ndarray
    std: np.ndarray


def standardize(X_train: Any, X_test: Any = None) -> Standardized:
    """Scale every feature to mean 0 and standard deviation 1, using the training rows' statistics only.

    The test rows are scaled with the *training* mean and standard deviation,
    so nothing about the test data leaks into training. A feature that never
    changes (standard deviation 0, like the always-blank corner pixels of
    ``digits``) is divided by 1 instead, and becomes 0 everywhere.
    """
    train = _matrix(X_train, "X_train")
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    std[std == 0.0] = 1.0
    test = None if X_test is None else _matrix(X_test, "X_test")
    if test is not None and test.shape[1] != train.shape[1]:
        raise ShapeError(f"X_test has {test.shape[1]} features but X_train has {train.shape[1]}")
    return Standardized((train - mean) / std, None if test is None else (test - mean) / std, mean, std)


def one_hot(labels: Any, num_classes: int | None = None) -> np.ndarray:
    """Rows of 0s with a 1 at each label's index: ``[2, 0]`` -> ``[[0, 0, 1], [1, 0, 0]]``.

    ``labels`` are whole numbers from 0, as a flat list or a column;
    ``num_classes`` defaults to the largest label plus one. Text labels need
    numbering first: ``names, labels = np.unique(text, return_inverse=True)``.
    """
    values = _labels(labels)
    count = int(values.max()) + 1 if num_classes is None else num_classes
    if values.size and values.max() >= count:
        raise ConfigError(f"label {int(values.max())} does not fit num_classes={count} (labels run 0..{count - 1})")
    what = f"one-hot targets for {values.size:,} samples and {count:,} classes, an array"
    rows = allocate((values.size, count), np.float64, np.zeros, what)
    rows[np.arange(values.size), values] = 1.0
    return rows


def train_test_split(
    X: Any, y: Any, test_size: float = 0.2, seed: int = 0, stratify: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``X_train, X_test, y_train, y_test``: a shuffled split, the same for the same ``seed``.

    ``test_size`` is the share of rows held out, in [0, 1); the test set gets
    ``ceil(test_size * rows)`` of them (none for 0). Both parts come out
    shuffled, which matters when the rows are sorted by class (iris is) and
    training later holds out its last rows for validation. ``stratify=True``
    keeps each class's share the same in both parts; the classes are read
    from ``y`` (the 1 of one-hot rows, or the value of a label column).
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) != len(y):
        raise ShapeError(f"X has {len(X)} rows but y has {len(y)}; they need one row per sample each")
    test_rows = _test_rows(len(X), test_size)
    shuffled = np.random.default_rng(seed).permutation(len(X))
    picking = _interleave_classes(shuffled, _classes(y)) if stratify else shuffled
    held_out = np.zeros(len(X), dtype=bool)
    held_out[picking[:test_rows]] = True
    test, train = shuffled[held_out[shuffled]], shuffled[~held_out[shuffled]]
    return X[train], X[test], y[train], y[test]


def _test_rows(rows: int, test_size: float) -> int:
    """How many rows the test set gets, checking that some are left to train on."""
    if not is_number(test_size) or not 0 <= test_size < 1:
        raise ConfigError(f"test_size must be a share of the rows in [0, 1), like 0.2, not {test_size!r}")
    count = math.ceil(test_size * rows)
    if rows - count < 1:
        raise ConfigError(f"test_size={test_size} leaves no rows to train on (the data has {rows})")
    return count


def _interleave_classes(order: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Reorder the shuffled rows so that every first part of them holds each class in proportion.

    Each row gets the place it would have if its class were spread evenly over
    the whole order: the k-th (from 0) of a class's n rows, in shuffled order,
    is placed at ``(k + 1/2) / n``. Sorting by that place (stably, so the
    shuffle breaks ties) interleaves the classes; the test set is then taken
    from the front.
    """
    _, index, counts = np.unique(classes[order], return_inverse=True, return_counts=True)
    index = index.reshape(-1)
    grouped = np.argsort(index, kind="stable")  # rows of class 0 first, each class in shuffled order
    k = np.empty(len(order))
    k[grouped] = np.arange(len(order)) - np.repeat(np.cumsum(counts) - counts, counts)
    return order[np.argsort((k + 0.5) / counts[index], kind="stable")]


def _classes(y: np.ndarray) -> np.ndarray:
    """One class per row: the column of the 1 in one-hot rows, otherwise the label itself."""
    if y.ndim == 2 and y.shape[1] > 1:
        return y.argmax(axis=1)
    return y.reshape(len(y), -1)[:, 0] if y.ndim > 1 else y


def _matrix(X: Any, name: str) -> np.ndarray:
    array = np.asarray(X, dtype=np.float64)
    if array.ndim != 2:
        raise ShapeError(f"{name} must be 2-D, one row per sample, not shaped {array.shape}")
    return array


def _labels(labels: Any) -> np.ndarray:
    """Labels as a flat int array, refusing anything that is not whole numbers from 0."""
    values = np.asarray(labels)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1:
        raise ShapeError(f"labels must be a flat list or a column, not shaped {values.shape}")
    if values.dtype.kind not in "iuf" or not np.all(np.mod(values, 1) == 0) or (values.size and values.min() < 0):
        raise ConfigError(
            "labels must be whole numbers from 0 (0, 1, 2, ...); number text labels first with "
            "names, labels = np.unique(text, return_inverse=True)"
        )
    return values.astype(np.int64)
