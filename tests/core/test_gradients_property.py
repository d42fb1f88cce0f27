"""Property-based gradient checks: every primitive against central finite differences, over random shapes.

``test_gradients.py`` checks each primitive on a few hand-picked shapes. Here hypothesis picks the shapes
(0-d arrays, size-1 axes that broadcast, axes of length 0), the reduction axes, the indices and the values,
and shrinks any disagreement to its smallest case.

How the file is laid out:

* ``CASES`` maps every name in ``PRIMITIVES`` to a strategy that draws a ``GradientCase``: a function of
  ``MLArray`` inputs that reaches the primitive through the public API (operators, methods,
  ``smolml_core.where``), and the numbers to feed it. ``test_every_primitive_has_a_property`` fails when a
  primitive is added without an entry, so a new gradient rule cannot go untested.
* Values are drawn inside each function's domain and away from its kinks (positive for log, sqrt and the base
  of power; at least 0.1 from zero for abs, relu and divisors; distinct for max and min; away from clip's bounds):
  central differences only estimate a derivative where the function is smooth around the point. Logits reach
  +-30, where sigmoid and softmax saturate; cross-entropy targets lie in [0, 1].
* Every case runs once per engine in ``ENGINES``; ``make_inputs`` is the one place that builds an engine's
  arrays.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from smolml_core import MLArray, sigmoid_cross_entropy, softmax_cross_entropy, where
from smolml_core.array.primitives import PRIMITIVES
from smolml_core.testing import check_gradients

ENGINES = ("array", "scalar")
"""The engines every case runs on."""

FAST = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,  # the same examples on every run, so CI is deterministic
    database=None,
    # A failure is shrunk, but only the first one, and not "explained": either would take many seconds, and the
    # shrunk example already says what failed. The slow run reports every distinct failure.
    report_multiple_bugs=False,
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow],
)
"""Settings for the default suite: the whole file stays well under 20 seconds."""

THOROUGH = settings(FAST, max_examples=400, report_multiple_bugs=True)
"""Settings for the run marked slow (``nox -s slow``)."""

TOLERANCES: dict[str, float] = {"eps": 1e-6, "rtol": 1e-5, "atol": 1e-7}
"""``check_gradients``' own defaults, spelled out: no case needs them loosened."""


# -- a case: what is computed, and on which numbers ------------------------------------------------------------


@dataclass(frozen=True)
class GradientCase:
    """A function of ``MLArray`` inputs (``f``), described for failure reports (``expression``), and its inputs."""

    expression: str
    f: Callable[..., MLArray] = field(repr=False)
    inputs: tuple[np.ndarray, ...]


def make_inputs(engine: str, *values: np.ndarray) -> tuple[MLArray, ...]:
    """The values as ``MLArray`` inputs of ``engine``: the only place that knows how an engine's arrays are made."""
    return tuple(MLArray(v, engine=engine) for v in values)


def assert_gradients_match(case: GradientCase, engine: str) -> None:
    """Autograd agrees with finite differences, and each gradient has exactly its input's shape.

    The shape check is separate because ``check_gradients`` compares with ``np.allclose``, which broadcasts:
    a gradient of shape ``(3,)`` for an input of shape ``(0, 3)`` would compare equal to the empty expected one.
    """
    check_gradients(case.f, *case.inputs, engine=engine, **TOLERANCES)
    inputs = make_inputs(engine, *case.inputs)
    case.f(*inputs).sum().backward()
    for i, (x, value) in enumerate(zip(inputs, case.inputs, strict=True)):
        assert x.grad().shape == value.shape, f"gradient of input {i} has shape {x.grad().shape}, not {value.shape}"


# -- numbers: each function's domain, away from its kinks --------------------------------------------------------


def _floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


