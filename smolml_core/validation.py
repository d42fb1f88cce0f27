"""Checks for a component's parameters, shared by the core and every plugin.

Each validator takes the value and the parameter's name, and either returns the
value normalised (a real parameter as a ``float``, a count as an ``int``) or
raises ``ConfigError`` with the name as its path, which the caller's callers
complete (``optimizer.learning_rate: must be a finite number > 0, got 0``)::

    from smolml_core import Optimizer, validation

    class Momentum(Optimizer):
        def __init__(self, learning_rate: float = 0.01, beta: float = 0.9) -> None:
            super().__init__(learning_rate)  # checks learning_rate with validation.positive
            self.beta = validation.fraction(beta, "beta")

A number is what a config's ``float`` parameter accepts: an ``int`` or a
``float``, numpy's included, and never a ``bool`` (``True`` is not a rate). A
whole number is an ``int`` or a numpy integer, again never a ``bool``.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from .errors import ConfigError
from .wording import quote as _quote

__all__ = [
    "finite",
    "positive",
    "non_negative",
    "interval",
    "fraction",
    "probability",
    "whole_number",
    "boolean",
    "one_of",
    "float_dtype",
    "is_number",
    "is_whole_number",
]

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def is_number(value: Any) -> bool:
    """Whether ``value`` is a real number: an int or a float, numpy's too, but not a bool."""
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def is_whole_number(value: Any) -> bool:
    """Whether ``value`` is a whole number: an int or a numpy integer, but not a bool."""
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def finite(value: Any, name: str) -> float:
    """``value`` as a float, if it is a finite number (not inf, not nan)."""
    if not is_number(value) or not math.isfinite(_as_float(value)):
        raise _refused("a finite number", value, name)
    return float(value)


def positive(value: Any, name: str) -> float:
    """``value`` as a float, if it is a finite number > 0 (a rate, an epsilon, a scale)."""
    if not is_number(value) or not value > 0 or not math.isfinite(_as_float(value)):
        raise _refused("a finite number > 0", value, name)
    return float(value)


def non_negative(value: Any, name: str) -> float:
    """``value`` as a float, if it is a finite number >= 0 (a decay, a margin, a floor)."""
    if not is_number(value) or not value >= 0 or not math.isfinite(_as_float(value)):
        raise _refused("a finite number >= 0", value, name)
    return float(value)


def interval(value: Any, name: str, bounds: str) -> float:
    """``value`` as a float, if it lies in ``bounds``, written as in mathematics.

    ``"[0, 1)"`` includes 0 and excludes 1, ``"(0, 0.5)"`` excludes both ends,
    ``"(0, 1e150]"`` includes the upper one. The message quotes ``bounds`` as given.
    """
    low, high, low_closed, high_closed = _parse(bounds)
    fits = (
        is_number(value)
        and (low <= value if low_closed else low < value)
        and (value <= high if high_closed else value < high)
    )
    if not fits:
        raise _refused(f"a number in {bounds}", value, name)
    return float(value)


def fraction(value: Any, name: str) -> float:
    """``value`` as a float, if it lies in [0, 1): a decay coefficient, a momentum, a dropout rate."""
    return interval(value, name, "[0, 1)")


def probability(value: Any, name: str) -> float:
    """``value`` as a float, if it lies in [0, 1], both ends included."""
    return interval(value, name, "[0, 1]")


def whole_number(value: Any, name: str, minimum: int = 1) -> int:
    """``value`` as an int, if it is a whole number >= ``minimum`` (a size, a count, a period)."""
    if not is_whole_number(value) or value < minimum:
        raise _refused(f"a whole number >= {minimum}", value, name)
    return int(value)


def boolean(value: Any, name: str) -> bool:
    """``value``, if it is ``True`` or ``False`` (numpy's too); 1, 0 and "yes" are refused."""
    if not isinstance(value, (bool, np.bool_)):
        raise _refused("true or false", value, name)
    return bool(value)


def one_of(value: Any, name: str, choices: Sequence[Any]) -> Any:
    """``value``, if it is one of ``choices``: equal and of its type (so ``True`` is not ``1``)."""
    if not any(_is_choice(value, choice) for choice in choices):
        *first, last = (repr(choice) for choice in choices)
        listed = f"{', '.join(first)} or {last}" if first else last
        raise _refused(listed, value, name)
    return value


def float_dtype(value: Any, name: str = "dtype") -> np.dtype[Any]:
    """The numpy dtype ``value`` names, if it is float32 or float64 (in this machine's byte order)."""
    try:
        dtype = np.dtype(value)
    except TypeError as exc:
        raise _refused("'float64' or 'float32'", value, name) from exc
    if dtype not in FLOAT_DTYPES:
        raise _refused("'float64' or 'float32'", value, name)
    return dtype


def _refused(requirement: str, value: Any, name: str) -> ConfigError:
    return ConfigError(f"must be {requirement}, got {_quote(value)}", path=(name,))


def _is_choice(value: Any, choice: Any) -> bool:
    same_kind = isinstance(value, type(choice)) and isinstance(value, bool) == isinstance(choice, bool)
    return same_kind and bool(value == choice)


def _as_float(value: Any) -> float:
    """A number as a float; an int too large for one is infinite, as far as finiteness goes."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


_BOUNDS = re.compile(r"([\[(])\s*([^,\s]+)\s*,\s*([^\]\s)]+)\s*([\])])")


@functools.lru_cache(maxsize=64)
def _parse(bounds: str) -> tuple[float, float, bool, bool]:
    """``"[0, 1)"`` as (low, high, whether low is included, whether high is included)."""
    match = _BOUNDS.fullmatch(bounds.strip())
    try:
        if match is None:
            raise ValueError(bounds)
        opening, low, high, closing = match.groups()
        return float(low), float(high), opening == "[", closing == "]"
    except ValueError:
        raise ValueError(f"bounds must be written like '[0, 1)' or '(0, 0.5]', got {bounds!r}") from None
