"""The named datasets: ``load_dataset("moons")``.

``xor`` is written out here; the others come from scikit-learn (``pip install
"smolml[datasets]"``), which generates ``moons``, ``circles`` and ``blobs``
and ships ``iris``, ``wine``, ``breast_cancer`` and ``digits`` inside the
package: nothing is downloaded. The generators take scikit-learn's parameters
and default to a fixed ``random_state``, so the same call gives the same data.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..wording import did_you_mean
from .dataset import Dataset
from .preparing import standardize as standardized

__all__ = ["DATASETS", "STANDARDIZED", "load_dataset", "load_named"]


def xor() -> Dataset:
    """The four points of XOR: the class is 1 when the two inputs differ."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return Dataset(X, np.array([0, 1, 1, 0]), ("x1", "x2"), ("0", "1"))


def moons(n_samples: int = 100, noise: float = 0.1, random_state: int | None = 42) -> Dataset:
    """Two interleaved half circles, 2 classes (scikit-learn's ``make_moons``)."""
    X, labels = _sklearn().make_moons(n_samples=n_samples, noise=noise, random_state=random_state)
    return _generated(X, labels)


def circles(n_samples: int = 100, noise: float = 0.05, factor: float = 0.5, random_state: int | None = 42) -> Dataset:
    """A small circle inside a large one, 2 classes (``make_circles``); ``factor`` is the inner radius."""
    X, labels = _sklearn().make_circles(n_samples=n_samples, noise=noise, factor=factor, random_state=random_state)
    return _generated(X, labels)


def blobs(
    n_samples: int = 100,
    centers: int | list[list[float]] = 3,
    n_features: int = 2,
    cluster_std: float = 1.0,
    random_state: int | None = 42,
) -> Dataset:
    """Round clusters of points, one class per cluster (``make_blobs``); ``centers`` is a count or coordinates."""
    X, labels = _sklearn().make_blobs(
        n_samples=n_samples, centers=centers, n_features=n_features, cluster_std=cluster_std, random_state=random_state
    )
    return _generated(X, labels)


def iris() -> Dataset:
    """Fisher's 150 iris flowers: 4 measurements in cm, 3 species."""
    return _bundled(_sklearn().load_iris())


def wine() -> Dataset:
    """178 wines from one region of Italy: 13 chemical measurements, 3 growers."""
    return _bundled(_sklearn().load_wine())


def breast_cancer() -> Dataset:
    """569 breast tumour samples: 30 measurements of cell nuclei, malignant (0) or benign (1)."""
    return _bundled(_sklearn().load_breast_cancer())


def digits(n_class: int = 10) -> Dataset:
    """1797 handwritten digits as 8x8 images, 64 pixels of 0-16 per row; ``n_class`` keeps the digits 0..n_class-1."""
    return _bundled(_sklearn().load_digits(n_class=n_class))


DATASETS: dict[str, Callable[..., Dataset]] = {
    "xor": xor,
    "moons": moons,
    "circles": circles,
    "blobs": blobs,
    "iris": iris,
    "wine": wine,
    "breast_cancer": breast_cancer,
    "digits": digits,
}
"""Every named dataset's loader, by name: it takes the dataset's own parameters and returns a ``Dataset``."""

STANDARDIZED = frozenset({"iris", "wine", "breast_cancer", "digits"})
"""Datasets standardised by default: measurements in different units, or pixels of 0-16, train badly as they are."""


def load_dataset(
    name: str, *, standardize: bool | None = None, one_hot: bool | None = None, **params: Any
) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` of the named dataset, ready to train on; ``params`` go to its loader (e.g. ``noise``).

    ``standardize`` (default: True for iris, wine, breast_cancer and digits)
    scales each feature over all rows to mean 0 and standard deviation 1.
    ``y`` is a 0/1 column for two classes and one-hot rows for three or more;
    ``one_hot=True`` or ``False`` forces either (``False``: class indices as a column).
    """
    dataset = load_named(name, params)
    X = dataset.X
    if name in STANDARDIZED if standardize is None else standardize:
        X = standardized(X).X_train
    return X, dataset.targets(one_hot)


def load_named(name: str, params: Mapping[str, Any]) -> Dataset:
    """The named dataset as read, before standardising and encoding: its loader called with ``params``.

    The parameters are checked first, so a misspelt one gets a suggestion
    instead of a ``TypeError``.
    """
    loader = DATASETS.get(name) if isinstance(name, str) else None
    if loader is None:
        raise ConfigError(
            f"unknown dataset {name!r}{did_you_mean(str(name), DATASETS)}; available: {', '.join(DATASETS)}"
        )
    accepted = parameters(name)
    for key in params:
        if key not in accepted:
            takes = f"its parameters: {', '.join(accepted)}" if accepted else "it has no parameters of its own"
            raise ConfigError(f"dataset {name!r} has no parameter {key!r}{did_you_mean(key, accepted)}; {takes}")
    try:
        return loader(**params)
    except (TypeError, ValueError) as exc:  # scikit-learn refusing a parameter's value
        raise ConfigError(f"dataset {name!r}: {exc}") from exc


def parameters(name: str) -> tuple[str, ...]:
    """The parameters the named dataset's loader takes, besides ``standardize`` and ``one_hot``."""
    return tuple(inspect.signature(DATASETS[name]).parameters)


def _generated(X: np.ndarray, labels: np.ndarray) -> Dataset:
    """A generated dataset: features named x1, x2, ... and classes named by their number."""
    classes = tuple(str(c) for c in range(int(labels.max()) + 1))
    names = tuple(f"x{i + 1}" for i in range(X.shape[1]))
    return Dataset(np.ascontiguousarray(X, dtype=np.float64), labels.astype(np.int64), names, classes)


def _bundled(bunch: Any) -> Dataset:
    """A dataset shipped with scikit-learn, with its own feature and class names."""
    labels = np.asarray(bunch.target, dtype=np.int64)
    classes = bunch.target_names[: labels.max() + 1]  # digits(n_class=3) still lists all ten names
    features = tuple(str(f) for f in bunch.feature_names)
    return Dataset(np.ascontiguousarray(bunch.data, dtype=np.float64), labels, features, tuple(map(str, classes)))


def _sklearn() -> Any:
    """``sklearn.datasets``, or an error saying how to install it."""
    try:
        from sklearn import datasets
    except ImportError as exc:
        raise ConfigError(
            'this dataset comes from scikit-learn, which is not installed; run: pip install "smolml[datasets]"'
        ) from exc
    return datasets