ANY = _floats(-3.0, 3.0)
POSITIVE = _floats(0.5, 2.0)  # log, sqrt, the base of a real power
AWAY_FROM_ZERO = _floats(-2.0, -0.1) | _floats(0.1, 2.0)  # abs and relu (kink at 0), divisors
LOGITS = _floats(-4.0, 4.0) | _floats(-30.0, 30.0)  # moderate, or saturating sigmoid and softmax
PROBABILITIES = _floats(0.0, 1.0)  # cross-entropy targets
CLIP_LOW, CLIP_HIGH = -1.0, 1.5
AWAY_FROM_CLIP_BOUNDS = _floats(-2.5, -1.1) | _floats(-0.9, 1.4) | _floats(1.6, 2.5)


def arrays(shape: tuple[int, ...], elements: st.SearchStrategy[float]) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of ``shape`` with every element drawn from ``elements``."""
    return hnp.arrays(np.float64, shape, elements=elements)


@st.composite
def distinct_arrays(draw: st.DrawFn, shape: tuple[int, ...]) -> np.ndarray:
    """A shuffled grid of values 0.1 apart: max and min have one winner, and nudging by eps never changes it."""
    n = math.prod(shape)
    order = draw(st.permutations(range(n)))
    return (np.array(order, dtype=np.float64).reshape(shape) - n / 2) / 10


# -- shapes ---------------------------------------------------------------------------------------------------

SHAPES = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=3)
"""Any shape up to 4-D, including 0-d, size-1 axes and empty axes."""

BROADCAST_PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, min_side=0, max_side=3)
BROADCAST_TRIPLES = hnp.mutually_broadcastable_shapes(num_shapes=3, min_dims=0, max_dims=3, min_side=0, max_side=3)
MATMUL_SHAPES = hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=2, min_side=0, max_side=3)
"""Shapes ``x @ y`` accepts: 1-D operands on either side, and stacks of matrices that broadcast (3-D, 4-D)."""


def reduction_axes(ndim: int) -> st.SearchStrategy[Any]:
    """None, an int, a negative int, or a tuple of axes (possibly empty, possibly mixing signs)."""
    choices = [st.none(), hnp.valid_tuple_axes(ndim)]
    if ndim:
        choices += [st.integers(0, ndim - 1), st.integers(-ndim, -1)]
    return st.one_of(choices)


def normalized_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """The axes a reduction over ``axis`` removes, as non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    return tuple(a % ndim for a in ((axis,) if isinstance(axis, int) else axis))


# -- cases, one builder per kind of primitive -------------------------------------------------------------------


def unary(expression: str, f: Callable[[MLArray], MLArray], elements: st.SearchStrategy[float]) -> Any:
    """``f(x)`` for an elementwise ``f`` on any shape, ``x`` drawn from ``elements``."""
    return SHAPES.flatmap(lambda shape: arrays(shape, elements)).map(lambda x: GradientCase(expression, f, (x,)))


@st.composite
def binary(
    draw: st.DrawFn,
    symbol: str,
    op: Callable[[Any, Any], MLArray],
    left: st.SearchStrategy[float] = ANY,
    right: st.SearchStrategy[float] = ANY,
    same: st.SearchStrategy[float] = ANY,
) -> GradientCase:
    """``x op y`` on broadcastable shapes; or with a plain number on either side; or ``x op x``.

    ``left`` and ``right`` are the domains of the two operands, ``same`` the domain of x in ``x op x``. The
    number forms reach the reflected operators (``2.0 - x`` is ``__rsub__``); ``x op x`` checks that both of the
    rule's gradients add up in the one input.
    """
    form = draw(st.sampled_from(["arrays", "number on the right", "number on the left", "same array twice"]))
    x_shape, y_shape = draw(BROADCAST_PAIRS).input_shapes
    if form == "arrays":
        return GradientCase(f"x {symbol} y", op, (draw(arrays(x_shape, left)), draw(arrays(y_shape, right))))
    if form == "number on the right":
        c = draw(right)
        return GradientCase(f"x {symbol} {c!r}", lambda x: op(x, c), (draw(arrays(x_shape, left)),))
    if form == "number on the left":
        c = draw(left)
        return GradientCase(f"{c!r} {symbol} x", lambda y: op(c, y), (draw(arrays(y_shape, right)),))
    return GradientCase(f"x {symbol} x", lambda x: op(x, x), (draw(arrays(x_shape, same)),))


