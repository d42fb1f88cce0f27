"""Loss functions: one number saying how far predictions are from the targets.

Each takes ``(y_pred, y_true)`` of the same shape and returns a single-number
``MLArray`` averaged over samples, built from ``MLArray`` operations. The
cross-entropies take targets in [0, 1] only (labels 0/1, one-hot rows,
probabilities) and refuse others, saying how to encode them: with a target of
2, -y log p rewards a confident wrong answer and the loss goes negative.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from smolml_core import (
    ConfigError,
    MLArray,
    ShapeError,
    sigmoid_cross_entropy,
    softmax_cross_entropy,
    validation,
    where,
)

__all__ = [
    "binary_cross_entropy",
    "categorical_cross_entropy",
    "huber_loss",
    "mae_loss",
    "mse_loss",
    "sparse_categorical_cross_entropy",
]


def mse_loss(y_pred: MLArray, y_true: Any) -> MLArray:
    """Mean squared error: L = mean((y_pred - y_true)^2). For regression."""
    y_true = _target(y_pred, y_true, "mse_loss")
    diff = y_pred - y_true
    return (diff * diff).mean()


def mae_loss(y_pred: MLArray, y_true: Any) -> MLArray:
    """Mean absolute error: L = mean(|y_pred - y_true|). Regression, robust to outliers."""
    y_true = _target(y_pred, y_true, "mae_loss")
    return (y_pred - y_true).abs().mean()


def binary_cross_entropy(y_pred: MLArray, y_true: Any, epsilon: float | None = None) -> MLArray:
    """L = -mean(y log p + (1 - y) log(1 - p)), with p = y_pred in (0, 1).

    For binary classification with a sigmoid output. When ``y_pred`` comes
    straight from a sigmoid (and no ``epsilon`` is given), the loss is computed
    from the sigmoid's input z as softplus(z) - y z: exact for any z, with the
    simple gradient sigmoid(z) - y. Otherwise p is clipped to [epsilon, 1 - epsilon]
    so probabilities of exactly 0 or 1 stay finite.
    """
    y_true = _target(y_pred, y_true, "binary_cross_entropy")
    _check_unit_interval(
        y_true,
        "binary_cross_entropy",
        "a 0/1 label or a probability per output",
        "encode two classes as 0 and 1 (labels coded 1 and 2: y - 1), or use a loss for numbers such as mse_loss",
    )
    logits = y_pred.made_by("sigmoid") if epsilon is None else None
    if logits is not None:
        return sigmoid_cross_entropy(logits, y_true).mean()
    eps = _epsilon(y_pred, epsilon)
    p = y_pred.clip(eps, 1 - eps)
    return -(y_true * p.log() + (1 - y_true) * (1 - p).log()).mean()


def categorical_cross_entropy(y_pred: MLArray, y_true: Any, epsilon: float | None = None) -> MLArray:
    """L = -mean over samples of sum_k y_k log p_k, with p = y_pred a distribution per row.

    For multi-class classification with a softmax output and one-hot targets.
    When ``y_pred`` comes straight from a softmax over the last axis (and no
    ``epsilon`` is given), the loss is computed from the logits z as
    sum_k y_k (logsumexp(z) - z_k): exact, with gradient softmax(z) - y for
    one-hot rows. Otherwise p is clipped below at epsilon so a probability of
    exactly 0 stays finite.
    """
    if _one_per_row(y_pred, y_true):
        raise ShapeError(
            f"categorical_cross_entropy needs one-hot targets of shape {np.shape(y_pred)}, but got shape "
            f"{np.shape(y_true)}, one number per row as class labels are: {_LABELS_HINT}"
        )
    y_true = _target(y_pred, y_true, "categorical_cross_entropy")
    _check_unit_interval(
        y_true,
        "categorical_cross_entropy",
        "one-hot rows, or a probability per class",
        f"{_LABELS_HINT}, or use a loss for numbers such as mse_loss",
    )
    logits = y_pred.made_by("softmax", axis=-1) if epsilon is None else None
    if logits is not None:
        return softmax_cross_entropy(logits, y_true).mean()
    p = y_pred.clip(_epsilon(y_pred, epsilon), 1.0)
    return -(y_true * p.log()).sum(axis=-1).mean()


def sparse_categorical_cross_entropy(y_pred: MLArray, y_true: Any, epsilon: float | None = None) -> MLArray:
    """L = -mean over samples of log p_c, with c the row's class label and p = y_pred a distribution per row.

    ``categorical_cross_entropy`` for integer class labels: ``y_true`` holds one
    label per row (shape ``(n,)`` or ``(n, 1)``, values 0 to k - 1 for k
    outputs), which is the same as one-hot rows with a 1 in column c. It is
    computed exactly so, from the logits when ``y_pred`` comes straight from a
    softmax, with gradient softmax(z) - one_hot(c).
    """
    rows, classes = np.shape(y_pred) if np.ndim(y_pred) == 2 else (-1, -1)
    if rows < 0 or np.shape(y_true) not in ((rows,), (rows, 1)):
        raise ShapeError(
            f"sparse_categorical_cross_entropy needs predictions of shape (n, classes) and one class label per "
            f"row, shape (n,) or (n, 1), but got shapes {np.shape(y_pred)} and {np.shape(y_true)}; for one-hot "
            "rows use categorical_cross_entropy"
        )
    targets = y_true if isinstance(y_true, MLArray) else MLArray(y_true, dtype=y_pred.dtype, requires_grad=False)
    labels = np.asarray(targets.data, dtype=np.float64).reshape(rows)  # .data: a check, which computes nothing
    bad = labels[(labels != np.round(labels)) | (labels < 0) | (labels >= classes)]
    if bad.size:
        raise ConfigError(
            f"sparse_categorical_cross_entropy needs class labels 0 to {classes - 1} (whole numbers, one per row, "
            f"for {classes} outputs), but got {bad[0]:g}; number the classes from 0, or give one-hot rows to "
            "categorical_cross_entropy"
        )
    # one-hot rows made by operations, so that a replayed training step makes them again from its batch's labels
    column, each_class = targets.reshape(rows, 1), np.arange(classes, dtype=targets.dtype)
    one_hot = (column >= each_class) * (column <= each_class)
    return categorical_cross_entropy(y_pred, one_hot, epsilon)


sparse_categorical_cross_entropy.takes_labels = True  # type: ignore[attr-defined]  # y_true: a label per row


def huber_loss(y_pred: MLArray, y_true: Any, delta: float = 1.0) -> MLArray:
    """Squared error for small errors, absolute error beyond ``delta``.

    L = mean(0.5 d^2 if |d| <= delta else delta (|d| - delta/2)), d = y_pred - y_true.
    """
    delta = validation.positive(delta, "delta")
    y_true = _target(y_pred, y_true, "huber_loss")
    diff = y_pred - y_true
    size = diff.abs()
    return where(size <= delta, 0.5 * diff * diff, delta * size - 0.5 * delta * delta).mean()


def _target(y_pred: MLArray, y_true: Any, loss: str) -> Any:
    """The targets, checked to match the predictions' shape; lists become arrays of the predictions' dtype."""
    if np.shape(y_pred) != np.shape(y_true):
        raise ShapeError(
            f"{loss} needs predictions and targets of the same shape, got {np.shape(y_pred)} and {np.shape(y_true)}"
        )
    return y_true if isinstance(y_true, (MLArray, np.ndarray)) else np.asarray(y_true, dtype=y_pred.dtype)


_LABELS_HINT = (
    "encode class labels as one-hot rows (smolml_core.datasets.one_hot(labels)), or use "
    "sparse_categorical_cross_entropy, which takes integer labels"
)


def _one_per_row(y_pred: Any, y_true: Any) -> bool:
    """Targets holding one number per row for predictions with several columns: class labels, most likely."""
    pred, true = np.shape(y_pred), np.shape(y_true)
    return len(pred) == 2 and pred[1] > 1 and true in ((pred[0],), (pred[0], 1))


def _check_unit_interval(y_true: Any, loss: str, expected: str, encode: str) -> None:
    """Refuse targets outside [0, 1], saying what the loss expected and how to encode the labels."""
    values = np.asarray(y_true.data if isinstance(y_true, MLArray) else y_true)
    if values.dtype == object:  # Values of the scalar engine: the float data they came from was checked
        return
    if values.size and (values.min() < 0 or values.max() > 1):
        raise ConfigError(
            f"{loss} needs targets in [0, 1] ({expected}), but they range from {values.min():g} to "
            f"{values.max():g}; {encode}"
        )


def _epsilon(y_pred: MLArray, epsilon: float | None) -> float:
    """The clipping margin: 1e-15 in float64, 1e-7 in float32 (where 1 - 1e-15 rounds to 1)."""
    if epsilon is not None:
        return validation.interval(epsilon, "epsilon", "(0, 0.5)")
    return 1e-15 if y_pred.dtype.itemsize >= 8 else 1e-7
