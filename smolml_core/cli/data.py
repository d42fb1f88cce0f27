"""The data a command works on: a config's ``[data]`` table, split in two, and how it must fit the network."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError, ShapeError, SmolMLError
from ..nn.data_checks import as_constant, check_targets

if TYPE_CHECKING:
    from ..nn import NeuralNetwork

__all__ = ["SplitData", "check_fit", "load_split_data", "named_splits"]


@dataclass
class SplitData:
    """Training and test rows, with the names of the features and classes when known."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    feature_names: list[str] | None = None
    class_names: list[str] | None = None
    extra: Mapping[str, Any] | None = None
    """Whatever else the data loader returned (for example the standardisation it applied)."""

    @property
    def has_test(self) -> bool:
        return len(self.X_test) > 0

    def describe(self) -> str:
        parts = [f"{len(self.X_train)} training rows", f"{len(self.X_test)} test rows"]
        parts.append(f"{self.X_train.shape[1]} features" if self.X_train.ndim == 2 else "1 feature")
        if self.class_names:
            parts.append(f"{len(self.class_names)} classes")
        return ", ".join(parts)


def load_split_data(table: Mapping[str, Any], base_dir: Path) -> SplitData:
    """Read a ``[data]`` table with ``load_data_config``; errors carry the path ``data.<key>``."""
    from ..datasets import load_data_config

    try:
        loaded = load_data_config(dict(table), base_dir)
    except SmolMLError as exc:
        if not exc.path or exc.path[0] != "data":
            exc.at("data")
        raise
    X_train, y_train = _matrix(loaded["X_train"]), _targets(loaded["y_train"])
    X_test, y_test = loaded.get("X_test"), loaded.get("y_test")
    if X_test is None or y_test is None:
        X_test, y_test = X_train[:0], y_train[:0]
    known = ("X_train", "y_train", "X_test", "y_test", "feature_names", "class_names")
    return SplitData(
        X_train,
        y_train,
        _matrix(X_test),
        _targets(y_test),
        _names(loaded.get("feature_names")),
        _names(loaded.get("class_names")),
        {key: value for key, value in loaded.items() if key not in known},
    )


def _matrix(X: Any) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    return X.reshape(-1, 1) if X.ndim == 1 else X


def _targets(y: Any) -> np.ndarray:
    y = np.asarray(y, dtype=float)
    return y.reshape(-1, 1) if y.ndim == 1 else y


def _names(names: Any) -> list[str] | None:
    if names is None:
        return None
    return [str(n) for n in names]


def check_fit(
    network: NeuralNetwork,
    X: np.ndarray,
    y: np.ndarray,
    class_names: Sequence[str] | None = None,
    *,
    model: str | None = None,
) -> None:
    """The network takes as many inputs as X has features and gives as many outputs as y has columns.

    A mismatch is a ``ConfigError`` at ``network.layers[i].input_size`` (or
    ``output_size``) that says which number to write, rather than a shape error
    from inside the first training epoch. For a saved ``model`` (its file name),
    the message says the model and the data do not go together instead.
    """
    features, outputs = X.shape[1], (y.shape[1] if y.ndim == 2 else 1)
    if model is not None:
        _check_model_fit(network, features, outputs, model)
        _check_loss_takes(network, y, "Write the answers as the model's training data had them")
        return
    first, last = network.layers[0], network.layers[-1]
    size = getattr(first, "input_size", None)
    if isinstance(size, int) and size != features:
        raise ConfigError(
            f"is {size}, but the data has {features} feature{'s' * (features != 1)} per sample; "
            f"set input_size = {features}",
            path=("network", "layers[0]", "input_size"),
        )
    size = getattr(last, "output_size", None)
    if isinstance(size, int) and size != outputs:
        what = f"{outputs} target column{'s' * (outputs != 1)}"
        if class_names and len(class_names) == outputs:
            what += f" (one per class: {', '.join(class_names)})"
        elif class_names and len(class_names) == 2 and outputs == 1:
            what += f" (two classes, {class_names[0]} = 0 and {class_names[1]} = 1)"
        raise ConfigError(
            f"is {size}, but the data has {what}; set output_size = {outputs}",
            path=("network", f"layers[{len(network.layers) - 1}]", "output_size"),
        )
    try:
        produced = network.predict(X[:2]).numpy()
    except ShapeError as exc:
        raise ConfigError(f"does not fit the data ({features} features per sample): {exc}", path=("network",)) from exc
    if produced.reshape(len(produced), -1).shape[1] != outputs:
        raise ConfigError(
            f"gives {produced.shape[-1]} outputs per sample but the data has {outputs} target columns; "
            "make the last layer's output size match",
            path=("network",),
        )
    _check_loss_takes(
        network,
        y,
        "In a CSV file, write the classes as 0 and 1 or as names (no, yes), or set one_hot = true in [data] "
        "for one-hot rows",
        path=("data",),
    )


def _check_loss_takes(network: NeuralNetwork, y: np.ndarray, fix: str, path: tuple[str, ...] = ()) -> None:
    """The network's loss takes every target (the loss says: a cross-entropy wants them in [0, 1])."""
    try:
        check_targets(network.loss_function, as_constant(y, "y", network.dtype))
    except ConfigError as exc:
        raise ConfigError(f"{exc.message}. {fix}", path=path) from exc


def _check_model_fit(network: NeuralNetwork, features: int, outputs: int, model: str) -> None:
    try:
        produced = network.predict(np.zeros((1, features))).numpy()
    except ShapeError as exc:
        takes = getattr(network.layers[0], "input_size", None)
        wanted = f"{takes} features per sample" if isinstance(takes, int) else "another number of features"
        raise ConfigError(
            f"the model {model!r} takes {wanted}, but the data has {features}; "
            "use data laid out as the model was trained on"
        ) from exc
    given = produced.reshape(len(produced), -1).shape[1]
    if given != outputs:
        raise ConfigError(
            f"the model {model!r} gives {given} output{'s' * (given != 1)} per sample, but the data has {outputs} "
            f"target column{'s' * (outputs != 1)}; use data laid out as the model was trained on"
        )


def named_splits(data: SplitData, validation_split: float = 0.0) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The rows trained on (``train``), the validation rows and the test rows, each by its name.

    The trainer holds out the last ``round(rows * validation_split)`` training
    rows for validation, so ``train`` here is the rows the epoch lines' loss
    and metrics were computed on, and ``validation`` those of ``val_loss``.
    """
    X, y = data.X_train, data.y_train
    kept = len(X) - round(len(X) * validation_split)
    splits = {"train": (X[:kept], y[:kept])}
    if kept < len(X):
        splits["validation"] = (X[kept:], y[kept:])
    if data.has_test:
        splits["test"] = (data.X_test, data.y_test)
    return splits