@st.composite
def integer_powers(draw: st.DrawFn) -> GradientCase:
    """``x ** n`` for a whole number n in 0..3: unlike a real exponent, it allows a negative or zero base."""
    n = draw(st.integers(0, 3))
    x = draw(SHAPES.flatmap(lambda shape: arrays(shape, ANY)))
    return GradientCase(f"x ** {n}", lambda x: x**n, (x,))


@st.composite
def matmuls(draw: st.DrawFn) -> GradientCase:
    """``x @ y`` for every pairing of vectors, matrices and broadcast stacks; or with a numpy constant on one side."""
    x_shape, y_shape = draw(MATMUL_SHAPES).input_shapes
    x, y = draw(arrays(x_shape, ANY)), draw(arrays(y_shape, ANY))
    form = draw(st.sampled_from(["arrays", "constant on the right", "constant on the left"]))
    if form == "arrays":
        return GradientCase("x @ y", lambda a, b: a @ b, (x, y))
    if form == "constant on the right":
        return GradientCase(f"x @ {y!r}", lambda a: a @ y, (x,))
    return GradientCase(f"{x!r} @ y", lambda b: x @ b, (y,))  # numpy defers to MLArray.__rmatmul__


@st.composite
def wheres(draw: st.DrawFn) -> GradientCase:
    """``where(c, x, y)`` with condition, x and y broadcasting together; either branch may be a plain number."""
    c_shape, x_shape, y_shape = draw(BROADCAST_TRIPLES).input_shapes
    c = draw(hnp.arrays(np.bool_, c_shape))
    x, y = draw(arrays(x_shape, ANY)), draw(arrays(y_shape, ANY))
    form = draw(st.sampled_from(["arrays", "number for y", "number for x"]))
    shown = f"c = {c.tolist()}"
    if form == "arrays":
        return GradientCase(f"where(c, x, y), {shown}", lambda a, b: where(c, a, b), (x, y))
    k = draw(ANY)
    if form == "number for y":
        return GradientCase(f"where(c, x, {k!r}), {shown}", lambda a: where(c, a, k), (x,))
    return GradientCase(f"where(c, {k!r}, y), {shown}", lambda b: where(c, k, b), (y,))


@st.composite
def reductions(draw: st.DrawFn, method: str, values: Callable[[tuple[int, ...]], Any]) -> GradientCase:
    """``x.<method>(axis, keepdims)`` over any axes, with ``values(shape)`` drawing x.

    For max, min and logsumexp (which shifts by the maximum) the reduced axes are never empty: a maximum of nothing
    is undefined, and numpy raises. Nor for mean: the mean of nothing divides by zero, and raises NumericalError.
    The axes kept may be empty, and so may ``axis=()``'s. Sum reduces empty axes too: its gradient there is an
    empty array.
    """
    shape = draw(SHAPES)
    axis = draw(reduction_axes(len(shape)))
    keepdims = draw(st.booleans())
    if method != "sum":
        reduced = normalized_axes(axis, len(shape))
        shape = tuple(max(n, 1) if i in reduced else n for i, n in enumerate(shape))
    expression = f"x.{method}(axis={axis!r}, keepdims={keepdims})"
    return GradientCase(expression, lambda x: getattr(x, method)(axis=axis, keepdims=keepdims), (draw(values(shape)),))


@st.composite
def softmaxes(draw: st.DrawFn) -> GradientCase:
    """``x.softmax(axis)`` along any axis (given as i or i - ndim, or left to the default -1) of any shape of 1-D up.

    The softmax axis is never empty (a distribution over nothing has no values); the other axes may be.
    """
    shape = list(draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=3)))
    axis = draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    along = -1 if axis is None else axis
    shape[along] = max(shape[along], 1)
    x = draw(arrays(tuple(shape), LOGITS))
    if axis is None:
        return GradientCase("x.softmax()", lambda a: a.softmax(), (x,))
    return GradientCase(f"x.softmax(axis={axis})", lambda a: a.softmax(axis=axis), (x,))


