"""Pictures of a training run: the loss and metric curves, and a decision boundary for two-feature data.

matplotlib is an optional extra (``pip install "smolml[plot]"``): it is imported
only when a picture is drawn, and its absence is one clear ``ConfigError``.
Figures are drawn on matplotlib's non-interactive Agg canvas, never through
``pyplot``, so drawing needs no display and changes no global matplotlib state.

``plot_training(path, history)`` takes the ``history.history`` dict of a
training run (name -> one float per epoch: ``loss``, ``val_loss``,
``accuracy``, ``val_accuracy``, ``lr``...) and writes one image with a panel
for the loss, one per metric, one for the learning rate when it changes, and,
given a ``DecisionBoundary``, the classes a two-feature classifier predicts
over the plane with the data points on top.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ConfigError
from .files import special_file_kind, write_output

__all__ = ["FORMATS", "DecisionBoundary", "class_labels", "plot_training", "require_matplotlib"]

FORMATS = ("png", "svg", "pdf")
"""The image formats ``plot_training`` writes, chosen by the file's suffix."""

_INSTALL = 'drawing plots needs matplotlib, which is not installed; run: pip install "smolml[plot]"'

# Colour-blind-safe colours (Okabe and Ito), one per class, cycled beyond eight classes.
_CLASS_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
_TRAIN_COLOUR, _VALIDATION_COLOUR, _TEST_COLOUR = "#0072B2", "#D55E00", "#009E73"


@dataclass
class DecisionBoundary:
    """What a decision-boundary panel needs: a prediction function and the points to draw on top.

    ``predict`` maps an ``(n, 2)`` array of points to the network's outputs,
    ``(n, 1)`` probabilities of class 1 or ``(n, k)`` class probabilities.
    ``y`` and ``y_test`` are targets as trained on (a 0/1 column or one-hot rows)
    or integer labels.
    """

    predict: Callable[[np.ndarray], np.ndarray]
    X: np.ndarray
    y: np.ndarray
    X_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    feature_names: Sequence[str] | None = None
    class_names: Sequence[str] | None = None


def require_matplotlib() -> None:
    """Raise the ``pip install "smolml[plot]"`` error now if matplotlib is missing (before a long run)."""
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:
        raise ConfigError(_INSTALL) from exc


def check_plot_path(path: str | os.PathLike[str]) -> Path:
    """``path`` as a ``Path`` if its suffix names a format we write, else a ``ConfigError`` saying which do."""
    target = Path(path)
    if target.suffix.lower().lstrip(".") not in FORMATS:
        raise ConfigError(
            f"cannot tell the image format of {os.fspath(path)!r}; end the file name in "
            f"{', '.join('.' + f for f in FORMATS)} (for example {target.with_suffix('.png').name!r})"
        )
    kind = special_file_kind(target)
    if kind in ("a folder", "a socket"):  # a FIFO or a device is written through
        raise ConfigError(f"cannot draw into {os.fspath(path)!r}: it is {kind}; give the path of a file")
    return target


