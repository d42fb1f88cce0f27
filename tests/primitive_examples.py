"""Operations made with ``smolml_core.primitive`` for the tests: one right, and each wrong one wrong in one way."""

from __future__ import annotations

from typing import Any

import numpy as np

from smolml_core import CONSTANT, NO_SCALAR, primitive, unbroadcast


def scaled_product(x: Any, w: Any, *, scale: float = 1.0) -> Any:
    """scale * x * w, element by element, broadcasting as numpy does."""
    return scale * x * w


# d(s x w)/dx = s w;  d(s x w)/dw = s x; each summed back over the axes broadcasting added
def _product_vjp_x(g: np.ndarray, ans: np.ndarray, x: Any, w: Any, *, scale: float = 1.0) -> np.ndarray:
    return unbroadcast(g * scale * w, np.shape(x))


def _product_vjp_w(g: np.ndarray, ans: np.ndarray, x: Any, w: Any, *, scale: float = 1.0) -> np.ndarray:
    return unbroadcast(g * scale * x, np.shape(w))


product = primitive("scaled_product", scaled_product, _product_vjp_x, _product_vjp_w)
"""Right: the forward runs on arrays of Value as it is."""

PRODUCT_EXAMPLE = {"inputs": [(2, 3), (3,)], "kwargs": {"scale": 2.0}}

wrong_vjp = primitive(
    "wrong_vjp", scaled_product, lambda g, ans, x, w, scale=1.0: unbroadcast(g * w, np.shape(x)), _product_vjp_w
)
"""Forgets the scale in the gradient for x."""

no_unbroadcast = primitive(
    "no_unbroadcast", scaled_product, _product_vjp_x, lambda g, ans, x, w, scale=1.0: g * scale * x
)
"""Returns w's gradient with the broadcast shape, not w's."""


def _float64_forward(x: Any, w: Any, *, scale: float = 1.0) -> Any:
    """scale * x * w, computed in float64 whatever the inputs' dtype."""
    return np.asarray(x, dtype=np.float64) * w * scale


widening = primitive("widening", _float64_forward, _product_vjp_x, _product_vjp_w)
"""Turns float32 inputs into a float64 output."""


def _scalar_wrong(x: Any, w: Any, *, scale: float = 1.0) -> Any:
    return x * w  # the scale is forgotten on the scalar engine


scalar_disagrees = primitive(
    "scalar_disagrees", scaled_product, _product_vjp_x, _product_vjp_w, scalar_forward=_scalar_wrong
)
"""Its scalar formula computes something else than its numpy forward."""

array_only = primitive("array_only", scaled_product, _product_vjp_x, _product_vjp_w, scalar_forward=NO_SCALAR)
"""Right, but refuses the scalar engine."""


def row_sum(x: Any, mask: Any) -> Any:
    """The sum of each row of x over the columns where mask is true."""
    return np.sum(np.where(mask, x, 0.0), axis=-1)


masked_sum = primitive(
    "masked_sum", row_sum, lambda g, ans, x, mask: unbroadcast(np.where(mask, g[..., None], 0.0), np.shape(x)), CONSTANT
)
"""A CONSTANT argument: the mask is passed as it is."""

MASKED_SUM_EXAMPLE = {"inputs": [(3, 4), [True, False, True, True]]}
