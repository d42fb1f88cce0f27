"""The array engine: ``MLArray``, its primitives, and the backward pass."""

from .creation import ones, randn, zeros
from .graph import is_grad_enabled, no_grad
from .mlarray import MLArray, where

__all__ = ["MLArray", "is_grad_enabled", "no_grad", "ones", "randn", "where", "zeros"]
