"""Behaviour of the engines that any rewrite of their insides must keep: edges the other tests do not reach.

Each test pins something a slightly wrong program got wrong while the rest of the suite passed (a survivor of
``nox -s mutation``): a slope at exactly 0, two equal numbers compared, the sign of an overflow, a refusal with
no valid element beside it, a reduction that keeps its axes, targets of higher rank than the logits. Expected
numbers are worked out here with numpy or math, not with the code under test, and both engines must give them.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from smolml_core import MLArray, NumericalError, Value, softmax_cross_entropy, where
from smolml_core.array.primitives import PRIMITIVES, defprimitive
from smolml_core.testing import check_gradients

ENGINES = ("array", "scalar")
on_both_engines = pytest.mark.parametrize("engine", ENGINES)


def value_and_grad(f, data, engine: str) -> tuple[np.ndarray, np.ndarray]:
    """``f(x)`` and the gradient of ``f(x).sum()`` with respect to x, as numpy arrays."""
    x = MLArray(data, engine=engine)
    out = f(x)
    out.backward(grad=np.ones(out.shape))
    return out.numpy(), x.grad().numpy()


def logsumexp(z: np.ndarray, axis: int) -> np.ndarray:
    """The reference, kept dimensions: log(sum(exp(z))) along ``axis``."""
    shift = z.max(axis=axis, keepdims=True)
    return np.log(np.exp(z - shift).sum(axis=axis, keepdims=True)) + shift


# -- Value: slopes at 0, nan, comparisons, the sign of an overflow ---------------------------------


@pytest.mark.parametrize("zero", [0.0, -0.0])
def test_value_relu_at_zero_is_zero_with_slope_zero(zero: float) -> None:
    x = Value(zero)
    out = x.relu()
    out.backward()
    assert (out.data, x.grad) == (0.0, 0.0)


@pytest.mark.parametrize(("x", "expected", "slope"), [(0.5, 0.5, 1.0), (1e-300, 1e-300, 1.0), (-0.5, 0.0, 0.0)])
def test_value_relu_near_zero(x: float, expected: float, slope: float) -> None:
    v = Value(x)
    out = v.relu()
    out.backward()
    assert (out.data, v.grad) == (expected, slope)


@on_both_engines
def test_relu_of_nan_stays_nan_with_no_gradient(engine: str) -> None:
    """nan is broken data, passed on as nan (the training's non-finite check reports it), never turned into 0."""
    value, grad = value_and_grad(lambda x: x.relu(), [math.nan, 0.0, 2.0], engine)
    assert math.isnan(value[0]) and value[1:].tolist() == [0.0, 2.0]
    assert grad.tolist() == [0.0, 0.0, 1.0]


def test_value_relu_of_nan_is_nan_with_slope_zero() -> None:
    x = Value(math.nan)
    out = x.relu()
    out.backward()
    assert math.isnan(out.data) and x.grad == 0.0


@pytest.mark.parametrize(("x", "other"), [(Value(1.5), Value(1.5)), (Value(1.5), 1.5), (Value(1.0), 1)])
def test_value_comparisons_of_equal_numbers(x: Value, other) -> None:
    assert not x < other
    assert x <= other
    assert not x > other
    assert x >= other


def test_value_comparisons_of_different_numbers_both_ways() -> None:
    small, large = Value(-2.0), Value(3.0)
    assert small < large and small <= large and not small > large and not small >= large
    assert large > small and large >= small and not large < small and not large <= small
    assert small < 0 and large > 0 and not small >= -1.5 and not large <= 2.5


@pytest.mark.parametrize(("base", "power", "expected"), [(-10.0, 401, -math.inf), (-10.0, 400, math.inf)])
def test_value_power_overflow_keeps_the_sign_of_the_result(base: float, power: int, expected: float) -> None:
    """(-10)^401 is a huge negative number: -inf, as numpy says; (-10)^400 is +inf."""
    with np.errstate(over="ignore"):
        assert np.power(base, float(power)) == expected  # the reference
    assert (Value(base) ** power).data == expected
    assert (Value(base) ** float(power)).data == expected
    assert (Value(base) ** Value(float(power))).data == expected
    assert (Value(10.0) ** power).data == math.inf


@pytest.mark.parametrize(("base", "power", "expected"), [(0.5, -2001, math.inf), (-0.5, -2001, -math.inf)])
def test_value_power_overflow_of_a_small_base_at_a_negative_power(base: float, power: int, expected: float) -> None:
    """0.5^-2001 = 2^2001 overflows to +inf: only a negative base at an odd power gives -inf."""
    with np.errstate(over="ignore"):
        assert np.power(base, float(power)) == expected  # the reference
    assert (Value(base) ** power).data == expected


@on_both_engines
def test_power_overflow_of_a_negative_base_at_an_odd_power_is_minus_inf(engine: str) -> None:
    with np.errstate(over="ignore"):
        value, grad = value_and_grad(lambda x: x**401.0, [-10.0, -1.0, 2.0], engine)
    assert value.tolist() == [-math.inf, -1.0, 2.0**401]
    assert grad.tolist() == [math.inf, 401.0, 401 * 2.0**400]  # 401 x^400: positive at every base


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        (3.0, 2.0, 9.0),
        (2.0, 0.5, math.sqrt(2.0)),
        (0.5, 3.0, 0.125),
        (1.0, 2.5, 1.0),
        (-2.0, 3.0, -8.0),
        (-2.0, -2.0, 0.25),
        (0.0, 2.0, 0.0),
    ],
)
def test_value_power_values_and_gradients(x: float, y: float, expected: float) -> None:
    base, exponent = Value(x), Value(y)
    out = base**exponent
    out.backward()
    assert out.data == pytest.approx(expected, rel=1e-13)
    assert base.grad == pytest.approx(y * x ** (y - 1), rel=1e-13)
    if x > 0:
        assert exponent.grad == pytest.approx(expected * math.log(x), rel=1e-13)
    elif x == 0:
        assert exponent.grad == 0.0  # x^y ln x taken as 0 at x = 0 for y >= 0, as PyTorch does
    else:
        assert math.isnan(exponent.grad)


