"""The inputs the component test kit feeds to components, chosen to suit every sensible component.

Finite differences are only meaningful where a function is smooth, so the
kit's inputs stay away from the places where common components have a corner
or leave their domain: activations see numbers at least 0.1 away from 0
(relu, leaky_relu and elu bend there); losses see predictions strictly inside
(0.05, 0.95) and one-hot targets, valid for squared and absolute errors,
Huber and both cross-entropies alike. Every input is drawn from a fixed seed,
so a failure repeats exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "BATCH",
    "DEFAULT_WIDTH",
    "EPOCHS",
    "IMAGE_SIZE",
    "SEED",
    "WIDTH_PARAMETERS",
    "activation_input",
    "away_from_kinks",
    "layer_input",
    "loss_inputs",
    "quadratic",
]

SEED = 1234
"""The seed for building components, drawing inputs and sampling initializers."""

BATCH = 4
"""Samples per batch given to layers, losses and metrics."""

DEFAULT_WIDTH = 3
"""The input width given to a layer whose width the kit cannot tell (see ``WIDTH_PARAMETERS``)."""

IMAGE_SIZE = 6
"""The height and width of the images the kit feeds a layer that takes channels-first images."""

WIDTH_PARAMETERS = ("input_size", "size", "features")
"""Parameters read as a layer's input width, in this order, when the layer has no ``input_size`` attribute."""

EPOCHS = range(21)
"""The epochs at which schedules are asked for a rate."""


def away_from_kinks(shape: tuple[int, ...], seed: int = SEED) -> np.ndarray:
    """Numbers with 0.1 <= |x| <= 2 and random signs, never near 0, where relu-like functions bend."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.1, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)


def activation_input(seed: int = SEED) -> np.ndarray:
    """A (3, 4) batch for activations."""
    return away_from_kinks((3, 4), seed)


def layer_input(sample: int | tuple[int, ...], seed: int = SEED) -> np.ndarray:
    """A batch for layers: (BATCH, width) for a width, (BATCH, *sample) for one sample's shape."""
    shape = (sample,) if isinstance(sample, int) else tuple(sample)
    return away_from_kinks((BATCH, *shape), seed)


def loss_inputs(seed: int = SEED, *, labels: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``(y_pred, y_true)``: predictions in (0.05, 0.95) of shape (BATCH, 3), one-hot target rows of that shape.

    With ``labels`` (for a loss that says ``takes_labels = True``), the same
    targets as class labels 0, 1, 2, one per row: shape (BATCH, 1).
    """
    rng = np.random.default_rng(seed)
    y_pred = rng.uniform(0.05, 0.95, size=(BATCH, 3))
    classes = rng.integers(0, 3, size=BATCH)
    y_true = classes.reshape(BATCH, 1).astype(np.float64) if labels else np.eye(3)[classes]
    return y_pred, y_true


def quadratic(seed: int = SEED) -> dict[str, Any]:
    """A convex bowl for optimizers: f(w) = 0.5 * sum(curvature * (w - target)^2), and where to start.

    The curvatures differ per coordinate (0.5 to 2), so an optimizer that
    mixes up coordinates does not get lucky.
    """
    rng = np.random.default_rng(seed)
    return {
        "start": rng.uniform(-1.0, 1.0, size=(2, 3)),
        "target": rng.uniform(-1.0, 1.0, size=(2, 3)),
        "curvature": rng.uniform(0.5, 2.0, size=(2, 3)),
    }
