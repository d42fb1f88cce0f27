"""The ``[data]`` table of a ``smolml train`` config: which data, and how to prepare and split it.

::

    [data]
    name = "moons"           # a named dataset, with its own parameters:
    noise = 0.2
    # csv = "flowers.csv"    # or a CSV file, relative to the config file's folder,
    # target = "species"     # and the column to predict
    test_size = 0.2          # share of rows held out for testing (0: none)
    standardize = true       # default: true for iris, wine, breast_cancer, digits; false otherwise
    one_hot = true           # default: one-hot rows for 3+ classes, a 0/1 column for 2
    stratify = false         # keep each class's share equal in both parts
    seed = 0                 # the shuffle behind the split

Every mistake is a ``ConfigError`` whose path names the key (``data.test_size``);
a mistake inside the CSV file names that file, its line and column instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ArraySizeError, ConfigError, SmolMLError
from ..validation import is_number, is_whole_number
from ..wording import did_you_mean
from .csv_files import read_csv
from .dataset import Dataset
from .named import DATASETS, STANDARDIZED, load_named, parameters
from .preparing import standardize as standardized
from .preparing import train_test_split

__all__ = ["load_data_config"]

_DEFAULTS: dict[str, Any] = {"test_size": 0.2, "standardize": None, "one_hot": None, "stratify": False, "seed": 0}
_CSV_KEYS = ("csv", "target", "delimiter")


def load_data_config(table: Mapping[str, Any], base_dir: str | os.PathLike[str] = ".") -> dict[str, Any]:
    """Read, prepare and split the data a ``[data]`` table describes.

    Returns a dict with ``X_train``, ``y_train``, ``X_test``, ``y_test``
    (float64 arrays; the test ones have no rows when ``test_size = 0``),
    ``feature_names`` (list of str), ``class_names`` (list of str, or ``None``
    when the target is a number to predict), and ``mean`` and ``std``: the
    training rows' statistics the features were standardised with (``None``
    when not standardised), to scale new data the same way before predicting.
    A relative ``csv`` path starts at ``base_dir``, the config file's folder.
    """
    try:
        return _load(table, Path(base_dir))
    except SmolMLError as exc:
        if exc.file is None:
            exc.at("data")
        raise


def _load(table: Mapping[str, Any], base_dir: Path) -> dict[str, Any]:
    if not isinstance(table, Mapping):
        raise ConfigError(f"must be a table (name = ... or csv = ..., then options), not {type(table).__name__}")
    options = _options(table)
    dataset, standardize = _source(table, base_dir, options)
    if options["stratify"] and dataset.class_names is None:
        raise ConfigError(
            "the target holds numbers to predict, not classes, so it cannot be stratified", path=("stratify",)
        )
    try:
        y = dataset.targets(options["one_hot"])
    except ArraySizeError as exc:  # one-hot rows for too many classes
        advice = "if the target is a number to predict rather than a class, set one_hot = false"
        raise ArraySizeError(f"{exc.message}; {advice}", path=("target",)) from exc
    try:
        X_train, X_test, y_train, y_test = train_test_split(
            dataset.X, y, options["test_size"], options["seed"], options["stratify"]
        )
    except ConfigError as exc:  # too few rows for this test_size
        raise exc.at("test_size") from None
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    if standardize:
        X_train, scaled_test, mean, std = standardized(X_train, X_test)
        X_test = X_test if scaled_test is None else scaled_test
    return {
        "X_train": X_train,
        "y_train": y_train,
        "X_test": X_test,
        "y_test": y_test,
        "feature_names": list(dataset.feature_names),
        "class_names": None if dataset.class_names is None else list(dataset.class_names),
        "mean": mean,
        "std": std,
    }


def _source(table: Mapping[str, Any], base_dir: Path, options: dict[str, Any]) -> tuple[Dataset, bool]:
    """The dataset the table names (checking its keys first) and whether to standardise it."""
    if "name" in table and "csv" in table:
        raise ConfigError("give either name (a named dataset) or csv (a file), not both", path=("csv",))
    if "csv" in table:
        _check_keys(table, _CSV_KEYS, "a csv source")
        dataset = _read_csv(table, base_dir, options["one_hot"])
        return dataset, bool(options["standardize"])
    if "name" not in table:
        raise ConfigError(
            f"needs name (a dataset: {', '.join(DATASETS)}) or csv (a file) and target (its column to predict)"
        )
    name = _string(table, "name")
    if name not in DATASETS:
        raise ConfigError(
            f"unknown dataset {name!r}{did_you_mean(name, DATASETS)}; available: {', '.join(DATASETS)}", path=("name",)
        )
    _check_keys(table, ("name", *parameters(name)), f"dataset {name!r}")
    params = {key: value for key, value in table.items() if key not in _DEFAULTS and key != "name"}
    standardize = name in STANDARDIZED if options["standardize"] is None else options["standardize"]
    return load_named(name, params), standardize


def _read_csv(table: Mapping[str, Any], base_dir: Path, one_hot: bool | None) -> Dataset:
    if "target" not in table:
        raise ConfigError("a csv source needs target, the name of the column to predict", path=("target",))
    path = base_dir / _string(table, "csv")
    delimiter = _string(table, "delimiter") if "delimiter" in table else ","
    if len(delimiter) != 1:
        raise ConfigError(f"must be one character, such as ',' or ';', not {delimiter!r}", path=("delimiter",))
    return read_csv(path, _string(table, "target"), one_hot=one_hot, delimiter=delimiter)


def _check_keys(table: Mapping[str, Any], own: tuple[str, ...], source: str) -> None:
    """Refuse keys that belong to neither the source nor the shared options, suggesting the closest."""
    known = (*own, *_DEFAULTS)
    for key in table:
        if key in known:
            continue
        if key in _CSV_KEYS:
            raise ConfigError(f'{key} goes with csv = "file.csv"; {source} does not take it', path=(key,))
        raise ConfigError(
            f"unknown key {key!r}{did_you_mean(key, known)}; {source} takes: {', '.join(known)}", path=(key,)
        )


def _options(table: Mapping[str, Any]) -> dict[str, Any]:
    """The shared options, defaulted and type-checked."""
    options = {key: table.get(key, default) for key, default in _DEFAULTS.items()}
    test_size = options["test_size"]
    if not is_number(test_size) or not 0 <= test_size < 1:
        raise ConfigError(f"must be a share of the rows in [0, 1), like 0.2, not {test_size!r}", path=("test_size",))
    for key in ("standardize", "one_hot", "stratify"):
        if options[key] is not None and not isinstance(options[key], bool):
            raise ConfigError(f"must be true or false, not {options[key]!r}", path=(key,))
    seed = options["seed"]
    if not is_whole_number(seed) or seed < 0:
        raise ConfigError(f"must be a whole number from 0, not {seed!r}", path=("seed",))
    return options


def _string(table: Mapping[str, Any], key: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value:
        raise ConfigError(f"must be a non-empty string, not {value!r}", path=(key,))
    return value
