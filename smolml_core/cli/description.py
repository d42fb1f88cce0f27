"""What a model was trained on, kept in a small JSON file beside it: ``model.npz`` -> ``model.data.json``.

A network trained on standardised features gives nonsense for raw ones, and
its outputs are class numbers unless someone remembers the class names. So
``smolml train`` writes, next to the model, the feature names (the columns a
CSV file must hold), the class names, and the mean and standard deviation the
features were scaled with. ``smolml predict`` and ``smolml evaluate`` read it
to prepare a CSV file's rows exactly as the training rows were prepared. A
model without one (saved from Python) is used on its inputs as they are.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..config import read_document
from ..errors import ConfigError
from ..files import write_atomically

__all__ = ["DataDescription", "description_path", "read_description"]

FORMAT = "smolml.data"
FORMAT_VERSION = 1


def description_path(model: str | os.PathLike[str]) -> Path:
    """``runs/model.npz`` -> ``runs/model.data.json`` (never the name of a ``.json`` config beside it)."""
    path = Path(model)
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    return path.with_name(f"{stem}.data.json")


@dataclass
class DataDescription:
    """The features (in order), the classes, and the standardisation a model's training data had."""

    feature_names: list[str]
    class_names: list[str] | None = None
    mean: np.ndarray | None = None
    std: np.ndarray | None = None

    def prepare(self, X: np.ndarray) -> np.ndarray:
        """New rows scaled as the training rows were (unchanged if they were not scaled)."""
        if self.mean is None or self.std is None:
            return X
        return (X - self.mean) / self.std

    def write(self, model: str | os.PathLike[str]) -> Path:
        data = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "feature_names": self.feature_names,
            "class_names": self.class_names,
            "standardize": None
            if self.mean is None or self.std is None
            else {"mean": self.mean.tolist(), "std": self.std.tolist()},
        }
        text = json.dumps(data, indent=1) + "\n"
        return write_atomically(description_path(model), lambda file: file.write(text.encode("utf-8")))


def read_description(model: str | os.PathLike[str]) -> DataDescription | None:
    """The description beside ``model``, or None if there is none; a damaged one is a ``ConfigError``."""
    path = description_path(model)
    if not path.exists():
        return None
    try:
        return _parse(read_document(path, "the model's data description"))
    except ConfigError as exc:  # not readable as JSON at all: the reader's message says why
        raise ConfigError(f"{exc}; {_FIX}") from exc
    except (ValueError, TypeError, KeyError) as exc:
        raise ConfigError(f"{os.fspath(path)!r} does not describe the model's data ({exc}); {_FIX}") from exc


_FIX = "delete it to use the model on its inputs as they are, or train again to write it anew"


def _parse(data: Any) -> DataDescription:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"it has no {FORMAT!r} format")
    if data.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"format_version {data.get('format_version')!r}, this SmolML reads {FORMAT_VERSION}")
    features = _strings(data["feature_names"], "feature_names")
    classes = None if data.get("class_names") is None else _strings(data["class_names"], "class_names")
    mean = std = None
    scaling = data.get("standardize")
    if scaling is not None:
        mean, std = _numbers(scaling["mean"], len(features)), _numbers(scaling["std"], len(features))
        if not np.all(std > 0):
            raise ValueError("a standard deviation is not > 0")
    return DataDescription(features, classes, mean, std)


def _strings(value: Any, name: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{name} must be a list of names")
    return list(value)


def _numbers(value: Any, count: int) -> np.ndarray:
    if not isinstance(value, list) or len(value) != count:
        raise ValueError(f"mean and std need one number per feature ({count})")
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value):
        raise ValueError("mean and std must be finite numbers")
    return np.array(value, dtype=float)


def describe(
    feature_names: Sequence[str] | None,
    features: int,
    class_names: Sequence[str] | None,
    mean: Any = None,
    std: Any = None,
) -> DataDescription:
    """A description of training data, naming unnamed features ``x0``, ``x1``, ..."""
    names = list(feature_names) if feature_names else [f"x{i}" for i in range(features)]
    return DataDescription(
        names,
        None if class_names is None else list(class_names),
        None if mean is None else np.asarray(mean, dtype=float).reshape(-1),
        None if std is None else np.asarray(std, dtype=float).reshape(-1),
    )


def usable_description(model: str | os.PathLike[str], network: Any) -> DataDescription | None:
    """The description beside ``model`` if it fits ``network`` (one from another model is ignored, with a note)."""
    description = read_description(model)
    if description is None:
        return None
    takes = getattr(network.layers[0], "input_size", None) if network.layers else None
    if isinstance(takes, int) and takes != len(description.feature_names):
        print(
            f"smolml: note: ignoring {os.fspath(description_path(model))!r}: it describes "
            f"{len(description.feature_names)} features but the model takes {takes}",
            file=sys.stderr,
        )
        return None
    return description
