"""The text a network prints as its ``repr``: layers, sizes, parameters, memory."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..array import scalar
from ..errors import SmolMLError
from ..registry import reference
from .walk import children, named_parameters

if TYPE_CHECKING:
    from .network import NeuralNetwork

__all__ = ["describe_network", "format_bytes"]


def describe_network(network: NeuralNetwork) -> str:
    """A table of the architecture, like the tutorial's, sized to its content.

    A layer made of layers is followed by its sub-layers, indented and named
    by their place in it (``layers.0``, ``inner``); its own row counts them all.
    """
    rows = [("#", "layer", "details", "parameters", "memory")]
    total_bytes = 0
    for i, layer in enumerate(network.layers):
        row, nbytes = _row(str(i), type(layer).__name__, layer)
        rows.append(row)
        total_bytes += nbytes
        rows.extend(_sub_rows(layer, 1, {id(layer)}))
    widths = [max(len(row[c]) for row in rows) for c in range(5)]
    align = ["<", "<", "<", ">", ">"]
    lines = [
        "  ".join(f"{cell:{a}{w}}" for cell, a, w in zip(row, align, widths, strict=True)).rstrip() for row in rows
    ]
    rule = "-" * max(len(line) for line in lines)
    optimizer = network.optimizer
    state = optimizer.state_nbytes() if hasattr(optimizer, "state_nbytes") else 0
    return "\n".join(
        [
            f"NeuralNetwork with {len(network.layers)} layers",
            rule,
            *lines,
            rule,
            f"Loss function: {_name('loss', network.loss_function)}",
            f"Optimizer: {optimizer!r} (state: {format_bytes(state)})",
            f"Total parameters: {network.parameter_count():,} ({format_bytes(total_bytes)})",
            *(["Engine: scalar (every parameter a Value)"] if network.engine == "scalar" else []),
        ]
    )


def _row(index: str, label: str, layer: Any) -> tuple[tuple[str, str, str, str, str], int]:
    """One line of the table for ``layer`` (its sub-layers' parameters counted in), and the bytes they hold."""
    params = named_parameters(layer)
    nbytes = sum(_nbytes(p) for p in params.values())
    count = sum(p.size() for p in params.values())
    details = layer.summary() if hasattr(layer, "summary") else ""
    return (index, label, details, f"{count:,}", format_bytes(nbytes)), nbytes


def _sub_rows(layer: Any, depth: int, seen: set[int]) -> list[tuple[str, str, str, str, str]]:
    """The rows of ``layer``'s sub-layers and theirs, each indented one step deeper than its parent."""
    rows = []
    for name, sub in children(layer):
        if id(sub) in seen:  # shared, or pointing back at a parent: shown once
            continue
        seen.add(id(sub))
        rows.append(_row("", f"{'  ' * depth}{name}: {type(sub).__name__}", sub)[0])
        rows.extend(_sub_rows(sub, depth + 1, seen))
    return rows


def _nbytes(param: Any) -> int:
    """Memory a parameter holds: its numbers, or on the scalar engine its Value objects and their floats."""
    return scalar.nbytes(param.data)


def format_bytes(n: int) -> str:
    """``1536`` as ``1.5 KiB``."""
    size = float(n)
    for unit in ("B", "KiB", "MiB"):
        if size < 1024:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GiB"


def _name(kind: str, component: Any) -> str:
    try:
        ref = reference(kind, component)
    except SmolMLError:
        return getattr(component, "__name__", repr(component))
    if isinstance(ref, dict):
        params = ", ".join(f"{k}={v!r}" for k, v in ref.items() if k != "type")
        return f"{ref['type']}({params})"
    return str(ref)
