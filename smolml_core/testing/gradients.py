"""Is my gradient right? Autograd against central finite differences.

``check_gradients(f, *inputs)`` compares the gradients that ``backward()``
computes for ``f`` with central finite differences, element by element, in
float64, on either engine. Use it in a plugin's tests the way SmolML's own
suite does; the component test kit (``kit.py``) uses it for every activation,
loss and layer it checks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..array import MLArray
from ..array.scalar import check_engine

__all__ = ["check_gradients", "numerical_gradient"]


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """d f / d x by central differences: (f(x + eps) - f(x - eps)) / (2 eps), per element."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        above = f(x)
        x[index] = original - eps
        below = f(x)
        x[index] = original
        grad[index] = (above - below) / (2 * eps)
    return grad


def check_gradients(
    f: Callable[..., MLArray],
    *inputs: Any,
    eps: float = 1e-6,
    rtol: float = 1e-5,
    atol: float = 1e-7,
    seed: int = 0,
    engine: str = "array",
) -> None:
    """Raise ``AssertionError`` unless autograd and finite differences agree for ``f``.

    ``f`` takes one ``MLArray`` per input and returns an ``MLArray`` of any
    shape; a non-scalar output is reduced to ``sum(output * R)`` with a fixed
    random ``R``, which checks the whole Jacobian, not just its sum. Inputs are
    copied, so ``f`` may be any composition of ``MLArray`` operations.

    ``engine="scalar"`` runs everything on the scalar engine, so the gradients
    come from ``Value.backward`` instead of the array engine's rules. A gradient
    of the wrong shape fails even where numpy would broadcast it.
    """
    check_engine(engine)
    values = [np.array(x.numpy() if isinstance(x, MLArray) else x, dtype=np.float64) for x in inputs]
    projection: dict[str, np.ndarray] = {}

    def scalar(out: MLArray) -> MLArray:
        if "R" not in projection:
            projection["R"] = np.random.default_rng(seed).standard_normal(out.shape)
        return (out * projection["R"]).sum()

    arrays = [MLArray(v, engine=engine) for v in values]
    scalar(f(*arrays)).backward()
    for i, (array, value) in enumerate(zip(arrays, values, strict=True)):

        def f_i(x: np.ndarray, i: int = i) -> float:
            args = [MLArray(x if j == i else values[j], requires_grad=False, engine=engine) for j in range(len(values))]
            return scalar(f(*args)).item()

        expected = numerical_gradient(f_i, value, eps)
        actual = array.grad().data
        if actual.shape != value.shape:
            raise AssertionError(f"the gradient of input {i} has shape {actual.shape}, but the input has {value.shape}")
        if not np.allclose(actual, expected, rtol=rtol, atol=atol):
            error = np.abs(actual - expected)
            worst = np.unravel_index(np.argmax(error), error.shape) if error.ndim else ()
            raise AssertionError(
                f"gradient of input {i} (shape {value.shape}) disagrees with finite differences: "
                f"at index {tuple(int(k) for k in worst)} autograd gives {float(actual[worst])!r}, "
                f"finite differences {float(expected[worst])!r} (max abs error {float(error.max()):.3g})"
            )
