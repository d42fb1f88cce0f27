"""The scalar engine: arrays whose elements are ``Value`` objects.

On the scalar engine an ``MLArray`` holds a numpy array of dtype ``object``,
one ``Value`` per element: the tutorial's picture of an array. The primitives'
forward formulas run on such arrays unchanged, because numpy hands ``+`` to
``Value.__add__``, ``np.exp`` to ``Value.exp`` and so on. Every number computed
therefore remembers how it was made, and ``Value.backward`` differentiates the
whole computation one number at a time, never consulting the array engine's
gradient rules. That makes each engine the other's referee.

Here live the conversions between numbers and ``Value`` arrays, the hand-over
between the two engines (``forward`` runs a primitive here, ``constant`` cuts a
result loose, ``handed_over`` returns gradients to the array engine), and the
pieces of the few scalar formulas a primitive declares (``each`` for one
``Value`` node per element, ``extremum`` for ``max``/``min`` sharing the
gradient between ties as the array engine does).
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError
from ..value import Value
from ..wording import did_you_mean

if TYPE_CHECKING:
    from .graph import Node
    from .mlarray import MLArray

__all__ = [
    "ENGINES",
    "OBJECT",
    "as_numbers",
    "as_values",
    "assign",
    "backward",
    "check_engine",
    "collector_paused",
    "constant",
    "each",
    "change_in_place",
    "extremum",
    "forward",
    "gradients",
    "handed_over",
    "is_values",
    "move",
    "nbytes",
    "numbers",
    "reset_gradients",
    "to_values",
]

ENGINES = ("array", "scalar")
"""``array``: numpy arrays and one gradient rule per primitive. ``scalar``: arrays of ``Value``."""

OBJECT = np.dtype(object)
"""The dtype of the scalar engine's storage; compared with ``is``, the quickest test of the engine."""


def check_engine(engine: Any, param: str = "engine") -> str:
    """``engine`` if it names an engine, else a ``ConfigError`` listing both."""
    if engine not in ENGINES:
        hint = did_you_mean(str(engine), ENGINES) if isinstance(engine, str) else ""
        raise ConfigError(f"unknown engine {engine!r}{hint}; choose 'array' or 'scalar'", path=(param,))
    return str(engine)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Hold Python's cycle collector while a block builds or walks a ``Value`` graph.

    Each ``Value`` and its ``_backward`` closure refer to each other, and while a
    graph of 100,000 such pairs is being built the collector would keep scanning
    all of them: on the tutorial's moons network that is 8x the time of the
    arithmetic itself. Pausing it per operation lets it run between operations.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def is_values(data: Any) -> bool:
    """True for a numpy array of ``Value`` objects (the scalar engine's storage)."""
    return isinstance(data, np.ndarray) and data.dtype == object


