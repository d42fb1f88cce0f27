"""Numerical edge cases: the same outcome on both engines (the cases of docs/numerics.md).

The policy under test: an operation whose true answer is a finite number gives
that number, computed without overflow (sigmoid, softmax, logsumexp, elu, the
cross-entropies); an operation with no real-number answer raises
``NumericalError``; plain arithmetic that overflows gives IEEE's inf. Every test
runs on the array engine and on the scalar engine and checks both against the
same expected numbers (to 1e-12) or the same exception class, so the two engines
agree wherever a test passes.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np
import pytest

from smolml_core import MLArray, NeuralNetwork, NumericalError, TrainingError, build_network, set_seed, where
from smolml_std.activation import elu, sigmoid, softmax
from smolml_std.layers import DenseLayer
from smolml_std.losses import binary_cross_entropy, categorical_cross_entropy

ENGINES = ("array", "scalar")
on_both_engines = pytest.mark.parametrize("engine", ENGINES)

EPS = 1e-15
"""The cross-entropies' default clipping margin in float64."""


def make(data: object, engine: str) -> MLArray:
    """An input on ``engine``: the one place that knows how each engine's arrays are made."""
    return MLArray(data, engine=engine)


def run(f: Callable[[MLArray], MLArray], data: object, engine: str, seed: object = None) -> tuple[np.ndarray, ...]:
    """``f(x)`` and the gradient of x, for x made from ``data`` on ``engine``.

    The backward pass starts from ``seed`` (same shape as the output), or from
    ones: the gradient of ``f(x).sum()``.
    """
    x = make(data, engine)
    out = f(x)
    out.backward(grad=np.ones(out.shape) if seed is None else seed)
    return out.numpy(), x.grad().numpy()


def close(actual: np.ndarray, expected: object) -> None:
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-12)


