"""The weight-initializer contract: draw a starting array of a given shape."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from typing import Any

import numpy as np

from ..array import MLArray
from ..array.allocation import allocate
from ..registry import Configurable
from ..registry.kinds import component_base
from ..rng import get_rng

__all__ = ["WeightInitializer", "fans"]


class _ClassOrInstanceMethod:
    """A method callable on an instance, or on the class itself with default parameters.

    It lets ``XavierUniform.initialize(2, 16)`` (the tutorial's way) and
    ``RandomUniform(limit=0.5).initialize(2, 16)`` both work.
    """

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.__doc__ = func.__doc__

    def __get__(self, obj: Any, owner: type) -> Callable[..., Any]:
        return types.MethodType(self.func, obj if obj is not None else owner())


@component_base("initializer")
class WeightInitializer(Configurable):
    """Base class of every initializer.

    A subclass implements ``sample(shape, rng)``: return a numpy array of
    ``shape`` drawn from ``rng`` (the seeded generator, so ``set_seed`` makes
    runs repeatable). Parameters go in its constructor, with defaults.
    """

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        """Draw the starting values."""
        raise NotImplementedError(f"{type(self).__name__} must implement sample(shape, rng)")

    @_ClassOrInstanceMethod
    def initialize(self, *dims: Any, dtype: Any = np.float64) -> MLArray:
        """A new trainable array of shape ``dims`` (``initialize(2, 16)`` or ``initialize((2, 16))``)."""
        shape = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
        if not shape or any(not isinstance(d, (int, np.integer)) or isinstance(d, bool) or d < 1 for d in shape):
            raise ValueError(f"{type(self).__name__}.initialize needs sizes >= 1, got {shape!r}")
        values = allocate(shape, dtype, lambda dims: np.asarray(self.sample(dims, get_rng())), "weights")
        if _only_here(values) and values.dtype == np.dtype(dtype):
            return _hand_over(values)
        return MLArray(values, dtype=dtype)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({params})"


def _only_here(values: np.ndarray) -> bool:
    """Whether ``values`` is a fresh array nothing else refers to, which an MLArray may keep without a copy.

    ``sample`` usually returns what the generator just drew; then copying it
    would hold a large layer twice while it is made. An array ``sample`` also
    kept somewhere (a reference count above this function's own two) is copied.
    """
    return values.flags.owndata and values.flags.c_contiguous and sys.getrefcount(values) <= 3


def _hand_over(values: np.ndarray) -> MLArray:
    """An MLArray keeping ``values`` itself: a trainable leaf, as ``MLArray(values)`` makes, without the copy."""
    array = MLArray(np.empty((0,), dtype=values.dtype))
    array.data = values
    return array


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight array: its first and last sizes, as in the tutorial."""
    fan_in = shape[0] if shape else 1
    fan_out = shape[-1] if len(shape) > 1 else fan_in
    return fan_in, fan_out
