"""GELU, swish and softplus: values against numpy, gradients on both engines, parameters by config."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from smolml_core import ConfigError, MLArray, lookup, resolve
from smolml_core.testing import check_gradients

X = np.linspace(-4.0, 4.0, 17)  # includes 0, where softplus once had the wrong slope
WIDE = np.array([-1e4, -800.0, -40.0, -1.0, 0.0, 1.0, 40.0, 800.0, 1e4])


def numpy_sigmoid(x: np.ndarray) -> np.ndarray:
    return np.exp(-np.logaddexp(0.0, -x))


def test_gelu_is_the_tanh_approximation_and_close_to_the_exact_one() -> None:
    gelu = lookup("activation", "gelu")
    out = gelu(MLArray(X)).numpy()
    tanh_form = 0.5 * X * (1 + np.tanh(np.sqrt(2 / np.pi) * (X + 0.044715 * X**3)))
    np.testing.assert_allclose(out, tanh_form, rtol=1e-14, atol=1e-15)

    grid = np.linspace(-8.0, 8.0, 4001)
    exact = np.array([0.5 * x * (1 + math.erf(x / math.sqrt(2))) for x in grid])
    assert np.max(np.abs(gelu(MLArray(grid)).numpy() - exact)) < 5e-4  # the bound its docstring gives


def test_gelu_saturates_to_relu_without_overflow() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = lookup("activation", "gelu")(MLArray([-50.0, 50.0])).numpy()
    assert out.tolist() == [-0.0, 50.0]


@pytest.mark.parametrize("name", ["swish", "silu", "SiLU"])
def test_swish_and_its_alias(name: str) -> None:
    out = lookup("activation", name)(MLArray(X)).numpy()
    np.testing.assert_allclose(out, X * numpy_sigmoid(X), rtol=1e-14)


def test_swish_beta_from_a_config() -> None:
    fast = resolve("activation", {"type": "swish", "beta": 2.5})
    np.testing.assert_allclose(fast(MLArray(X)).numpy(), X * numpy_sigmoid(2.5 * X), rtol=1e-14)
    assert resolve("activation", {"type": "swish", "beta": 0.0})(MLArray([3.0])).item() == 1.5  # x / 2


@pytest.mark.parametrize("beta", [1.0, 0.5, 3.0])
def test_softplus_matches_logaddexp_over_a_wide_range(beta: float) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow anywhere
        out = resolve("activation", {"type": "softplus", "beta": beta})(MLArray(WIDE)).numpy()
    # exact to rounding where the value is not tiny, and within 2e-16 (absolute) where it is
    np.testing.assert_allclose(out, np.logaddexp(0.0, beta * WIDE) / beta, rtol=1e-14, atol=2e-16 / beta)
    assert out[-1] == 1e4  # large inputs come back exactly


def test_softplus_slope_is_a_sigmoid_even_at_zero() -> None:
    x = MLArray([-800.0, -2.0, 0.0, 2.0, 800.0])
    lookup("activation", "softplus")(x).sum().backward()
    np.testing.assert_allclose(x.grad().numpy(), numpy_sigmoid(x.numpy()), rtol=1e-15)
    assert x.grad().numpy()[2] == 0.5


@pytest.mark.parametrize(
    ("ref", "points"),
    [
        ("gelu", X),
        ("swish", X),
        ({"type": "swish", "beta": 1.7}, X),
        ("softplus", X),
        ({"type": "softplus", "beta": 2.0}, X),
    ],
    ids=["gelu", "swish", "swish-beta", "softplus", "softplus-beta"],
)
def test_gradients(ref: object, points: np.ndarray, engine: str) -> None:
    activation = resolve("activation", ref)
    check_gradients(activation, points.reshape(1, -1), engine=engine)
    check_gradients(activation, np.random.default_rng(1).normal(size=(3, 4)), engine=engine)


@pytest.mark.parametrize("name", ["gelu", "swish", "softplus"])
def test_the_engines_agree(name: str) -> None:
    activation = lookup("activation", name)
    on_values = activation(MLArray(X, engine="scalar"))
    assert on_values.engine == "scalar"
    np.testing.assert_allclose(on_values.numpy(), activation(MLArray(X)).numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("name", ["gelu", "swish", "softplus"])
def test_float32_stays_float32(name: str) -> None:
    assert lookup("activation", name)(MLArray(X, dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ({"type": "swish", "beta": float("nan")}, "beta: must be a finite number, got nan"),
        ({"type": "softplus", "beta": 0.0}, "beta: must be a finite number > 0, got 0.0"),
        ({"type": "softplus", "beta": -1.0}, "beta: must be a finite number > 0, got -1.0"),
    ],
)
def test_bad_beta_is_a_config_error(ref: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        resolve("activation", ref)(MLArray(X))
    assert message in str(error.value)