@contextmanager
def no_fp_warnings() -> Iterator[None]:
    """Any warning, and numpy's overflow, division and invalid-value reports, become errors.

    Underflow stays allowed: e^-800 rounding to 0 is the right answer, not a problem.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", divide="raise", invalid="raise", under="ignore"):
            yield


def stable_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """The reference: softmax of the logits shifted by their maximum."""
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# -- finite answers, computed stably --------------------------------------------

LOGITS = np.array(
    [
        [1000.0, 1000.0, 1000.0],
        [1000.0, 999.0, -1000.0],
        [1000.0, 0.0, -1000.0],
        [-1000.0, -1000.0, -999.0],
    ]
)
SEED = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 2.0], [1.0, 2.0, 3.0], [-1.0, 0.0, 1.0]])


@on_both_engines
def test_softmax_of_huge_logits_is_finite_and_exact(engine: str) -> None:
    with no_fp_warnings():
        value, grad = run(softmax, LOGITS, engine, seed=SEED)
    s = stable_softmax(LOGITS)
    close(value, s)
    close(value[0], [1 / 3] * 3)  # to ~1e-14: exp(x - logsumexp) subtracts numbers near 1000
    assert value[2].tolist() == [1.0, 0.0, 0.0]  # e^-1000 and e^-2000 round to 0
    e = math.exp(-1.0)
    close(value[1], [1 / (1 + e), e / (1 + e), 0.0])
    # the Jacobian-vector product of softmax: s * (g - sum(g * s))
    close(grad, s * (SEED - (SEED * s).sum(axis=-1, keepdims=True)))
    assert np.all(np.isfinite(grad))


@on_both_engines
def test_logsumexp_of_huge_logits_is_finite_and_exact(engine: str) -> None:
    g = np.array([1.0, 2.0, -1.0, 0.5])
    with no_fp_warnings():
        value, grad = run(lambda x: x.logsumexp(axis=-1), LOGITS, engine, seed=g)
    top = LOGITS.max(axis=-1)
    close(value, top + np.log(np.exp(LOGITS - top[:, None]).sum(axis=-1)))
    assert value[0] == pytest.approx(1000 + math.log(3), abs=1e-12)
    assert value[2] == 1000.0
    close(grad, g[:, None] * stable_softmax(LOGITS))  # d logsumexp / dx = softmax(x)

    with no_fp_warnings():
        value, grad = run(lambda x: x.logsumexp(), [1000.0, 1000.0], engine)
    close(value, 1000 + math.log(2))
    close(grad, [0.5, 0.5])


@on_both_engines
def test_sigmoid_and_tanh_saturate_without_overflow(engine: str) -> None:
    with no_fp_warnings():
        value, grad = run(sigmoid, [800.0, -800.0, 0.0], engine)
    assert value[0] == 1.0
    assert 0.0 <= value[1] <= 1e-300
    assert value[2] == 0.5
    assert grad.tolist() == [0.0, 0.0, 0.25]

    with no_fp_warnings():
        value, grad = run(lambda x: x.tanh(), [1000.0, -1000.0], engine)
    assert value.tolist() == [1.0, -1.0]
    assert grad.tolist() == [0.0, 0.0]


@on_both_engines
def test_elu_at_large_positive_and_negative_inputs(engine: str) -> None:
    data = [1000.0, 800.0, 0.5, -0.5, -800.0, -1000.0]
    with no_fp_warnings():
        value, grad = run(elu, data, engine)
    close(value, [1000.0, 800.0, 0.5, math.expm1(-0.5), -1.0, -1.0])
    close(grad, [1.0, 1.0, 1.0, math.exp(-0.5), 0.0, 0.0])
    with no_fp_warnings():
        value, _ = run(lambda x: elu(x, alpha=2.0), [-1000.0], engine)
    assert value.tolist() == [-2.0]


@on_both_engines
def test_binary_cross_entropy_of_exact_zero_and_one(engine: str) -> None:
    y_pred = np.array([[0.0], [0.0], [1.0], [1.0], [0.25]])
    y_true = np.array([[1.0], [0.0], [0.0], [1.0], [1.0]])
    with no_fp_warnings():
        value, grad = run(lambda p: binary_cross_entropy(p, y_true), y_pred, engine)
    p = np.clip(y_pred, EPS, 1 - EPS)
    expected = -np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))
    close(value, expected)
    # in float64, 1 - (1 - 1e-15) is 1.11e-15: a wrong prediction of exactly 1 costs a little less than one of 0
    terms = [math.log(EPS), math.log(1 - EPS), math.log(1 - (1 - EPS)), math.log(1 - EPS), math.log(0.25)]
    close(value, -sum(terms) / 5)
    # clipped predictions get no gradient (clip passes it only inside [eps, 1 - eps]);
    # the one inside gets the usual -y / (N p)
    close(grad, [[0.0], [0.0], [0.0], [0.0], [-1.0 / (5 * 0.25)]])


@on_both_engines
def test_categorical_cross_entropy_of_exact_zero_and_one(engine: str) -> None:
    y_pred = np.array([[0.0, 1.0], [0.0, 1.0], [0.25, 0.75]])
    y_true = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]])
    with no_fp_warnings():
        value, grad = run(lambda p: categorical_cross_entropy(p, y_true), y_pred, engine)
    p = np.clip(y_pred, EPS, 1.0)
    close(value, -np.mean(np.sum(y_true * np.log(p), axis=-1)))
    close(value, -(math.log(EPS) + 0.0 + math.log(0.25)) / 3)
    # p = 0 is clipped (no gradient); p = 1 is the upper bound itself, so its gradient passes
    close(grad, [[0.0, 0.0], [0.0, -1.0 / 3], [-1.0 / (3 * 0.25), 0.0]])


# -- no real-number answer: NumericalError ------------------------------------------


@on_both_engines
@pytest.mark.parametrize("bad", [0.0, -0.0, -1.0, -math.inf])
def test_log_of_zero_or_a_negative_number_is_refused(engine: str, bad: float) -> None:
    x = make([1.0, bad], engine)
    with pytest.raises(NumericalError, match="log is defined for numbers > 0 only") as error:
        x.log()
    if engine == "array":
        assert "at index (1,)" in str(error.value)


@on_both_engines
def test_log_of_nan_propagates_nan(engine: str) -> None:
    # nan is not refused: it is already broken data, and training's non-finite check reports it.
    # (Only the numbers are checked here, not numpy's RuntimeWarnings.)
    with np.errstate(invalid="ignore"):
        value, grad = run(lambda x: x.log(), [1.0, math.nan], engine)
    assert value[0] == 0.0 and math.isnan(value[1])
    assert grad[0] == 1.0 and math.isnan(grad[1])


@on_both_engines
def test_sqrt_of_a_negative_number_is_refused(engine: str) -> None:
    with pytest.raises(NumericalError, match=r"sqrt of a negative number \(-1\)") as error:
        make([4.0, -1.0], engine).sqrt()
    if engine == "array":
        assert "at index (1,)" in str(error.value)


@on_both_engines
def test_sqrt_at_zero_refuses_an_arriving_gradient(engine: str) -> None:
    x = make([4.0, 0.0], engine)
    root = x.sqrt()
    close(root.numpy(), [2.0, 0.0])  # the value itself is fine
    with pytest.raises(NumericalError, match="the gradient of sqrt is infinite at 0") as error:
        root.sum().backward()
    if engine == "array":
        assert "at index (1,)" in str(error.value)


@on_both_engines
@pytest.mark.parametrize(
    ("how", "f", "seed"),
    [
        ("multiplied by 0", lambda x: x.sqrt() * 0.0, None),
        ("a zero seed there", lambda x: x.sqrt(), np.array([1.0, 0.0])),
        ("where picks the other branch", lambda x: where(x > 0, x.sqrt(), 0.0), None),
    ],
)
def test_sqrt_at_zero_is_fine_when_no_gradient_arrives(engine: str, how: str, f, seed) -> None:
    value, grad = run(f, [4.0, 0.0], engine, seed=seed)
    assert value[1] == 0.0
    close(grad, [0.0 if how == "multiplied by 0" else 0.25, 0.0])


DIVISIONS = {
    "array/array": (lambda x, engine: make([2.0, 3.0], engine) / x, r" at index \(1,\)"),
    "array/number": (lambda x, engine: x / 0.0, r"the divisor is 0;"),
    "number/array": (lambda x, engine: 1.0 / x, r" at index \(1,\)"),
}


@on_both_engines
@pytest.mark.parametrize("kind", DIVISIONS)
def test_division_by_zero_is_refused(engine: str, kind: str) -> None:
    divide, where_ = DIVISIONS[kind]
    x = make([1.0, 0.0], engine)
    with pytest.raises(NumericalError, match="division by zero: the divisor is 0") as error:
        divide(x, engine)
    if engine == "array":  # the array engine names the first zero divisor (a plain number has no index)
        assert error.match(where_)


@on_both_engines
def test_division_by_a_zero_constant_names_the_index_on_both_engines(engine: str) -> None:
    divisor = MLArray([[1.0, 2.0], [0.0, 4.0]], requires_grad=False)
    with pytest.raises(NumericalError, match=r"division by zero: the divisor is 0 at index \(1, 0\)"):
        make([[1.0, 1.0], [1.0, 1.0]], engine) / divisor


@on_both_engines
def test_zero_to_the_zero_is_one_with_zero_gradients(engine: str) -> None:
    base, exponent = make([0.0], engine), make([0.0], engine)
    out = base**exponent
    out.sum().backward()
    assert out.numpy().tolist() == [1.0]
    assert base.grad().numpy().tolist() == [0.0]
    assert exponent.grad().numpy().tolist() == [0.0]

    value, grad = run(lambda x: x**0, [0.0, 2.0], engine)
    assert value.tolist() == [1.0, 1.0] and grad.tolist() == [0.0, 0.0]


@on_both_engines
@pytest.mark.parametrize(
    "power",
    [lambda x, engine: x**-1, lambda x, engine: x**-0.5, lambda x, engine: x ** make([2.0, -2.0], engine)],
    ids=["x**-1", "x**-0.5", "x**array"],
)
def test_zero_to_a_negative_power_is_refused(engine: str, power) -> None:
    x = make([1.0, 0.0], engine)
    with pytest.raises(NumericalError, match="0 raised to a negative power"):
        power(x, engine)


@on_both_engines
@pytest.mark.parametrize(
    "power",
    [lambda x, engine: x ** (1 / 3), lambda x, engine: (-8.0) ** make([1 / 3], engine)],
    ids=["array**number", "number**array"],
)
def test_a_negative_number_to_a_fractional_power_is_refused(engine: str, power) -> None:
    x = make([-8.0], engine)
    with pytest.raises(NumericalError, match="a negative number raised to a fractional power"):
        power(x, engine)


@on_both_engines
def test_a_negative_number_to_a_whole_power_is_fine(engine: str) -> None:
    with no_fp_warnings():
        value, grad = run(lambda x: x**3, [-2.0], engine)
    assert value.tolist() == [-8.0]
    assert grad.tolist() == [12.0]  # 3 x^2
    with no_fp_warnings():
        value, grad = run(lambda x: x**-2, [-2.0], engine)
    close(value, [0.25])
    close(grad, [0.25])  # -2 x^-3


@on_both_engines
def test_a_fractional_power_at_zero_refuses_an_arriving_gradient(engine: str) -> None:
    x = make([0.0, 4.0], engine)
    out = x**0.5
    close(out.numpy(), [0.0, 2.0])
    with pytest.raises(NumericalError, match="infinite at x = 0"):
        out.sum().backward()

    value, grad = run(lambda x: (x**0.5) * 0.0, [0.0, 4.0], engine)  # no gradient arrives: fine
    close(grad, [0.0, 0.0])
    value, grad = run(lambda x: x**1.5, [0.0, 4.0], engine)  # y >= 1: the gradient at 0 is finite
    close(value, [0.0, 8.0])
    close(grad, [0.0, 3.0])


@on_both_engines
def test_std_of_identical_values_has_no_gradient_and_an_epsilon_fixes_it(engine: str) -> None:
    x = make([3.0, 3.0, 3.0], engine)
    spread = x.std()
    assert spread.item() == 0.0
    with pytest.raises(NumericalError, match="the gradient of sqrt is infinite at 0"):
        spread.backward()

    # the fix: an epsilon under the square root
    value, grad = run(lambda x: (((x - x.mean()) ** 2).mean() + 1e-12).sqrt(), [3.0, 3.0, 3.0], engine)
    close(value, 1e-6)
    close(grad, [0.0, 0.0, 0.0])


# -- overflow of ordinary arithmetic: inf, as IEEE says ------------------------------


@on_both_engines
def test_exp_overflow_gives_inf_and_numpy_warns(engine: str) -> None:
    with pytest.warns(RuntimeWarning, match="overflow encountered in exp"):
        value, grad = run(lambda x: x.exp(), [1000.0, 1.0], engine)
    assert value[0] == math.inf and grad[0] == math.inf
    close(value[1:], [math.e])
    close(grad[1:], [math.e])


@on_both_engines
def test_arithmetic_overflow_gives_inf(engine: str) -> None:
    with pytest.warns(RuntimeWarning, match="overflow encountered in multiply"):
        value, grad = run(lambda x: x * 10.0, [1e308, -1e308], engine)
    assert value.tolist() == [math.inf, -math.inf]
    assert grad.tolist() == [10.0, 10.0]


@on_both_engines
def test_power_overflow_gives_inf_with_an_infinite_gradient(engine: str) -> None:
    with np.errstate(over="ignore"):
        value, grad = run(lambda x: x**400.0, [10.0], engine)
    assert value.tolist() == [math.inf] and grad.tolist() == [math.inf]


@on_both_engines
def test_a_tiny_divisor_gives_an_infinite_gradient_not_an_error(engine: str) -> None:
    """d(1/y)/dy = -1/y^2 overflows for |y| < 1e-162; it is computed as -(1/y)/y, giving -inf."""
    with np.errstate(over="ignore"):
        value, grad = run(lambda y: 1.0 / y, [1e-200], engine)
    assert value.tolist() == [1e200] and grad.tolist() == [-math.inf]


@on_both_engines
def test_logsumexp_of_a_slice_of_only_minus_infinity_is_refused(engine: str) -> None:
    with pytest.raises(NumericalError, match="all -inf is log"):
        make([[-math.inf, -math.inf], [0.0, 1.0]], engine).logsumexp(axis=1)


@on_both_engines
def test_abs_of_nan_has_a_nan_gradient(engine: str) -> None:
    with np.errstate(invalid="ignore"):
        value, grad = run(lambda x: x.abs(), [math.nan, -2.0], engine)
    assert math.isnan(value[0]) and math.isnan(grad[0])
    assert grad[1] == -1.0


@on_both_engines
def test_the_exponent_gradient_at_a_negative_base_is_nan(engine: str) -> None:
    """d(x^y)/dy = x^y ln x has no real value for x < 0: nan on both engines (not refused: the power is fine)."""
    base = make([-2.0], engine)
    exponent = make([3.0], engine)
    with np.errstate(invalid="ignore"):
        (base**exponent).sum().backward()
    assert base.grad().to_list() == [12.0]
    assert math.isnan(exponent.grad().to_list()[0])


# -- training: the non-finite stop, and NumericalError's place ------------------------


def diverging_network(engine: str) -> NeuralNetwork:
    set_seed(0)
    return build_network(
        {
            "layers": [{"type": "dense", "input_size": 1, "output_size": 1}],
            "loss_function": "mse",
            "optimizer": {"type": "sgd", "learning_rate": 100.0},
            "engine": engine,
        }
    )


def test_training_stops_at_the_same_non_finite_epoch_on_both_engines() -> None:
    X, y = [[1.0], [2.0]], [[1.0], [2.0]]
    messages, losses = {}, {}
    for engine in ENGINES:
        with np.errstate(over="ignore", invalid="ignore"), pytest.raises(TrainingError) as error:
            diverging_network(engine).train(X, y, epochs=1000, verbose=False)
        messages[engine] = str(error.value)
        with np.errstate(over="ignore", invalid="ignore"):
            losses[engine] = diverging_network(engine).train(X, y, epochs=80, verbose=False, stop_on_nan=False)
    assert messages["array"] == messages["scalar"]
    assert messages["array"].startswith("epoch ")
    assert "the loss became inf" in messages["array"]
    assert messages["array"].endswith("(or pass stop_on_nan=False to train on regardless)")
    # stop_on_nan=False trains on: the same losses, finite then not
    np.testing.assert_allclose(losses["array"], losses["scalar"], rtol=1e-12)
    assert math.isfinite(losses["array"][0]) and not math.isfinite(losses["array"][-1])


@on_both_engines
def test_a_numerical_error_in_training_names_the_epoch_and_the_layer(engine: str) -> None:
    def log_activation(x: MLArray) -> MLArray:
        return x.log()

    set_seed(0)
    network = NeuralNetwork([DenseLayer(1, 1, activation_function=log_activation)], "mse", engine=engine)
    with pytest.raises(NumericalError, match=r"^epoch 1: layer 0 \(DenseLayer 1 -> 1, log_activation\): log is"):
        network.train([[-1e6], [1e6]], [[1.0], [2.0]], epochs=3, verbose=False)  # one of w x + b is < 0