@on_both_engines
@pytest.mark.parametrize(("power", "slope"), [(1.0, 1.0), (2.0, 0.0), (1.5, 0.0)])
def test_power_at_a_zero_base_from_one_up_has_a_finite_slope(engine: str, power: float, slope: float) -> None:
    """d(x^y)/dx = y x^(y-1) at x = 0: 1 for y = 1, 0 above; only 0 < y < 1 gives an infinite slope (refused)."""
    value, grad = value_and_grad(lambda x: x**power, [0.0], engine)
    assert value.tolist() == [0.0] and grad.tolist() == [slope]
    exponent = Value(power)
    out = Value(0.0) ** exponent
    out.backward()
    assert exponent.grad == 0.0  # x^y ln x, taken as 0 at x = 0


@on_both_engines
def test_power_just_below_one_at_a_zero_base_refuses_the_gradient(engine: str) -> None:
    with pytest.raises(NumericalError, match="infinite at x = 0"):
        value_and_grad(lambda x: x**0.999, [0.0], engine)


@on_both_engines
def test_abs_at_zero_has_slope_zero(engine: str) -> None:
    value, grad = value_and_grad(lambda x: x.abs(), [0.0, -0.0, 0.5, -0.5], engine)
    assert value.tolist() == [0.0, 0.0, 0.5, 0.5]
    assert grad.tolist() == [0.0, 0.0, 1.0, -1.0]


# -- refusals with nothing valid beside them -------------------------------------------------------


@on_both_engines
def test_log_of_an_input_that_is_all_negative_is_refused_naming_the_first(engine: str) -> None:
    with pytest.raises(NumericalError, match="log is defined for numbers > 0 only; the input is -1") as error:
        MLArray([-1.0, -2.0], engine=engine).log()
    if engine == "array":
        assert "at index (0,)" in str(error.value)


@on_both_engines
def test_log_just_above_zero_is_fine(engine: str) -> None:
    value, grad = value_and_grad(lambda x: x.log(), [1e-300, 0.5], engine)
    np.testing.assert_allclose(value, np.log([1e-300, 0.5]), rtol=1e-13)
    np.testing.assert_allclose(grad, [1e300, 2.0], rtol=1e-13)


def test_sqrt_refusal_names_the_negative_element_not_a_small_one_before_it() -> None:
    with pytest.raises(NumericalError, match=r"sqrt of a negative number \(-4\) at index \(1,\)"):
        MLArray([0.25, -4.0, 9.0]).sqrt()


