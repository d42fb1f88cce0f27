"""Arrays with autograd: ``MLArray``, its primitives, the backward pass, and the two engines."""

from .creation import ones, randn, zeros
from .graph import is_grad_enabled, no_grad
from .mlarray import MLArray, sigmoid_cross_entropy, softmax_cross_entropy, where
from .scalar import ENGINES

__all__ = [
    "ENGINES",
    "MLArray",
    "is_grad_enabled",
    "no_grad",
    "ones",
    "randn",
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
    "where",
    "zeros",
]