def plot_training(
    path: str | os.PathLike[str],
    history: Mapping[str, Sequence[float]],
    *,
    title: str | None = None,
    final: Mapping[str, Mapping[str, float]] | None = None,
    boundary: DecisionBoundary | None = None,
    best_epoch: int | None = None,
) -> Path:
    """Draw the curves in ``history`` (and ``boundary``, if given) into one image at ``path``; return the path.

    ``final`` adds a dashed line per value measured once after training, e.g.
    ``{"test": {"loss": 0.08, "accuracy": 0.97}}``; ``best_epoch`` marks the
    epoch whose weights early stopping restored. A file is written
    atomically (a FIFO or a device is written through), in the format its suffix names (``.png``, ``.svg`` or ``.pdf``).
    """
    target = check_plot_path(path)
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # type: ignore[import-not-found, unused-ignore]
        from matplotlib.figure import Figure  # type: ignore[import-not-found, unused-ignore]
    except ImportError as exc:
        raise ConfigError(_INSTALL) from exc

    curves = _curve_panels(history)
    panels: list[Callable[[Any], None]] = [
        functools.partial(_draw_curves, name=name, history=history, final=final or {}, best_epoch=best_epoch)
        for name in curves
    ]
    if boundary is not None:
        panels.append(lambda ax: _draw_boundary(ax, boundary))
    columns = min(3, len(panels))
    rows = math.ceil(len(panels) / columns)
    figure = Figure(figsize=(4.6 * columns, 3.8 * rows), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    for i, draw in enumerate(panels):
        draw(figure.add_subplot(rows, columns, i + 1))
    if title:
        figure.suptitle(title)
    fmt = target.suffix.lower().lstrip(".")
    return write_output(target, lambda file: figure.savefig(file, format=fmt))


def _curve_panels(history: Mapping[str, Sequence[float]]) -> list[str]:
    """The panels to draw: ``loss`` first, then each metric (its ``val_`` twin shares the panel), then ``lr``."""
    names = [name for name in history if not name.startswith("val_") and name not in ("loss", "lr")]
    names += [name[4:] for name in history if name.startswith("val_") and name[4:] not in history]
    panels = ["loss", *names] if ("loss" in history or "val_loss" in history) else names
    lr = [v for v in history.get("lr", []) if _finite(v)]
    if lr and min(lr) != max(lr):
        panels.append("lr")
    return panels


_TITLES = {"loss": "Loss", "lr": "Learning rate", "accuracy": "Accuracy", "mae": "Mean absolute error"}


def _draw_curves(
    ax: Any, name: str, history: Mapping[str, Sequence[float]], final: Mapping[str, Any], best_epoch: int | None
) -> None:
    from matplotlib.ticker import MaxNLocator  # type: ignore[import-not-found, unused-ignore]

    epochs_drawn = 0
    for key, label, colour in ((name, "training", _TRAIN_COLOUR), (f"val_{name}", "validation", _VALIDATION_COLOUR)):
        values = [math.nan if v is None else float(v) for v in history.get(key, [])]
        if values:
            epochs = range(1, len(values) + 1)
            ax.plot(epochs, values, color=colour, label=label, marker="o" if len(values) == 1 else None)
            epochs_drawn = max(epochs_drawn, len(values))
    for split, values in final.items():
        if name in values and math.isfinite(values[name]):
            ax.axhline(values[name], color=_TEST_COLOUR, linestyle="--", label=f"{split} (final): {values[name]:.4g}")
    if best_epoch is not None:
        ax.axvline(best_epoch, color="#777777", linestyle=":", label=f"restored: epoch {best_epoch}")
    ax.set_title(_TITLES.get(name, name))
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if name == "loss" and _all_positive(history, name):
        ax.set_yscale("log")
    ax.grid(True, alpha=0.3)
    if epochs_drawn:
        ax.set_xlim(0.5 if epochs_drawn == 1 else 1, max(epochs_drawn, 2))
    ax.legend(loc="best", fontsize="small")


def _all_positive(history: Mapping[str, Sequence[float]], name: str) -> bool:
    values = [v for key in (name, f"val_{name}") for v in history.get(key, []) if _finite(v)]
    return bool(values) and min(values) > 0 and max(values) / min(values) > 20


def _finite(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def class_labels(y: np.ndarray) -> np.ndarray:
    """Integer class labels from targets: one-hot rows (argmax), a 0/1 column (>= 0.5), or labels already."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return np.asarray(y.argmax(axis=1), dtype=int)
    flat = y.reshape(-1)
    if flat.size and np.all((flat >= 0) & (flat <= 1)) and not np.all(flat == np.round(flat)):
        return (flat >= 0.5).astype(int)
    return np.asarray(np.round(flat), dtype=int)


def _draw_boundary(ax: Any, b: DecisionBoundary) -> None:
    points = [b.X] if b.X_test is None else [b.X, b.X_test]
    every = np.concatenate(points)
    low, high = every.min(axis=0), every.max(axis=0)
    margin = np.maximum((high - low) * 0.08, 1e-3)
    low, high = low - margin, high + margin
    xs, ys = np.linspace(low[0], high[0], 200), np.linspace(low[1], high[1], 200)
    grid_x, grid_y = np.meshgrid(xs, ys)
    outputs = np.asarray(b.predict(np.column_stack([grid_x.ravel(), grid_y.ravel()])), dtype=float)
    outputs = outputs.reshape(grid_x.size, -1)
    labels = class_labels(b.y)
    n_classes = max(int(labels.max(initial=0)) + 1, outputs.shape[1] if outputs.shape[1] > 1 else 2)
    colours = [_CLASS_COLOURS[i % len(_CLASS_COLOURS)] for i in range(n_classes)]

    from matplotlib.colors import (  # type: ignore[import-not-found, unused-ignore]
        LinearSegmentedColormap,
        ListedColormap,
    )

    if outputs.shape[1] == 1:  # one sigmoid column: shade the probability of class 1, draw the 0.5 line
        probability = outputs[:, 0].reshape(grid_x.shape)
        shading = LinearSegmentedColormap.from_list("smolml", [colours[0], "#ffffff", colours[1]])
        ax.contourf(grid_x, grid_y, probability, levels=np.linspace(0, 1, 11), cmap=shading, alpha=0.45)
        ax.contour(grid_x, grid_y, probability, levels=[0.5], colors="#333333", linewidths=1.2)
    else:  # one column per class: colour each point of the plane by the class predicted there
        predicted = outputs.argmax(axis=1).reshape(grid_x.shape)
        ax.contourf(
            grid_x, grid_y, predicted, levels=np.arange(n_classes + 1) - 0.5, cmap=ListedColormap(colours), alpha=0.3
        )
        ax.contour(grid_x, grid_y, predicted, levels=np.arange(n_classes) + 0.5, colors="#333333", linewidths=0.8)
    names = list(b.class_names) if b.class_names else [str(i) for i in range(n_classes)]
    for c in range(n_classes):
        chosen = labels == c
        ax.scatter(
            b.X[chosen, 0], b.X[chosen, 1], s=18, color=colours[c], edgecolors="white", linewidths=0.5,
            label=f"{names[c] if c < len(names) else c} (training)",
        )  # fmt: skip
    if b.X_test is not None and b.y_test is not None and len(b.X_test):
        test_labels = class_labels(b.y_test)
        ax.scatter(
            b.X_test[:, 0], b.X_test[:, 1], s=30, marker="X",
            c=[colours[int(c) % len(colours)] for c in test_labels], edgecolors="black", linewidths=0.6,
            label="test",
        )  # fmt: skip
    feature_names = list(b.feature_names) if b.feature_names else ["feature 0", "feature 1"]
    ax.set_xlabel(feature_names[0])
    ax.set_ylabel(feature_names[1])
    ax.set_xlim(low[0], high[0])
    ax.set_ylim(low[1], high[1])
    ax.set_title("Decision boundary")
    ax.legend(loc="best", fontsize="small")
