"""Small datasets by name, for examples and the ``smolml train`` command.

``xor`` is built in; ``moons`` and ``iris`` come from scikit-learn (installed
with ``pip install "smolml[datasets]"``), generated or bundled locally: nothing
is downloaded. Targets come back shaped for training: a column for binary
labels, one-hot rows for several classes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import ConfigError
from .wording import did_you_mean

__all__ = ["DATASETS", "load_dataset"]


def _xor() -> tuple[np.ndarray, np.ndarray]:
    """The four points of XOR: the output is 1 when the two inputs differ."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    return X, y


def _moons(n_samples: int = 100, noise: float = 0.1, random_state: int | None = 42) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved half circles (scikit-learn's make_moons), labels 0/1 as a column."""
    datasets = _sklearn_datasets()
    X, y = datasets.make_moons(n_samples=n_samples, noise=noise, random_state=random_state)
    return X, y.reshape(-1, 1).astype(float)


def _iris(standardize: bool = True, one_hot: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Fisher's 150 iris flowers: 4 measurements, 3 species."""
    data = _sklearn_datasets().load_iris()
    X, labels = data.data, data.target
    if standardize:
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = np.eye(3)[labels] if one_hot else labels.astype(float)
    return X, y


DATASETS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "xor": _xor,
    "moons": _moons,
    "iris": _iris,
}


def load_dataset(name: str, **params: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` of the named dataset; ``params`` go to its generator (e.g. ``noise``)."""
    if name not in DATASETS:
        raise ConfigError(f"unknown dataset {name!r}{did_you_mean(name, DATASETS)}; available: {', '.join(DATASETS)}")
    try:
        return DATASETS[name](**params)
    except TypeError as exc:
        raise ConfigError(f"dataset {name!r} does not take these parameters: {exc}") from exc


def _sklearn_datasets() -> Any:
    try:
        from sklearn import datasets
    except ImportError as exc:
        raise ConfigError(
            "this dataset comes from scikit-learn, which is not installed; "
            'run: pip install "smolml[datasets]" (or pip install scikit-learn)'
        ) from exc
    return datasets
