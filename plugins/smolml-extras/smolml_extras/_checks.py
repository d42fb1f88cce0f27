"""Parameter checks shared by the components: a bad value is a ConfigError naming the parameter."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from smolml_core import ConfigError

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _is_number(x: Any) -> bool:
    return not isinstance(x, (bool, np.bool_)) and isinstance(x, (int, float, np.integer, np.floating))


def finite(x: Any, name: str) -> float:
    """``x`` as a float, if it is a finite number."""
    if not _is_number(x) or not math.isfinite(x):
        raise ConfigError(f"must be a finite number, got {x!r}", path=(name,))
    return float(x)


def positive(x: Any, name: str) -> float:
    """``x`` as a float, if it is a finite number > 0."""
    if not _is_number(x) or not 0 < x < math.inf:
        raise ConfigError(f"must be a finite number > 0, got {x!r}", path=(name,))
    return float(x)


def non_negative(x: Any, name: str) -> float:
    """``x`` as a float, if it is a finite number >= 0."""
    if not _is_number(x) or not 0 <= x < math.inf:
        raise ConfigError(f"must be a finite number >= 0, got {x!r}", path=(name,))
    return float(x)


def fraction(x: Any, name: str) -> float:
    """``x`` as a float, if it lies in [0, 1)."""
    if not _is_number(x) or not 0 <= x < 1:
        raise ConfigError(f"must be a number in [0, 1), got {x!r}", path=(name,))
    return float(x)


def probability(x: Any, name: str) -> float:
    """``x`` as a float, if it lies in [0, 1]."""
    if not _is_number(x) or not 0 <= x <= 1:
        raise ConfigError(f"must be a number in [0, 1], got {x!r}", path=(name,))
    return float(x)


def size(x: Any, name: str) -> int:
    """``x`` as an int, if it is a whole number >= 1."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)) or x < 1:
        raise ConfigError(f"must be a whole number >= 1, got {x!r}", path=(name,))
    return int(x)


def float_dtype(x: Any, name: str = "dtype") -> np.dtype[Any]:
    """The numpy dtype ``x`` names, if it is float32 or float64."""
    try:
        dtype = np.dtype(x)
    except TypeError as exc:
        raise ConfigError(f"must be 'float64' or 'float32', got {x!r}", path=(name,)) from exc
    if dtype not in FLOAT_DTYPES:
        raise ConfigError(f"must be 'float64' or 'float32', got {x!r}", path=(name,))
    return dtype