@st.composite
def cross_entropies(
    draw: st.DrawFn, f: Callable[..., MLArray], name: str, z_shape: tuple[int, ...], y_shape: tuple[int, ...]
) -> GradientCase:
    """``f(z, y)`` on logits and targets of the given shapes, both differentiated; or with one of them a constant.

    ``name`` spells ``f`` in reports, with ``{}`` where the two arguments go. The constant forms are how the losses
    use it: the targets are plain data, possibly a single number.
    """
    z, y = draw(arrays(z_shape, LOGITS)), draw(arrays(y_shape, PROBABILITIES))
    form = draw(st.sampled_from(["arrays", "constant targets", "constant logits", "number target"]))
    if form == "arrays":
        return GradientCase(name.format("z, y"), f, (z, y))
    if form == "constant targets":
        return GradientCase(name.format(f"z, {y!r}"), lambda a: f(a, y), (z,))
    if form == "constant logits":
        return GradientCase(name.format(f"{z!r}, y"), lambda b: f(z, b), (y,))
    k = draw(PROBABILITIES)
    return GradientCase(name.format(f"z, {k!r}"), lambda a: f(a, k), (z,))


@st.composite
def sigmoid_cross_entropies(draw: st.DrawFn) -> GradientCase:
    """``sigmoid_cross_entropy(z, y)``, elementwise on broadcastable shapes (empty ones included)."""
    z_shape, y_shape = draw(BROADCAST_PAIRS).input_shapes
    return draw(cross_entropies(sigmoid_cross_entropy, "sigmoid_cross_entropy({})", z_shape, y_shape))


@st.composite
def softmax_cross_entropies(draw: st.DrawFn) -> GradientCase:
    """``softmax_cross_entropy(z, y, axis)`` on broadcastable shapes, along any axis of the logits.

    The axis is the softmax's axis in z and the summed axis of the broadcast product, so it must name the same axis
    in both: i - ndim for any axis of z, or i when z has all of the result's dimensions. Either operand may be
    broadcast along it (length 1, or absent from the targets). Along it z is never empty (a softmax of nothing has
    no values), nor is the result; the other axes may be.
    """
    z_dims, y_dims = (list(s) for s in draw(BROADCAST_PAIRS).input_shapes)
    z_dims = z_dims or [1]  # the softmax needs an axis; (1,) broadcasts with every shape a 0-d array does
    k = draw(st.integers(-len(z_dims), -1))
    z_dims[k] = max(z_dims[k], 1)
    if len(y_dims) >= -k:
        y_dims[k] = max(y_dims[k], 1)
    positive = len(z_dims) >= len(y_dims) and draw(st.booleans())
    axis = k + len(z_dims) if positive else k
    if axis == -1 and draw(st.booleans()):  # the default
        f, name = softmax_cross_entropy, "softmax_cross_entropy({})"
    else:
        f, name = (lambda a, b: softmax_cross_entropy(a, b, axis=axis)), f"softmax_cross_entropy({{}}, axis={axis})"
    return draw(cross_entropies(f, name, tuple(z_dims), tuple(y_dims)))


@st.composite
def reshapes(draw: st.DrawFn) -> GradientCase:
    """``x.reshape(...)`` to another shape of the same size: axes shuffled, merged, with 1s added or dropped, or -1."""
    shape = draw(SHAPES)
    x = draw(arrays(shape, ANY))
    dims = list(draw(st.permutations(shape)))
    if draw(st.booleans()):  # drop the size-1 axes ((1, 1) may become ())
        dims = [n for n in dims if n != 1]
    cuts = sorted(draw(st.sets(st.integers(1, len(dims) - 1)))) if len(dims) > 1 else []
    target = [math.prod(dims[a:b]) for a, b in zip([0, *cuts], [*cuts, len(dims)], strict=True)] if dims else []
    for _ in range(draw(st.integers(0, 2))):
        target.insert(draw(st.integers(0, len(target))), 1)
    if target and x.size and draw(st.booleans()):  # -1 is ambiguous for an empty array, so only when size > 0
        target[draw(st.integers(0, len(target) - 1))] = -1
    if draw(st.booleans()):
        return GradientCase(f"x.reshape{tuple(target)!r}", lambda a: a.reshape(tuple(target)), (x,))
    return GradientCase(f"x.reshape(*{target!r})", lambda a: a.reshape(*target), (x,))