def forward(
    formula: Callable[..., Any], inputs: tuple[Any, ...], parents: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[tuple[Any, ...], np.ndarray]:
    """Run a primitive's formula on the scalar engine: the inputs as it saw them, and its result of Values.

    An array-engine array among ``parents`` (data made with ``MLArray(X)``
    needs a gradient by default) takes part through new leaf Values, its
    stand-ins; ``handed_over`` later returns their gradients to it, and on
    through the array engine. So the engines mix. The returned inputs are the
    ones to record in the node, stand-ins included.
    """
    with collector_paused():
        lifted = tuple(
            to_values(x) if parent is not None and not is_values(x) else x
            for x, parent in zip(inputs, parents, strict=True)
        )
        return lifted, as_values(formula(*lifted, **kwargs))


def constant(values: np.ndarray) -> np.ndarray:
    """New leaf Values with the numbers of ``values``: a result that must lead nowhere (no graph recorded).

    The Values a formula computed still point back at their inputs, and
    ``Value.backward`` would follow them; fresh ones cut the result loose.
    """
    return to_values(numbers(values))


def handed_over(node: Node) -> list[tuple[MLArray, np.ndarray]]:
    """Each array-engine parent of a scalar-engine operation, with the gradient its stand-ins collected.

    A parent on the scalar engine is left out: ``Value.backward`` reached its
    Values directly. Each stand-in (a recorded input, see ``forward``) is
    reset once read, so a second ``backward`` through a retained graph hands
    over only its own share.
    """
    out = []
    for parent, stand_in in zip(node.parents, node.inputs, strict=True):
        if parent is not None and not is_values(parent.data):
            out.append((parent, gradients(stand_in)))
            reset_gradients(stand_in)
    return out


def to_values(data: np.ndarray) -> np.ndarray:
    """New leaf ``Value`` objects holding ``data``'s numbers, in an array of the same shape."""
    out = np.empty(np.shape(data), dtype=object)
    flat = out.reshape(-1)
    for i, x in enumerate(np.asarray(data, dtype=np.float64).flat):
        flat[i] = Value(x)
    return out


def as_values(result: Any) -> np.ndarray:
    """A forward formula's result as an array in which every element is a ``Value``.

    Constants that end up in the result (``where(mask, x, 0.0)``, a clipping
    bound) become leaf ``Value`` objects, so later operations can treat every
    element alike.
    """
    array = result if isinstance(result, np.ndarray) else np.asarray(result, dtype=object)
    if array.dtype != object:
        return to_values(array)
    flat = array.reshape(-1)
    for i, x in enumerate(flat):
        if not isinstance(x, Value):
            flat[i] = Value(x)
    return array


def as_numbers(data: Any) -> Any:
    """The numbers of an array on either engine: each ``Value``'s number, or the array itself."""
    return numbers(data) if is_values(data) else data


def numbers(values: np.ndarray) -> np.ndarray:
    """The number each ``Value`` holds, as a float64 array of the same shape."""
    return np.array([v.data for v in values.flat], dtype=np.float64).reshape(values.shape)


def gradients(values: np.ndarray) -> np.ndarray:
    """The gradient each ``Value`` holds, as a float64 array of the same shape."""
    return np.array([v.grad for v in values.flat], dtype=np.float64).reshape(values.shape)


def assign(values: np.ndarray, new_numbers: np.ndarray) -> None:
    """Set each ``Value``'s number in place (an optimizer step), keeping the objects themselves."""
    for v, x in zip(values.flat, np.asarray(new_numbers, dtype=np.float64).flat, strict=True):
        v.data = float(x)


def change_in_place(array: MLArray, change: Callable[..., None], *args: Any) -> None:
    """Call ``change(numbers, *args)``, which alters ``numbers`` in place, on ``array``'s numbers, on either engine.

    On the array engine ``numbers`` is the array's own storage. On the scalar
    engine it is a copy, whose numbers then go back into the same ``Value``
    objects, so one update rule written for numpy (an optimizer's ``step``)
    serves both engines. A plain call, not a ``with`` block: it runs for every
    parameter at every step.
    """
    data = array.data
    if data.dtype is not OBJECT:
        change(data, *args)
        return
    values = numbers(data)
    change(values, *args)
    assign(data, values)


def move(array: MLArray, engine: str) -> None:
    """Put ``array`` on ``engine`` in place, keeping its numbers; the gradient it held is forgotten."""
    if array.engine != check_engine(engine):
        held = array.numpy()
        array.data = to_values(held) if engine == "scalar" else held
        array.restart()


def nbytes(data: np.ndarray) -> int:
    """Memory an array's storage holds: its numbers, or on the scalar engine also each ``Value`` and its float."""
    if not is_values(data):
        return int(data.nbytes)
    return int(data.nbytes) + sum(sys.getsizeof(v) + sys.getsizeof(v.data) for v in data.flat)


def reset_gradients(values: np.ndarray) -> None:
    """Set every ``Value``'s gradient back to 0."""
    for v in values.flat:
        v.grad = 0.0


def backward(values: np.ndarray, grad: np.ndarray | None) -> None:
    """Run ``Value.backward`` from ``values``, seeded with ``grad`` (one number per element).

    A single ``Value`` is differentiated directly. For several, the gradient of
    ``sum(grad * values)`` is taken, which gives each element exactly ``grad``.
    """
    if grad is None:
        values.reshape(-1)[0].backward()
        return
    total = Value(0.0)
    for v, g in zip(values.flat, grad.flat, strict=True):
        total = total + v * float(g)
    total.backward()


def each(method: str) -> Callable[[np.ndarray], np.ndarray]:
    """A forward formula that calls ``Value.<method>()`` on every element: one graph node each."""

    def formula(x: np.ndarray) -> np.ndarray:
        out = np.empty(x.shape, dtype=object)
        flat = out.reshape(-1)
        for i, v in enumerate(x.flat):
            flat[i] = getattr(v, method)()
        return out

    formula.__name__ = method
    return formula


def extremum(x: np.ndarray, axis: Any, keepdims: bool, largest: bool) -> np.ndarray:
    """``max``/``min`` over ``axis`` as one ``Value`` per result, whose gradient ties share equally."""
    axes = tuple(range(x.ndim)) if axis is None else tuple(int(a) % max(x.ndim, 1) for a in np.atleast_1d(axis))
    kept = [a for a in range(x.ndim) if a not in axes]
    reduced_size = int(np.prod([x.shape[a] for a in axes]))
    rows = np.transpose(x, kept + list(axes)).reshape(*(x.shape[a] for a in kept), reduced_size)
    out = np.empty(rows.shape[:-1], dtype=object)
    for index in np.ndindex(out.shape):
        out[index] = _extremum_node(list(rows[index]), largest)
    if keepdims:
        out = out.reshape(tuple(1 if a in axes else n for a, n in enumerate(x.shape)))
    return out


def _extremum_node(candidates: list[Value], largest: bool) -> Value:
    if not candidates:
        raise ValueError("max/min of an empty selection has no value")
    best = max(v.data for v in candidates) if largest else min(v.data for v in candidates)
    winners = tuple(v for v in candidates if v.data == best)
    out = Value(best, winners, "max" if largest else "min")

    def _backward() -> None:
        share = out.grad / len(winners)
        for w in winners:
            w.grad += share

    out._backward = _backward
    return out
