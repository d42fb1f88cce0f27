"""Arrays with autograd: ``MLArray``, its primitives, the backward pass, and the two engines."""

from .creation import ones, randn, zeros
from .extension import NO_SCALAR, Operation, primitive
from .graph import is_grad_enabled, no_grad
from .mlarray import MLArray, sigmoid_cross_entropy, softmax_cross_entropy, where
from .primitives import CONSTANT, unbroadcast
from .scalar import ENGINES

__all__ = [
    "CONSTANT",
    "ENGINES",
    "MLArray",
    "NO_SCALAR",
    "Operation",
    "is_grad_enabled",
    "no_grad",
    "ones",
    "primitive",
    "randn",
    "sigmoid_cross_entropy",
    "softmax_cross_entropy",
    "unbroadcast",
    "where",
    "zeros",
]