@st.composite
def transposes(draw: st.DrawFn) -> GradientCase:
    """``x.T``, ``x.transpose()`` and ``x.transpose(axes)`` for any order of axes, each given as i or i - ndim."""
    shape = draw(SHAPES)
    x = draw(arrays(shape, ANY))
    ndim = len(shape)
    order = draw(st.permutations(range(ndim)))
    negative = draw(st.lists(st.booleans(), min_size=ndim, max_size=ndim))
    axes = tuple(a - ndim if neg else a for a, neg in zip(order, negative, strict=True))
    spelling = draw(st.sampled_from(["x.T", "x.transpose()", "x.transpose(*axes)", "x.transpose(axes)"]))
    if spelling == "x.T":
        return GradientCase("x.T", lambda a: a.T, (x,))
    if spelling == "x.transpose()":
        return GradientCase("x.transpose()", lambda a: a.transpose(), (x,))
    if spelling == "x.transpose(*axes)":
        return GradientCase(f"x.transpose(*{axes!r})", lambda a: a.transpose(*axes), (x,))
    return GradientCase(f"x.transpose({axes!r})", lambda a: a.transpose(axes), (x,))


@st.composite
def repeating_fancy_index(draw: st.DrawFn, shape: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    """Integer arrays (negatives allowed) indexing ``shape``'s axes, whose first element is selected twice.

    The repeat is the point: each selection sends gradient back, and the copies must add up.
    """
    index = draw(hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=3)))
    return tuple(np.concatenate([a, a[:1]]) for a in index)


@st.composite
def getitems(draw: st.DrawFn) -> GradientCase:
    """``x[index]`` for basic indices, repeating fancy indices (alone or beside a slice) and boolean masks."""
    kind = draw(st.sampled_from(["basic", "fancy", "fancy and slice", "mask"]))
    if kind == "basic":  # integers, slices (any step), Ellipsis and None; each element selected at most once
        shape = draw(SHAPES)
        index = draw(hnp.basic_indices(shape, allow_newaxis=True))
    elif kind == "fancy":  # arrays for the first k axes, as a tuple; one array also as a list or an MLArray
        shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
        k = draw(st.integers(1, len(shape)))
        index = draw(repeating_fancy_index(shape[:k]))
        if k == 1:
            index = draw(st.sampled_from([index, index[0], index[0].tolist(), MLArray(index[0])]))
    elif kind == "fancy and slice":
        shape = draw(hnp.array_shapes(min_dims=2, max_dims=3, min_side=1, max_side=3))
        (rows,) = draw(repeating_fancy_index(shape[:1]))
        index = (rows, draw(st.slices(shape[1])))
    else:  # a boolean mask over the first k axes
        shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=3))
        k = draw(st.integers(1, len(shape)))
        index = draw(hnp.arrays(np.bool_, shape[:k]))
    x = draw(arrays(shape, ANY))
    return GradientCase(f"x[{index!r}]", lambda a: a[index], (x,))


