"""The standard activations, losses and optimizers at the values and boundaries a rewrite must keep.

Each test pins something a slightly wrong program got wrong while the rest of the suite passed (a survivor of
``nox -s mutation``): losses with targets other than 0 and a Huber ``delta`` other than 1, activations between 0
and 1 and their slopes at exactly 0, every hyperparameter at the edges of what it accepts, optimizers with
non-default hyperparameters, a clipped cross-entropy beyond two dimensions. Expected numbers are computed here with
numpy, independently of the plugin.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from smolml_core import ConfigError, MLArray, lookup, resolve
from smolml_std.activation import elu, leaky_relu, relu
from smolml_std.losses import binary_cross_entropy, categorical_cross_entropy, huber_loss, mae_loss, mse_loss
from smolml_std.optimizers import SGD, AdaGrad, Adam, SGDMomentum

ENGINES = ("array", "scalar")
on_both_engines = pytest.mark.parametrize("engine", ENGINES)

PREDICTIONS = np.array([[0.5, -1.0, 2.0], [3.0, 0.25, -0.75]])
TARGETS = np.array([[1.5, -0.5, -1.0], [2.5, 0.25, 1.0]])
"""Differences -1, -0.5, 3, 0.5, 0, -1.75: both signs, one exactly 0, sizes on both sides of the deltas below."""


def value_and_grad(f, data, engine: str = "array") -> tuple[np.ndarray, np.ndarray]:
    """``f(x)`` and the gradient of ``f(x).sum()`` with respect to x, as numpy arrays."""
    x = MLArray(data, engine=engine)
    out = f(x)
    out.backward(grad=np.ones(out.shape))
    return out.numpy(), x.grad().numpy()


def huber_reference(d: np.ndarray, delta: float) -> tuple[float, np.ndarray]:
    """The Huber loss of the differences ``d`` and its gradient with respect to the predictions."""
    size = np.abs(d)
    loss = np.where(size <= delta, 0.5 * d**2, delta * (size - 0.5 * delta)).mean()
    grad = np.where(size <= delta, d, delta * np.sign(d)) / d.size
    return float(loss), grad


# -- losses: values and gradients with non-zero targets ---------------------------------------------------------


@on_both_engines
def test_mse_and_mae_with_non_zero_targets(engine: str) -> None:
    d = PREDICTIONS - TARGETS
    value, grad = value_and_grad(lambda p: mse_loss(p, TARGETS), PREDICTIONS, engine)
    np.testing.assert_allclose(value, np.mean(d**2), rtol=1e-13)
    np.testing.assert_allclose(grad, 2 * d / d.size, rtol=1e-13)
    value, grad = value_and_grad(lambda p: mae_loss(p, TARGETS), PREDICTIONS, engine)
    np.testing.assert_allclose(value, np.mean(np.abs(d)), rtol=1e-13)
    np.testing.assert_allclose(grad, np.sign(d) / d.size, rtol=1e-13)


@on_both_engines
@pytest.mark.parametrize("delta", [0.4, 1.0, 2.5, 1e3])
def test_huber_with_any_delta_and_non_zero_targets(engine: str, delta: float) -> None:
    expected, expected_grad = huber_reference(PREDICTIONS - TARGETS, delta)
    value, grad = value_and_grad(lambda p: huber_loss(p, TARGETS, delta=delta), PREDICTIONS, engine)
    np.testing.assert_allclose(value, expected, rtol=1e-13)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-13)


def test_huber_is_continuous_where_it_changes_formula() -> None:
    """At |d| = delta both pieces give delta^2 / 2 with slope delta, so the loss has no step and no kink there."""
    for delta in (0.5, 3.0):
        value, grad = value_and_grad(lambda p, delta=delta: huber_loss(p, np.zeros(2), delta=delta), [delta, -delta])
        assert value == pytest.approx(0.5 * delta**2, rel=1e-13)
        np.testing.assert_allclose(grad, [delta / 2, -delta / 2], rtol=1e-13)


def test_huber_delta_through_the_registry() -> None:
    loss = resolve("loss", {"type": "huber", "delta": 0.4})
    expected, _ = huber_reference(PREDICTIONS - TARGETS, 0.4)
    assert loss(MLArray(PREDICTIONS), TARGETS).item() == pytest.approx(expected, rel=1e-14)


@on_both_engines
def test_binary_cross_entropy_with_soft_targets_on_both_paths(engine: str) -> None:
    z = np.array([[-2.0, 0.5], [1.0, 3.0]])
    y = np.array([[0.25, 1.0], [0.0, 0.6]])
    p = 1 / (1 + np.exp(-z))
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    from_logits, grad = value_and_grad(lambda z_: binary_cross_entropy(z_.sigmoid(), y), z, engine)
    np.testing.assert_allclose(from_logits, expected, rtol=1e-13)
    np.testing.assert_allclose(grad, (p - y) / y.size, rtol=1e-12)
    clipped, grad = value_and_grad(lambda p_: binary_cross_entropy(p_, y), p, engine)
    np.testing.assert_allclose(clipped, expected, rtol=1e-13)
    np.testing.assert_allclose(grad, (-y / p + (1 - y) / (1 - p)) / y.size, rtol=1e-12)


@on_both_engines
def test_categorical_cross_entropy_clipped_beyond_two_dimensions(engine: str) -> None:
    """Summed over the classes (the last axis), averaged over every other position."""
    rng = np.random.default_rng(7)
    p = rng.dirichlet(np.ones(4), size=(2, 3))
    y = rng.dirichlet(np.ones(4), size=(2, 3))
    value, grad = value_and_grad(lambda p_: categorical_cross_entropy(p_, y, epsilon=1e-9), p, engine)
    np.testing.assert_allclose(value, -np.mean(np.sum(y * np.log(p), axis=-1)), rtol=1e-13)
    np.testing.assert_allclose(grad, -y / p / 6, rtol=1e-12)


@on_both_engines
def test_categorical_cross_entropy_from_logits_beyond_two_dimensions(engine: str) -> None:
    rng = np.random.default_rng(8)
    z = rng.normal(size=(2, 3, 4))
    y = rng.dirichlet(np.ones(4), size=(2, 3))
    log_p = z - np.log(np.exp(z).sum(axis=-1, keepdims=True))
    value, grad = value_and_grad(lambda z_: categorical_cross_entropy(z_.softmax(), y), z, engine)
    np.testing.assert_allclose(value, -np.mean(np.sum(y * log_p, axis=-1)), rtol=1e-13)
    np.testing.assert_allclose(grad, (np.exp(log_p) * y.sum(axis=-1, keepdims=True) - y) / 6, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    ("loss", "p", "y"),
    [(binary_cross_entropy, [[0.0]], [[1.0]]), (categorical_cross_entropy, [[0.0, 1.0]], [[1.0, 0.0]])],
)
@pytest.mark.parametrize(("dtype", "margin"), [(np.float64, 1e-15), (np.float32, 1e-7)])
def test_default_clipping_margin_follows_the_precision(loss, p, y, dtype, margin: float) -> None:
    """A probability of 0 on the right answer costs -ln(1e-15) in float64, -ln(1e-7) in float32."""
    value = loss(MLArray(p, dtype=dtype), MLArray(y, dtype=dtype)).item()
    assert value == pytest.approx(-math.log(np.float64(dtype(margin))), rel=1e-6)


@pytest.mark.parametrize("epsilon", [0.1, 0.25, 0.4999])
def test_an_explicit_epsilon_sets_the_clipping(epsilon: float) -> None:
    p, y = MLArray([[0.0, 1.0]]), np.array([[1.0, 1.0]])
    bce = binary_cross_entropy(p, y, epsilon=epsilon).item()
    assert bce == pytest.approx(-(math.log(epsilon) + math.log(1 - epsilon)) / 2, rel=1e-12)
    cce = categorical_cross_entropy(p, y, epsilon=epsilon).item()
    assert cce == pytest.approx(-(math.log(epsilon) + 0.0), rel=1e-12)


@pytest.mark.parametrize("epsilon", [0.0, -1e-9, 0.5, 0.75, math.inf, math.nan])
@pytest.mark.parametrize("loss", [binary_cross_entropy, categorical_cross_entropy])
def test_cross_entropy_epsilon_outside_zero_to_one_half_is_refused(loss, epsilon: float) -> None:
    with pytest.raises(ConfigError, match=r"epsilon: must be a number in \(0, 0\.5\)"):
        loss(MLArray([[0.2, 0.8]]), np.array([[0.0, 1.0]]), epsilon=epsilon)


@pytest.mark.parametrize("delta", [0.0, -1.0, math.inf, math.nan])
def test_huber_delta_must_be_finite_and_positive(delta: float) -> None:
    with pytest.raises(ConfigError, match="delta: must be a finite number > 0"):
        huber_loss(MLArray([[0.2]]), np.array([[0.0]]), delta=delta)


def test_huber_accepts_a_tiny_delta() -> None:
    expected, _ = huber_reference(PREDICTIONS - TARGETS, 1e-300)
    assert huber_loss(MLArray(PREDICTIONS), TARGETS, delta=1e-300).item() == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("loss", [mse_loss, mae_loss, huber_loss, binary_cross_entropy, categorical_cross_entropy])
def test_targets_given_as_a_list_take_the_predictions_dtype(loss) -> None:
    out = loss(MLArray([[0.25, 0.75]], dtype=np.float32), [[0.0, 1.0]])
    assert out.dtype == np.float32


# -- activations: values between 0 and 1, slopes at exactly 0 -------------------------------------------------------

BETWEEN = [-1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 0.999, 1.0, 1.5]


@on_both_engines
@pytest.mark.parametrize("alpha", [0.01, 0.3])
def test_leaky_relu_values_and_slopes(engine: str, alpha: float) -> None:
    x = np.array(BETWEEN)
    value, grad = value_and_grad(lambda x_: leaky_relu(x_, alpha=alpha), x, engine)
    np.testing.assert_allclose(value, np.where(x > 0, x, alpha * x), rtol=1e-13)
    np.testing.assert_array_equal(grad, np.where(x > 0, 1.0, alpha))  # alpha at exactly 0


@on_both_engines
@pytest.mark.parametrize("alpha", [1.0, 0.5])
def test_elu_values_and_slopes(engine: str, alpha: float) -> None:
    x = np.array(BETWEEN)
    value, grad = value_and_grad(lambda x_: elu(x_, alpha=alpha), x, engine)
    np.testing.assert_allclose(value, np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))), rtol=1e-13)
    np.testing.assert_allclose(grad, np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0))), rtol=1e-13)
    assert grad[BETWEEN.index(0.0)] == alpha  # alpha e^0 at exactly 0


@on_both_engines
def test_relu_values_and_slopes(engine: str) -> None:
    x = np.array(BETWEEN)
    value, grad = value_and_grad(relu, x, engine)
    np.testing.assert_array_equal(value, np.maximum(x, 0.0))
    np.testing.assert_array_equal(grad, np.where(x > 0, 1.0, 0.0))  # 0 at exactly 0


def test_activation_defaults_through_the_registry() -> None:
    x = MLArray([-0.5, 0.5])
    assert lookup("activation", "leaky_relu")(x).to_list() == pytest.approx([-0.005, 0.5], rel=1e-13)
    assert lookup("activation", "elu")(x).to_list() == pytest.approx([math.expm1(-0.5), 0.5], rel=1e-13)


@pytest.mark.parametrize("activation", [leaky_relu, elu])
@pytest.mark.parametrize("alpha", [math.inf, -math.inf, math.nan])
def test_a_non_finite_alpha_is_refused(activation, alpha: float) -> None:
    with pytest.raises(ConfigError, match="alpha: must be a finite number"):
        activation(MLArray([1.0, -1.0]), alpha=alpha)


@pytest.mark.parametrize("activation", [leaky_relu, elu])
def test_any_finite_alpha_is_accepted(activation) -> None:
    assert activation(MLArray([-1.0]), alpha=0).to_list() == [0.0]
    assert activation(MLArray([-1.0]), alpha=-2).to_list()[0] > 0


# -- optimizers: the update rules with non-default hyperparameters ----------------------------------------------------


def run_steps(optimizer, grads: list[np.ndarray], start: np.ndarray) -> np.ndarray:
    """Apply ``optimizer.step`` to a copy of ``start`` once per gradient, as training does for one parameter."""
    value = start.copy()
    state: dict = {"step": 0}
    for g in grads:
        state["step"] += 1
        optimizer.step(value, g, state)
    return value


GRADS = [np.array([0.5, -2.0, 0.0]), np.array([1.5, -1.0, 0.25]), np.array([-0.5, 3.0, 0.0])]
START = np.array([1.0, -1.0, 0.5])


def test_sgd_momentum_with_another_coefficient() -> None:
    theta, v = START.copy(), np.zeros(3)
    for g in GRADS:
        v = 0.5 * v + 0.1 * g
        theta = theta - v
    got = run_steps(SGDMomentum(learning_rate=0.1, momentum_coefficient=0.5), GRADS, START)
    np.testing.assert_allclose(got, theta, rtol=1e-13)


def test_sgd_momentum_of_zero_is_plain_gradient_descent() -> None:
    got = run_steps(SGDMomentum(learning_rate=0.1, momentum_coefficient=0), GRADS, START)
    np.testing.assert_allclose(got, run_steps(SGD(learning_rate=0.1), GRADS, START), rtol=1e-13)
    np.testing.assert_allclose(got, START - 0.1 * sum(GRADS), rtol=1e-13)


def test_adagrad_with_another_epsilon() -> None:
    theta, G = START.copy(), np.zeros(3)
    for g in GRADS:
        G = G + g * g
        theta = theta - 0.1 * g / np.sqrt(G + 0.5)
    np.testing.assert_allclose(run_steps(AdaGrad(learning_rate=0.1, epsilon=0.5), GRADS, START), theta, rtol=1e-13)


@pytest.mark.parametrize(("b1", "b2", "eps"), [(0.5, 0.75, 0.1), (0.0, 0.0, 1e-8), (0.9, 0.0, 2.0), (0.0, 0.99, 0.5)])
def test_adam_with_other_hyperparameters(b1: float, b2: float, eps: float) -> None:
    theta, m, v = START.copy(), np.zeros(3), np.zeros(3)
    for t, g in enumerate(GRADS, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        theta = theta - 0.1 * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    optimizer = Adam(learning_rate=0.1, exp_decay_gradients=b1, exp_decay_squared=b2, epsilon=eps)
    np.testing.assert_allclose(run_steps(optimizer, GRADS, START), theta, rtol=1e-13)


def test_optimizer_defaults() -> None:
    assert resolve("optimizer", "sgd").get_config() == {"learning_rate": 0.01}
    assert resolve("optimizer", "sgd_momentum").get_config() == {"learning_rate": 0.01, "momentum_coefficient": 0.9}
    assert resolve("optimizer", "adagrad").get_config() == {"learning_rate": 0.01, "epsilon": 1e-8}
    assert resolve("optimizer", "adam").get_config() == {
        "learning_rate": 0.01,
        "exp_decay_gradients": 0.9,
        "exp_decay_squared": 0.999,
        "epsilon": 1e-8,
    }


# -- optimizers: what each hyperparameter accepts ---------------------------------------------------------------------

FRACTIONS = [("sgd_momentum", "momentum_coefficient"), ("adam", "exp_decay_gradients"), ("adam", "exp_decay_squared")]
POSITIVES = [("adagrad", "epsilon"), ("adam", "epsilon")]


@pytest.mark.parametrize(("name", "parameter"), FRACTIONS)
@pytest.mark.parametrize("good", [0, 0.0, 0.5, 0.999999])
def test_decay_coefficients_accept_zero_up_to_below_one(name: str, parameter: str, good) -> None:
    optimizer = resolve("optimizer", {"type": name, parameter: good})
    assert getattr(optimizer, parameter) == good
    assert type(getattr(optimizer, parameter)) is float  # an int from a config file becomes a float


@pytest.mark.parametrize(("name", "parameter"), FRACTIONS)
@pytest.mark.parametrize("bad", [1, 1.0, -1e-9, 1.5, math.inf, math.nan])
def test_decay_coefficients_refuse_one_and_beyond(name: str, parameter: str, bad) -> None:
    with pytest.raises(ConfigError, match=rf"{parameter}: must be a number in \[0, 1\)"):
        resolve("optimizer", {"type": name, parameter: bad})


@pytest.mark.parametrize(("name", "parameter"), POSITIVES)
@pytest.mark.parametrize("good", [1, 1e-300, 0.5, 1e300])
def test_epsilons_accept_any_finite_positive_number(name: str, parameter: str, good) -> None:
    optimizer = resolve("optimizer", {"type": name, parameter: good})
    assert getattr(optimizer, parameter) == good
    assert type(getattr(optimizer, parameter)) is float


@pytest.mark.parametrize(("name", "parameter"), POSITIVES)
@pytest.mark.parametrize("bad", [0, 0.0, -1.0, math.inf, -math.inf, math.nan])
def test_epsilons_refuse_zero_negative_and_infinite(name: str, parameter: str, bad) -> None:
    with pytest.raises(ConfigError, match=rf"{parameter}: must be a finite number > 0"):
        resolve("optimizer", {"type": name, parameter: bad})


@pytest.mark.parametrize(("name", "parameter"), FRACTIONS + POSITIVES)
@pytest.mark.parametrize("bad", [True, False, "0.5", None, [0.5]])
def test_hyperparameters_that_are_not_numbers_are_refused(name: str, parameter: str, bad) -> None:
    """Built in Python, without the registry's type check in front: the optimizer refuses them itself."""
    with pytest.raises(ConfigError, match=rf"{parameter}: must be a (finite )?number"):
        type(resolve("optimizer", name))(**{parameter: bad})
