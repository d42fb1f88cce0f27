"""The text a network prints as its ``repr``: layers, sizes, parameters, memory."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..array import scalar
from ..errors import SmolMLError
from ..registry import reference
from .walk import named_parameters

if TYPE_CHECKING:
    from .network import NeuralNetwork

__all__ = ["describe_network", "format_bytes"]


def describe_network(network: NeuralNetwork) -> str:
    """A table of the architecture, like the tutorial's, sized to its content."""
    rows = [("#", "layer", "details", "parameters", "memory")]
    total_bytes = 0
    for i, layer in enumerate(network.layers):
        params = named_parameters(layer)
        nbytes = sum(_nbytes(p) for p in params.values())
        total_bytes += nbytes
        count = sum(p.size() for p in params.values())
        details = layer.summary() if hasattr(layer, "summary") else ""
        rows.append((str(i), type(layer).__name__, details, f"{count:,}", format_bytes(nbytes)))
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