CASES: dict[str, st.SearchStrategy[GradientCase]] = {
    "add": binary("+", lambda x, y: x + y),
    "subtract": binary("-", lambda x, y: x - y),
    "multiply": binary("*", lambda x, y: x * y),
    "divide": binary("/", lambda x, y: x / y, right=AWAY_FROM_ZERO, same=AWAY_FROM_ZERO),
    "power": binary("**", lambda x, y: x**y, left=POSITIVE, same=POSITIVE) | integer_powers(),
    "matmul": matmuls(),
    "negative": unary("-x", lambda x: -x, ANY),
    "exp": unary("x.exp()", lambda x: x.exp(), ANY),
    "log": unary("x.log()", lambda x: x.log(), POSITIVE),
    "sqrt": unary("x.sqrt()", lambda x: x.sqrt(), POSITIVE),
    "abs": unary("abs(x)", lambda x: abs(x), AWAY_FROM_ZERO) | unary("x.abs()", lambda x: x.abs(), AWAY_FROM_ZERO),
    "tanh": unary("x.tanh()", lambda x: x.tanh(), ANY),
    "sigmoid": unary("x.sigmoid()", lambda x: x.sigmoid(), _floats(-8.0, 8.0)),
    "relu": unary("x.relu()", lambda x: x.relu(), AWAY_FROM_ZERO),
    "clip": unary(f"x.clip({CLIP_LOW}, {CLIP_HIGH})", lambda x: x.clip(CLIP_LOW, CLIP_HIGH), AWAY_FROM_CLIP_BOUNDS),
    "where": wheres(),
    # comparisons are constant masks: x * (x > 0.3) has the mask as its gradient; x stays away from the threshold
    "less": unary("x * (x < 0.3)", lambda x: x * (x < 0.3), AWAY_FROM_ZERO.map(lambda v: v + 0.3)),
    "less_equal": unary("x * (x <= 0.3)", lambda x: x * (x <= 0.3), AWAY_FROM_ZERO.map(lambda v: v + 0.3)),
    "greater": unary("x * (x > 0.3)", lambda x: x * (x > 0.3), AWAY_FROM_ZERO.map(lambda v: v + 0.3)),
    "greater_equal": unary("x * (x >= 0.3)", lambda x: x * (x >= 0.3), AWAY_FROM_ZERO.map(lambda v: v + 0.3)),
    "sum": reductions("sum", lambda shape: arrays(shape, ANY)),
    "mean": reductions("mean", lambda shape: arrays(shape, ANY)),
    "max": reductions("max", distinct_arrays),
    "min": reductions("min", distinct_arrays),
    "logsumexp": reductions("logsumexp", lambda shape: arrays(shape, _floats(-10.0, 10.0))),
    "softmax": softmaxes(),
    "sigmoid_cross_entropy": sigmoid_cross_entropies(),
    "softmax_cross_entropy": softmax_cross_entropies(),
    "reshape": reshapes(),
    "transpose": transposes(),
    "getitem": getitems(),
}
"""Per primitive, the strategy drawing its cases."""


# -- the tests ------------------------------------------------------------------------------------------------


KNOWN_BUGS: dict[tuple[str, str], str] = {}
"""(primitive, engine) -> a known bug of ours that the property finds. Its tests are strict xfails: the whole
domain is still drawn, and the fix makes them pass unexpectedly, so that the entry must go with it."""


def with_known_bugs(names: list[str]) -> list[Any]:
    """(name, engine) parameters, the known bugs marked."""
    return [
        pytest.param(name, engine, id=f"{name}-{engine}", marks=_known_bug(name, engine))
        for engine in ENGINES
        for name in names
    ]


def _known_bug(name: str, engine: str) -> list[Any]:
    bug = KNOWN_BUGS.get((name, engine))
    return [] if bug is None else [pytest.mark.xfail(reason=bug, strict=True)]


def test_every_primitive_has_a_property() -> None:
    """A primitive added to the table without a strategy here fails the suite (and so does a stale entry)."""
    assert sorted(CASES) == sorted(PRIMITIVES)
    assert {name for name, _ in KNOWN_BUGS} <= set(CASES)
    assert {engine for _, engine in KNOWN_BUGS} <= set(ENGINES)


@pytest.mark.parametrize(("name", "engine"), with_known_bugs(sorted(CASES)))
@FAST
@given(data=st.data())
def test_gradient_matches_finite_differences(name: str, engine: str, data: st.DataObject) -> None:
    """A few dozen random cases per primitive and engine, the same on every run."""
    assert_gradients_match(data.draw(CASES[name], label=name), engine)


@pytest.mark.slow
@pytest.mark.parametrize(("name", "engine"), with_known_bugs(sorted(CASES)))
@THOROUGH
@given(data=st.data())
def test_gradient_matches_finite_differences_thoroughly(name: str, engine: str, data: st.DataObject) -> None:
    """The same property over many more cases, for ``nox -s slow``."""
    assert_gradients_match(data.draw(CASES[name], label=name), engine)
