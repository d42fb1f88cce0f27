"""Every primitive's gradient against central finite differences, over shapes that broadcast.

The cases are generated from the primitive table: a primitive without cases
here fails ``test_every_primitive_has_cases``, so a new rule is tested the day
it is added.
"""

from __future__ import annotations

import numpy as np
import pytest

from smolml_core import MLArray, sigmoid_cross_entropy, softmax_cross_entropy, where
from smolml_core.array.primitives import PRIMITIVES
from smolml_core.testing import check_gradients

SHAPES_UNARY = [(), (3,), (2, 3), (2, 1, 3)]
BROADCAST_PAIRS = [
    ((), ()),
    ((3,), (3,)),
    ((2, 3), (2, 3)),
    ((2, 3), (3,)),
    ((3,), (2, 3)),
    ((2, 3), (1, 3)),
    ((2, 1), (1, 3)),
    ((2, 3), ()),
    ((), (2, 3)),
    ((4, 1, 3), (2, 3)),
]


def _rand(shape, low=-2.0, high=2.0, seed=0):
    return np.random.default_rng(seed).uniform(low, high, size=shape)


def _positive(shape, seed=0):
    return _rand(shape, 0.5, 2.0, seed)


def _unary(name, f, make=_rand):
    return [pytest.param(f, (make(s),), id=f"{name}-{s}") for s in SHAPES_UNARY]


def _binary(name, f, make_x=_rand, make_y=_rand):
    return [pytest.param(f, (make_x(a, seed=1), make_y(b, seed=2)), id=f"{name}-{a}-{b}") for a, b in BROADCAST_PAIRS]


def _away_from_zero(shape, seed=0):
    """Values with |x| >= 0.25, away from relu's kink."""
    x = _rand(shape, 0.25, 2.0, seed)
    return x * np.where(np.random.default_rng(seed + 1).random(shape) < 0.5, -1.0, 1.0)


def _distinct(shape, seed=0):
    """Values with no ties, so max/min have one winner and finite differences are valid."""
    n = int(np.prod(shape))
    return np.random.default_rng(seed).permutation(np.linspace(-2, 2, n)).reshape(shape)