def test_fractional_power_refusal_names_the_negative_element_not_a_small_one_before_it() -> None:
    with pytest.raises(NumericalError, match=r"a negative number raised to a fractional power .*at index \(1,\)"):
        MLArray([0.5, -8.0, 27.0]) ** (1 / 3)
    with pytest.raises(NumericalError, match=r"0 raised to a negative power .*at index \(2,\)"):
        MLArray([0.0, 2.0, 0.0]) ** MLArray([0.5, -1.0, -1.0])  # 0 ** 0.5 is fine: 0


@on_both_engines
def test_sqrt_between_zero_and_one(engine: str) -> None:
    value, grad = value_and_grad(lambda x: x.sqrt(), [0.25, 0.5], engine)
    np.testing.assert_allclose(value, [0.5, math.sqrt(0.5)], rtol=1e-13)
    np.testing.assert_allclose(grad, [1.0, 0.5 / math.sqrt(0.5)], rtol=1e-13)


@on_both_engines
@pytest.mark.parametrize("axis", [-1, 1])
def test_softmax_of_a_slice_of_only_minus_infinity_is_refused(engine: str, axis: int) -> None:
    x = MLArray([[0.0, 1.0], [-math.inf, -math.inf]], engine=engine)
    with pytest.raises(NumericalError, match="softmax of a slice whose elements are all -inf"):
        x.softmax(axis=axis)


@on_both_engines
def test_softmax_with_some_minus_infinity_gives_them_probability_zero(engine: str) -> None:
    value, _ = value_and_grad(lambda x: x.softmax(axis=0), [[-math.inf, 0.0], [1.0, 0.0]], engine)
    np.testing.assert_allclose(value, [[0.0, 0.5], [1.0, 0.5]], rtol=1e-13)


# -- the table of primitives -------------------------------------------------------------------------


def test_defprimitive_returns_the_primitive_it_adds_to_the_table() -> None:
    def forward(x):
        return 2.0 * x

    def vjp(g, ans, x):
        return 2.0 * g

    name = "pinned_values_double"
    primitive = defprimitive(name, forward, vjp)
    try:
        assert PRIMITIVES[name] is primitive
        assert primitive.name == name
        assert primitive.forward is forward
        assert tuple(primitive.vjps) == (vjp,)
        with pytest.raises(AttributeError):  # the table's entries are not changed behind its back
            primitive.forward = np.negative
        with pytest.raises(ValueError, match=f"primitive '{name}' is already defined"):
            defprimitive(name, forward, vjp)
        assert PRIMITIVES[name] is primitive
    finally:
        PRIMITIVES.pop(name, None)


# what a primitive's keyword arguments mean when they are left out (MLArray always passes them; the table is public)
KEYWORD_DEFAULTS = {
    "sum": {"axis": None, "keepdims": False},
    "mean": {"axis": None, "keepdims": False},
    "max": {"axis": None, "keepdims": False},
    "min": {"axis": None, "keepdims": False},
    "logsumexp": {"axis": None, "keepdims": False},
    "softmax": {"axis": -1},
    "softmax_cross_entropy": {"axis": -1},
    "transpose": {"axes": None},
}


def same(actual, expected) -> None:
    """Equal numbers in the same shape (numpy's own comparison would broadcast (1, 1) against ())."""
    assert np.shape(actual) == np.shape(expected)
    np.testing.assert_array_equal(actual, expected)


X = np.random.default_rng(9).permutation(np.linspace(-1.0, 1.0, 24)).reshape(2, 3, 4)  # 3-d: axis 1 is not -1
PRIMITIVE_INPUTS = [
    *((name, (X,)) for name in sorted(KEYWORD_DEFAULTS) if name != "softmax_cross_entropy"),
    ("softmax_cross_entropy", (X, np.random.default_rng(10).uniform(0.0, 1.0, size=(2, 3, 4)))),
    ("softmax_cross_entropy", (X, np.random.default_rng(11).uniform(0.0, 1.0, size=(5, 2, 3, 4)))),
]


