"""Checks shared by training, evaluation and prediction: data as constants, targets that fit, counts."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..array import MLArray
from ..errors import ConfigError, ShapeError, TrainingError
from ..validation import whole_number

__all__ = [
    "as_constant",
    "check_count",
    "check_rows",
    "check_targets",
    "loss_value",
    "match_targets",
    "takes_labels",
]


def as_constant(data: Any, name: str, dtype: np.dtype[Any]) -> MLArray:
    """Data as an array of the network's dtype that needs no gradient (an MLArray's numbers are shared)."""
    if isinstance(data, MLArray):
        array = data.detach() if data.dtype == dtype else MLArray(data, dtype=dtype, requires_grad=False)
    else:
        array = MLArray(data, dtype=dtype, requires_grad=False)
    if not np.all(np.isfinite(array.data)):
        bad = np.argwhere(~np.isfinite(array.data))[0]
        raise ConfigError(
            f"{name} contains {array.data[tuple(bad)]} at index {tuple(int(i) for i in bad)}; clean the data first"
        )
    return array


def check_rows(X: MLArray, y: MLArray, names: str = "X and y") -> None:
    """One row per sample in both."""
    if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
        raise ShapeError(f"{names} must have one row per sample; got shapes {X.shape} and {y.shape}")


def check_targets(loss_function: Any, y: MLArray, outputs: int | None = None) -> None:
    """Ask the loss, once and before any update, whether it takes every one of these targets.

    The loss is the one that knows (a cross-entropy takes targets in [0, 1]
    only), so it is called on all of ``y`` with predictions of 0.5, which any
    loss can score; a ``ConfigError`` it raises is its refusal of the
    targets. Any other failure is left to the first training step, which
    reports it with its place. A loss that takes class labels is asked with
    ``outputs`` columns of predictions, the network's width, when it is known.
    Every batch's targets are then known to be good, which is what lets
    training replay steps without asking again.
    """
    if takes_labels(loss_function):
        if outputs is None:  # the number of classes is unknown: the first step asks it
            return
        probe = MLArray(np.full((len(y), outputs), 1 / outputs), dtype=y.dtype, requires_grad=False)
    else:
        probe = MLArray(np.full(y.shape, 0.5), dtype=y.dtype, requires_grad=False)
    try:
        loss_function(probe, y)
    except ConfigError:
        raise
    except Exception:  # not about the targets' values: the first step raises it again, in context
        return


def takes_labels(loss_function: Any) -> bool:
    """Whether a loss scores predictions against one class label per row (it says so with ``takes_labels = True``)."""
    return getattr(loss_function, "takes_labels", False) is True


def match_targets(y: MLArray, y_pred: MLArray, loss_function: Any = None) -> MLArray:
    """Accept 1-D targets for a single-output network, and labels for a loss that takes them; refuse the rest."""
    if y.shape == y_pred.shape:
        return y
    one_per_row = y.ndim in (1, 2) and y.size() == len(y) and y_pred.ndim == 2 and len(y) == len(y_pred)
    if one_per_row and (y_pred.shape[1] == 1 or takes_labels(loss_function)):
        return y.reshape(-1, 1)
    hint = ""
    if one_per_row:
        hint = (
            "; y holds one number per row, as class labels do: one-hot encode them "
            "(smolml_core.datasets.one_hot(labels)), or use a loss that takes labels, "
            "such as sparse_categorical_cross_entropy"
        )
    raise ShapeError(f"the network outputs shape {y_pred.shape} but y has shape {y.shape}; they must match{hint}")


def loss_value(loss: Any, loss_function: Any) -> float:
    """The loss as a float, refusing a loss function that does not return one number."""
    if not isinstance(loss, MLArray) or loss.size() != 1:
        shape = getattr(loss, "shape", type(loss).__name__)
        raise TrainingError(f"the loss function {loss_function!r} must return a single-number MLArray, got {shape}")
    return loss.item()


def check_count(value: Any, name: str, minimum: int) -> None:
    """A count given to training (epochs, a batch size): a whole number >= ``minimum``."""
    whole_number(value, name, minimum=minimum)
