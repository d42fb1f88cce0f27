"""Choosing metrics by name and computing them: numbers to watch, never differentiated.

A metric is ``f(y_pred, y_true) -> float`` on two numpy arrays of the same
shape. The core knows none by itself: ``accuracy``, ``mse`` and the others come
from the ``smolml_std`` plugin through the registry (kind ``"metric"``), and a
plugin or your own code can add more.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import ConfigError, ShapeError, SmolMLError
from ..registry import get_registry, resolve

__all__ = ["Metric", "compute_metrics", "resolve_metrics"]

Metric = Callable[[np.ndarray, np.ndarray], float]

RESERVED = ("loss", "lr")
"""Names the logs use for themselves, which no metric may take."""


def resolve_metrics(metrics: Any, param: str = "metrics") -> list[tuple[str, Metric]]:
    """``(name, function)`` for each metric asked for: a registered name, a ``{"type": ...}`` table or a function.

    A registered metric is named by its registered name (an alias such as
    ``"acc"`` gives ``"accuracy"``); a function by its ``__name__``.
    """
    if metrics is None:
        return []
    if isinstance(metrics, (str, Mapping)) or callable(metrics):
        metrics = [metrics]
    if not isinstance(metrics, Sequence):
        raise ConfigError(f'must be a list of metric names such as ["accuracy"], got {metrics!r}', path=(param,))
    resolved: list[tuple[str, Metric]] = []
    for i, ref in enumerate(metrics):
        where = f"{param}[{i}]"
        function = resolve("metric", ref, param=where)
        if not callable(function):
            raise ConfigError(
                f"a metric must be a function f(y_pred, y_true) -> float, not {function!r}", path=(where,)
            )
        name = _name_of(ref, function)
        if name in RESERVED or name.startswith("val_"):
            raise ConfigError(
                f"a metric cannot be called {name!r}: 'loss', 'lr' and 'val_...' name other values in the logs",
                path=(where,),
            )
        if any(name == seen for seen, _ in resolved):
            raise ConfigError(f"the metric {name!r} is asked for twice", path=(where,))
        resolved.append((name, function))
    return resolved


def _name_of(ref: Any, function: Any) -> str:
    """The key a metric is logged under."""
    registry = get_registry()
    if isinstance(ref, str):
        return registry.get("metric", ref).name
    if isinstance(ref, Mapping):
        return registry.get("metric", ref["type"]).name
    target = function.func if isinstance(function, functools.partial) else function
    entry = registry.find_object(target)
    if entry is not None and entry.kind == "metric":
        return entry.name
    return str(getattr(target, "__name__", type(target).__name__))


def compute_metrics(
    metrics: list[tuple[str, Metric]], y_pred: np.ndarray, y_true: np.ndarray, prefix: str = ""
) -> dict[str, float]:
    """Each metric of ``y_pred`` against ``y_true``, keyed ``prefix + name``."""
    if y_true.shape != y_pred.shape and y_true.ndim == 1 and y_pred.shape == (len(y_true), 1):
        y_true = y_true.reshape(-1, 1)
    values: dict[str, float] = {}
    for name, metric in metrics:
        try:
            value = metric(y_pred, y_true)
        except SmolMLError as exc:
            raise exc.at(f"metric {name!r}") from None
        except (ValueError, TypeError, IndexError) as exc:
            raise ShapeError(
                f"metric {name!r} failed on predictions of shape {y_pred.shape} and targets of shape "
                f"{y_true.shape}: {type(exc).__name__}: {exc}"
            ) from exc
        try:
            values[prefix + name] = float(value)
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"metric {name!r} must return one number, got {value!r}") from exc
    return values