@pytest.mark.parametrize(("name", "inputs"), PRIMITIVE_INPUTS)
def test_primitive_keyword_defaults_of_the_forward_and_its_vjps(name: str, inputs) -> None:
    """Called straight from the table without keywords, a primitive does what its defaults say: a reduction over
    everything that drops the reduced axes, a softmax over the last axis, a transpose reversing the axes."""
    primitive, given = PRIMITIVES[name], KEYWORD_DEFAULTS[name]
    ans = primitive.forward(*inputs, **given)
    same(primitive.forward(*inputs), ans)
    g = np.random.default_rng(12).normal(size=np.shape(ans))
    for vjp in primitive.vjps:
        if callable(vjp):  # not an argument declared CONSTANT
            same(vjp(g, ans, *inputs), vjp(g, ans, *inputs, **given))


# -- reductions, clip and where at the shapes and points the generated cases skip -----------------------------


@on_both_engines
@pytest.mark.parametrize(
    "reduce",
    [
        lambda x: x.sum(axis=1, keepdims=True),
        lambda x: x.mean(axis=1, keepdims=True),
        lambda x: x.max(axis=1, keepdims=True),
        lambda x: x.min(axis=(0, 1), keepdims=True),
        lambda x: x.logsumexp(axis=1, keepdims=True),
        lambda x: x.sum(keepdims=True),
        lambda x: x.mean(keepdims=True),
        lambda x: x.max(keepdims=True),
        lambda x: x.logsumexp(keepdims=True),
        lambda x: x.sum(axis=-1),
    ],
)
def test_reductions_over_kept_or_negative_axes_have_the_right_gradients(engine: str, reduce) -> None:
    x = np.random.default_rng(4).permutation(np.linspace(-1.0, 2.0, 12)).reshape(2, 3, 2)
    check_gradients(reduce, x, engine=engine)


@on_both_engines
def test_clip_passes_the_gradient_at_both_bounds_and_inside_only(engine: str) -> None:
    value, grad = value_and_grad(lambda x: x.clip(-1.0, 1.0), [-2.0, -1.0, 0.0, 1.0, 2.0], engine)
    assert value.tolist() == [-1.0, -1.0, 0.0, 1.0, 1.0]
    assert grad.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]


@on_both_engines
def test_where_sends_the_gradient_down_the_branch_taken(engine: str) -> None:
    x = MLArray([1.0, -2.0, 3.0], engine=engine)
    y = MLArray([10.0, 20.0, 30.0], engine=engine)
    out = where(x > 0, x * 2.0, y)
    out.backward(grad=np.array([1.0, 2.0, 3.0]))
    assert out.numpy().tolist() == [2.0, 20.0, 6.0]
    assert x.grad().numpy().tolist() == [2.0, 0.0, 6.0]
    assert y.grad().numpy().tolist() == [0.0, 2.0, 0.0]


# -- the fused softmax cross-entropy with broadcast targets ------------------------------------------------


@on_both_engines
@pytest.mark.parametrize(("axis", "targets_shape"), [(0, (4, 2, 3)), (1, (4, 2, 3)), (-2, (4, 2, 3)), (0, (5, 1, 3))])
def test_softmax_cross_entropy_with_targets_of_higher_rank_than_the_logits(engine: str, axis: int, targets_shape):
    """The softmax runs over the logits' ``axis``, counted on the logits (so from their end), and the targets
    broadcast against them: axis 0 of (2, 3) logits is axis -2 of (4, 2, 3) targets, not their axis 0."""
    rng = np.random.default_rng(5)
    z = rng.normal(size=(2, 3))
    y = rng.uniform(0.0, 1.0, size=targets_shape)
    lined_up = axis - z.ndim if axis >= 0 else axis  # the same axis, counted from the end, as broadcasting does
    expected = np.sum(y * (logsumexp(z, axis) - z), axis=lined_up)
    out = softmax_cross_entropy(MLArray(z, engine=engine), MLArray(y, engine=engine), axis=axis)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    check_gradients(lambda z_, y_: softmax_cross_entropy(z_, y_, axis=axis), z, y, engine=engine)


@on_both_engines
def test_softmax_cross_entropy_with_logits_of_higher_rank_than_the_targets(engine: str) -> None:
    rng = np.random.default_rng(6)
    z = rng.normal(size=(3, 2, 4))
    y = rng.uniform(0.0, 1.0, size=(2, 4))
    expected = np.sum(y * (logsumexp(z, 1) - z), axis=1)
    out = softmax_cross_entropy(MLArray(z, engine=engine), MLArray(y, engine=engine), axis=1)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    check_gradients(lambda z_, y_: softmax_cross_entropy(z_, y_, axis=1), z, y, engine=engine)
