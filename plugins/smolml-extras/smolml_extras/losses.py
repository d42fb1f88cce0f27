"""Loss functions: hinge and focal.

Each takes ``(y_pred, y_true)`` of the same shape and returns a single-number
``MLArray``, the mean over every element, built from ``MLArray`` operations.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from smolml_core import ConfigError, MLArray, ShapeError, sigmoid_cross_entropy, validation

__all__ = ["focal_loss", "hinge_loss"]


def hinge_loss(y_pred: MLArray, y_true: Any) -> MLArray:
    """L = mean(max(0, 1 - t y_pred)), with t = -1 where y_true is 0 and t = y_true elsewhere.

    The margin loss of support vector machines, for binary classification with
    a raw score (a ``linear`` output layer): a prediction on the right side by
    a margin of at least 1 costs nothing, anything else costs linearly. The
    targets may be labelled 0/1 or -1/1; both give the same loss. The score's
    sign is the predicted class, so the decision threshold is 0, not 0.5.
    Gradient: -t where t y_pred < 1, else 0.
    """
    labels = _labels(y_pred, y_true, "hinge_loss")
    signs = np.where(labels == 0, -1.0, labels)
    unexpected = ~np.isin(signs, (-1.0, 1.0))
    if unexpected.any():
        where = tuple(int(i) for i in np.argwhere(unexpected)[0])
        raise ConfigError(
            f"hinge_loss needs class labels 0/1 or -1/1 as targets, but the target at index {where} is "
            f"{float(labels[where])!r}; use it for binary classification only"
        )
    return (1.0 - y_pred * signs.astype(y_pred.dtype)).relu().mean()


def focal_loss(
    y_pred: MLArray, y_true: Any, gamma: float = 2.0, alpha: float | None = 0.25, epsilon: float | None = None
) -> MLArray:
    """Binary focal loss on probabilities p = y_pred (Lin et al., 2017), averaged over every element:

    CE  = -(y log p + (1 - y) log(1 - p))        (binary cross-entropy)
    p_t = y p + (1 - y)(1 - p)                    (the probability given to the true class)
    L   = mean(alpha_t (1 - p_t)^gamma CE),  alpha_t = alpha y + (1 - alpha)(1 - y)

    The factor (1 - p_t)^gamma shrinks the loss of examples the network already
    gets right, so training concentrates on the hard ones; gamma = 0 and
    ``alpha=None`` give plain binary cross-entropy. alpha weighs the positive
    class against the negative one (0.25, the paper's default, favours the
    negatives; 0.5 weighs both equally, at half the scale); ``alpha=None`` turns
    the weighting off. For labels 0/1, CE = -log(p_t); soft labels in [0, 1]
    work too. Like ``binary_cross_entropy``, p is clipped to [epsilon, 1 - epsilon]
    (1e-15 in float64, 1e-7 in float32, unless ``epsilon`` is given) so that
    probabilities of exactly 0 or 1 stay finite; when y_pred comes straight
    from a sigmoid (and no epsilon is given), CE is computed exactly from the
    sigmoid's input instead. For a sigmoid output layer.
    """
    gamma = validation.non_negative(gamma, "gamma")
    if alpha is not None:
        alpha = validation.probability(alpha, "alpha")
    y: Any = _labels(y_pred, y_true, "focal_loss").astype(y_pred.dtype)
    if isinstance(y_true, MLArray) and y_true.dtype == y_pred.dtype:
        y = y_true  # the same numbers, kept an array of the graph, so that an export can follow the targets
    eps = _epsilon(y_pred, epsilon)
    p = y_pred.clip(eps, 1.0 - eps)
    logits = y_pred.made_by("sigmoid") if epsilon is None else None
    if logits is not None:
        cross_entropy = sigmoid_cross_entropy(logits, y)
    else:
        cross_entropy = -(y * p.log() + (1.0 - y) * (1.0 - p).log())
    loss = cross_entropy
    if gamma != 0.0:
        p_true = p * y + (1.0 - p) * (1.0 - y)
        loss = loss * (1.0 - p_true) ** gamma
    if alpha is not None:
        loss = loss * (alpha * y + (1.0 - alpha) * (1.0 - y))
    return loss.mean()


def _labels(y_pred: MLArray, y_true: Any, loss: str) -> np.ndarray:
    """The targets as a numpy array of numbers (they are constants), checked to match the predictions' shape."""
    if np.shape(y_pred) != np.shape(y_true):
        raise ShapeError(
            f"{loss} needs predictions and targets of the same shape, got {np.shape(y_pred)} and "
            f"{np.shape(y_true)}; give one target per output"
        )
    return np.asarray(y_true, dtype=np.float64)


def _epsilon(y_pred: MLArray, epsilon: float | None) -> float:
    """The clipping margin: the one given, else 1e-15 in float64 and 1e-7 in float32 (where 1 - 1e-15 rounds to 1)."""
    if epsilon is not None:
        return validation.interval(epsilon, "epsilon", "(0, 0.5)")
    return 1e-15 if y_pred.dtype.itemsize >= 8 else 1e-7
