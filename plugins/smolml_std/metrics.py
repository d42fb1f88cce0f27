"""Metrics: numbers to watch while training and to report after it.

Each takes ``(y_pred, y_true)``, two numpy arrays of the same shape (the
network's output and the targets), and returns a float. They run outside the
graph, in plain numpy; nothing here is differentiated.
"""

from __future__ import annotations

import numpy as np

from smolml_core import ShapeError

__all__ = ["accuracy", "mae", "mse", "r2", "rmse"]


def accuracy(y_pred: np.ndarray, y_true: np.ndarray) -> float:
    """Share of rows whose class is right: mean(class(y_pred) == class(y_true)).

    One column (a sigmoid output): the class is 1 where the value is > 0.5,
    for predictions and 0/1 targets alike. Several columns (softmax rows,
    one-hot targets): the class is the column of the largest value; targets
    may also be integer labels, one per row.
    """
    y_pred, y_true = np.asarray(y_pred), np.asarray(y_true)
    rows = len(y_pred)
    if y_pred.ndim < 2 or y_pred.shape[-1] == 1:
        _same_shape(y_pred.reshape(rows, -1), y_true.reshape(len(y_true), -1), "accuracy")
        predicted, actual = y_pred.reshape(rows) > 0.5, y_true.reshape(rows) > 0.5
    else:
        predicted = np.argmax(y_pred, axis=-1)
        if y_true.shape == y_pred.shape:
            actual = np.argmax(y_true, axis=-1)
        elif y_true.size == rows:  # integer labels
            actual = y_true.reshape(rows)
        else:
            _same_shape(y_pred, y_true, "accuracy")
    return float(np.mean(predicted == actual)) if rows else float("nan")


def mse(y_pred: np.ndarray, y_true: np.ndarray) -> float:
    """Mean squared error: mean((y_pred - y_true)^2)."""
    diff = _difference(y_pred, y_true, "mse")
    return float(np.mean(diff * diff)) if diff.size else float("nan")


def mae(y_pred: np.ndarray, y_true: np.ndarray) -> float:
    """Mean absolute error: mean(|y_pred - y_true|)."""
    diff = _difference(y_pred, y_true, "mae")
    return float(np.mean(np.abs(diff))) if diff.size else float("nan")


def rmse(y_pred: np.ndarray, y_true: np.ndarray) -> float:
    """Root mean squared error: sqrt(mean((y_pred - y_true)^2)), in the targets' own units."""
    diff = _difference(y_pred, y_true, "rmse")
    return float(np.sqrt(np.mean(diff * diff))) if diff.size else float("nan")


def r2(y_pred: np.ndarray, y_true: np.ndarray) -> float:
    """Coefficient of determination: 1 - sum((y_true - y_pred)^2) / sum((y_true - mean(y_true))^2).

    Computed per output column and averaged (as scikit-learn's ``r2_score``).
    1 is a perfect fit, 0 is no better than predicting the mean. A column whose
    targets are all equal scores 1 if predicted exactly, else 0.
    """
    diff = _difference(y_pred, y_true, "r2")
    if not diff.size:
        return float("nan")
    y_true = np.asarray(y_true, dtype=np.float64).reshape(len(y_true), -1)
    residual = np.sum(diff.reshape(len(diff), -1) ** 2, axis=0)
    total = np.sum((y_true - y_true.mean(axis=0)) ** 2, axis=0)
    scores = np.where(total > 0, 1.0 - residual / np.where(total > 0, total, 1.0), (residual == 0).astype(float))
    return float(np.mean(scores))


def _difference(y_pred: np.ndarray, y_true: np.ndarray, name: str) -> np.ndarray:
    y_pred, y_true = np.asarray(y_pred, dtype=np.float64), np.asarray(y_true, dtype=np.float64)
    _same_shape(y_pred, y_true, name)
    return y_pred - y_true


def _same_shape(y_pred: np.ndarray, y_true: np.ndarray, name: str) -> None:
    if y_pred.shape != y_true.shape:
        raise ShapeError(
            f"{name} needs predictions and targets of the same shape, got {y_pred.shape} and {y_true.shape}"
        )
