"""What kind of task a network or a dataset is, the metrics that suit it, and the table of final metrics."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from ..nn import NeuralNetwork

__all__ = ["default_metrics", "format_table", "is_class_targets", "network_task", "print_json"]


def is_class_targets(y: Any) -> bool:
    """True for classification targets: a 0/1 column, or one-hot rows (one 1 per row)."""
    y = np.asarray(y)
    if y.size == 0 or not np.isin(y, (0.0, 1.0)).all():
        return False
    if y.ndim == 2 and y.shape[1] > 1:
        return bool(np.all(y.sum(axis=1) == 1))
    return True


def default_metrics(y: Any) -> list[str]:
    """``accuracy`` for class targets, ``mae`` (mean absolute error) otherwise."""
    return ["accuracy"] if is_class_targets(y) else ["mae"]


def network_task(network: NeuralNetwork) -> str:
    """``"binary"`` (one sigmoid output), ``"classes"`` (softmax rows) or ``"regression"``, from its config."""
    try:
        config = network.to_config()
    except Exception:  # a network of unregistered components: nothing to go by
        return "regression"
    loss = _name(config.get("loss_function"))
    activation = _name(config["layers"][-1].get("activation_function")) if config.get("layers") else ""
    if loss == "binary_cross_entropy" or activation == "sigmoid":
        return "binary"
    if loss == "categorical_cross_entropy" or activation == "softmax":
        return "classes"
    return "regression"


def _name(ref: Any) -> str:
    if isinstance(ref, Mapping):
        ref = ref.get("type")
    return ref.lower() if isinstance(ref, str) else ""


def format_value(value: float) -> str:
    """A loss or metric written as the epoch lines write it: six decimals, an accuracy as a fraction."""
    return f"{value:.6f}" if abs(value) < 1e6 else f"{value:.6g}"


def format_table(rows: Mapping[str, Mapping[str, float]], columns: Sequence[str]) -> str:
    """A plain text table: one row per split (``train``, ``test``), one column per value (``loss``, metrics)."""
    header = ["", *columns]
    body = [
        [split, *(format_value(values[c]) if c in values else "-" for c in columns)] for split, values in rows.items()
    ]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    lines = []
    for row in [header, *body]:
        cells = [row[0].ljust(widths[0]), *(cell.rjust(w) for cell, w in zip(row[1:], widths[1:], strict=True))]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def print_json(document: Mapping[str, Any]) -> None:
    """``--json``: one JSON object on standard output, as ``smolml plugins --json`` prints it."""
    import json

    print(json.dumps(document, indent=2, ensure_ascii=False))