CASES = {
    "add": _binary("add", lambda x, y: x + y),
    "subtract": _binary("subtract", lambda x, y: x - y),
    "multiply": _binary("multiply", lambda x, y: x * y),
    "divide": _binary("divide", lambda x, y: x / y, make_y=_positive),
    "power": _binary("power", lambda x, y: x**y, make_x=_positive)
    + _unary("power-number", lambda x: x**3)
    + _unary("number-power", lambda x: 2.0**x),
    "matmul": [
        pytest.param(lambda x, y: x @ y, (_rand((3, 4)), _rand((4, 2))), id="matrix-matrix"),
        pytest.param(lambda x, y: x @ y, (_rand((4,)), _rand((4, 2))), id="vector-matrix"),
        pytest.param(lambda x, y: x @ y, (_rand((3, 4)), _rand((4,))), id="matrix-vector"),
        pytest.param(lambda x, y: x @ y, (_rand((4,)), _rand((4,))), id="vector-vector"),
        pytest.param(lambda x, y: x @ y, (_rand((2, 3, 4)), _rand((4, 2))), id="batched-matrix"),
        pytest.param(lambda x, y: x @ y, (_rand((3, 4)), _rand((2, 4, 5))), id="matrix-batched"),
    ],
    "negative": _unary("negative", lambda x: -x),
    "exp": _unary("exp", lambda x: x.exp()),
    "log": _unary("log", lambda x: x.log(), _positive),
    "sqrt": _unary("sqrt", lambda x: x.sqrt(), _positive),
    "abs": _unary("abs", lambda x: x.abs()),
    "tanh": _unary("tanh", lambda x: x.tanh()),
    "sigmoid": _unary("sigmoid", lambda x: x.sigmoid()),
    "clip": _unary("clip", lambda x: x.clip(-1.0, 1.5)),
    # a comparison is a constant mask: the gradient of x * (x > 0) is the mask itself
    "less": [pytest.param(lambda x: x * (x < 0.0), (_rand((2, 3)),), id="mask")],
    "less_equal": [pytest.param(lambda x, y: x * (x <= y), (_rand((2, 3), seed=1), _rand((3,), seed=2)), id="bcast")],
    "greater": [pytest.param(lambda x: x * (x > 0.0), (_rand((2, 3)),), id="mask")],
    "greater_equal": [pytest.param(lambda x, y: (x >= y) * y, (_rand((2, 3), seed=1), _rand((2, 3), seed=2)), id="y")],
    "where": [
        pytest.param(lambda x, y: where(x > 0, x, y), (_rand((2, 3), seed=1), _rand((2, 3), seed=2)), id="same"),
        pytest.param(lambda x, y: where(x > 0, x * y, y), (_rand((2, 3), seed=1), _rand((3,), seed=2)), id="bcast"),
        pytest.param(lambda x: where(x > 0, x, 0.0), (_rand((4,)),), id="constant-branch"),
    ],
    "sum": [
        *_unary("sum", lambda x: x.sum()),
        pytest.param(lambda x: x.sum(axis=1), (_rand((2, 3)),), id="sum-axis1"),
        pytest.param(lambda x: x.sum(axis=0, keepdims=True), (_rand((2, 3)),), id="sum-axis0-keep"),
        pytest.param(lambda x: x.sum(axis=(0, 2)), (_rand((2, 3, 4)),), id="sum-axes"),
    ],
    "max": [
        pytest.param(lambda x: x.max(), (_distinct((2, 3)),), id="max-all"),
        pytest.param(lambda x: x.max(axis=1), (_distinct((2, 3)),), id="max-axis1"),
        pytest.param(lambda x: x.max(axis=0, keepdims=True), (_distinct((3, 2)),), id="max-keep"),
    ],
    "min": [
        pytest.param(lambda x: x.min(), (_distinct((2, 3)),), id="min-all"),
        pytest.param(lambda x: x.min(axis=-1), (_distinct((2, 3)),), id="min-axis"),
    ],
    "logsumexp": [
        pytest.param(lambda x: x.logsumexp(), (_rand((2, 3)),), id="lse-all"),
        pytest.param(lambda x: x.logsumexp(axis=1), (_rand((2, 3)),), id="lse-axis"),
        pytest.param(lambda x: x.logsumexp(axis=0, keepdims=True), (_rand((2, 3)),), id="lse-keep"),
    ],
    "relu": _unary("relu", lambda x: x.relu(), _away_from_zero),
    "mean": [
        *_unary("mean", lambda x: x.mean()),
        pytest.param(lambda x: x.mean(axis=1), (_rand((2, 3)),), id="mean-axis1"),
        pytest.param(lambda x: x.mean(axis=(0, 2), keepdims=True), (_rand((2, 3, 4)),), id="mean-axes-keep"),
    ],
    "softmax": [
        pytest.param(lambda x: x.softmax(), (_rand((2, 3)),), id="softmax-rows"),
        pytest.param(lambda x: x.softmax(axis=0), (_rand((3, 2)),), id="softmax-axis0"),
        pytest.param(lambda x: x.softmax(), (_rand((4,)),), id="softmax-vector"),
    ],
    "sigmoid_cross_entropy": [
        pytest.param(sigmoid_cross_entropy, (_rand((3, 2)), _rand((3, 2), 0.0, 1.0, seed=3)), id="same-shape"),
        pytest.param(sigmoid_cross_entropy, (_rand((3, 2), -30.0, 30.0), _rand((2,), 0.0, 1.0, seed=3)), id="bcast"),
    ],
    "softmax_cross_entropy": [
        pytest.param(softmax_cross_entropy, (_rand((3, 4)), _rand((3, 4), 0.0, 1.0, seed=3)), id="rows"),
        pytest.param(
            lambda z, y: softmax_cross_entropy(z, y, axis=0),
            (_rand((4, 2)), _rand((4, 2), 0.0, 1.0, seed=3)),
            id="axis0",
        ),
    ],
    "reshape": [
        pytest.param(lambda x: x.reshape(3, 2) * _rand((3, 2)), (_rand((2, 3)),), id="reshape"),
        pytest.param(lambda x: x.reshape(-1), (_rand((2, 3)),), id="flatten"),
    ],
    "transpose": [
        pytest.param(lambda x: x.T @ _rand((2, 2)), (_rand((2, 3)),), id="T"),
        pytest.param(lambda x: x.transpose(1, 2, 0), (_rand((2, 3, 4)),), id="axes"),
    ],
    "getitem": [
        pytest.param(lambda x: x[1], (_rand((3, 2)),), id="row"),
        pytest.param(lambda x: x[:, 1:], (_rand((3, 3)),), id="slice"),
        pytest.param(lambda x: x[[0, 0, 2]], (_rand((3, 2)),), id="repeated-fancy"),
        pytest.param(lambda x: x[x.data > 0], (_rand((3, 2)),), id="boolean-mask"),
    ],
}


