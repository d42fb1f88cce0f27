"""Constructors for common arrays: ``zeros``, ``ones`` and ``randn``.

Shapes are given as separate sizes (``zeros(1, 16)``, as in the tutorial) or
as one tuple (``zeros((1, 16))``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..rng import get_rng
from .allocation import allocate
from .mlarray import MLArray

__all__ = ["ones", "randn", "zeros"]


def zeros(*shape: Any, dtype: Any = np.float64, requires_grad: bool = True) -> MLArray:
    """An array of zeros."""
    return MLArray(allocate(_shape(shape), dtype, lambda s: np.zeros(s, dtype=dtype)), requires_grad=requires_grad)


def ones(*shape: Any, dtype: Any = np.float64, requires_grad: bool = True) -> MLArray:
    """An array of ones."""
    return MLArray(allocate(_shape(shape), dtype, lambda s: np.ones(s, dtype=dtype)), requires_grad=requires_grad)


def randn(*shape: Any, dtype: Any = np.float64, requires_grad: bool = True) -> MLArray:
    """Samples of the standard normal distribution, drawn from the seeded generator."""
    values = allocate(_shape(shape), np.float64, get_rng().standard_normal).astype(dtype, copy=False)
    return MLArray(values, requires_grad=requires_grad)


def _shape(shape: tuple[Any, ...]) -> tuple[int, ...]:
    dims = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    for d in dims:
        if not isinstance(d, (int, np.integer)) or isinstance(d, bool) or d < 0:
            raise ValueError(f"array sizes must be whole numbers >= 0, got shape {dims!r}")
    return tuple(int(d) for d in dims)