def test_every_primitive_has_cases() -> None:
    assert set(CASES) == set(PRIMITIVES)


@pytest.mark.parametrize(("f", "inputs"), [case for cases in CASES.values() for case in cases])
def test_gradient_matches_finite_differences(f, inputs) -> None:
    check_gradients(f, *inputs)


@pytest.mark.parametrize("name", ["mean", "std"])
@pytest.mark.parametrize("axis", [None, 0, 1])
def test_composed_reductions(name: str, axis) -> None:
    check_gradients(lambda x: getattr(x, name)(axis=axis), _rand((3, 4)))


def test_values_match_numpy() -> None:
    x, y = _rand((2, 3), seed=1), _positive((3,), seed=2)
    a, b = MLArray(x), MLArray(y)
    assert np.allclose((a + b).data, x + y)
    assert np.allclose((a / b).data, x / y)
    assert np.allclose((b**a).data, y**x)
    assert np.allclose(a.std(axis=0).data, x.std(axis=0))
    assert np.allclose(a.logsumexp(axis=1).data, np.log(np.exp(x).sum(axis=1)))
    assert np.allclose((a @ a.T).data, x @ x.T)


def test_check_gradients_catches_a_wrong_rule(monkeypatch) -> None:
    from smolml_core.array import primitives

    wrong = primitives.Primitive("tanh", np.tanh, (lambda g, ans, x: g * (1 + ans * ans),))
    monkeypatch.setitem(primitives.PRIMITIVES, "tanh", wrong)
    with pytest.raises(AssertionError, match="disagrees with finite differences"):
        check_gradients(lambda x: x.tanh(), _rand((3,)))


def test_check_gradients_catches_a_gradient_of_the_wrong_shape(monkeypatch) -> None:
    """A (1, 3) gradient for a (3,) input would pass a broadcasting comparison; it must not."""
    from smolml_core.array import primitives

    wrong = primitives.Primitive("tanh", np.tanh, (lambda g, ans, x: (g * (1 - ans * ans))[None, :],))
    monkeypatch.setitem(primitives.PRIMITIVES, "tanh", wrong)
    with pytest.raises(AssertionError, match=r"has shape \(1, 3\), but the input has \(3,\)"):
        check_gradients(lambda x: x.tanh(), _rand((3,)))


@pytest.mark.parametrize("engine", ["array", "scalar"])
def test_check_gradients_runs_on_either_engine(engine: str) -> None:
    check_gradients(lambda x, w: (x @ w).sigmoid().logsumexp(axis=0), _rand((3, 4)), _rand((4, 2)), engine=engine)
