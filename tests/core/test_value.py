"""The scalar engine: every operation's value and gradient, and the backward walk."""

from __future__ import annotations

import math
import random

import pytest

from smolml_core import NumericalError, Value


def numeric_derivative(f, x: float, eps: float = 1e-6) -> float:
    return (f(x + eps) - f(x - eps)) / (2 * eps)


UNARY = {
    "exp": (lambda v: v.exp(), math.exp),
    "log": (lambda v: v.log(), math.log),
    "tanh": (lambda v: v.tanh(), math.tanh),
    "sigmoid": (lambda v: v.sigmoid(), lambda x: 1 / (1 + math.exp(-x))),
    "relu": (lambda v: v.relu(), lambda x: max(x, 0.0)),
    "abs": (lambda v: abs(v), abs),
    "sqrt": (lambda v: v.sqrt(), math.sqrt),
    "neg": (lambda v: -v, lambda x: -x),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("x", [0.3, 1.7, -0.8])
def test_unary_value_and_gradient(name: str, x: float) -> None:
    op, reference = UNARY[name]
    if name in ("log", "sqrt"):
        x = abs(x)  # keep to their domain
    v = Value(x)
    out = op(v)
    out.backward()
    assert out.data == pytest.approx(reference(x))
    assert v.grad == pytest.approx(numeric_derivative(reference, x), rel=1e-5, abs=1e-8)


BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}


@pytest.mark.parametrize("op", sorted(BINARY))
@pytest.mark.parametrize("side", ["value-value", "value-number", "number-value"])
def test_binary_value_and_gradients(op: str, side: str) -> None:
    f = BINARY[op]
    a_val, b_val = 1.3, 0.7
    a = Value(a_val) if side != "number-value" else a_val
    b = Value(b_val) if side != "value-number" else b_val
    out = f(a, b)
    out.backward()
    assert out.data == pytest.approx(f(a_val, b_val))
    if isinstance(a, Value):
        assert a.grad == pytest.approx(numeric_derivative(lambda x: f(x, b_val), a_val), rel=1e-6)
    if isinstance(b, Value):
        assert b.grad == pytest.approx(numeric_derivative(lambda x: f(a_val, x), b_val), rel=1e-6)


def test_composite_expression_matches_finite_differences() -> None:
    def f(x: float, y: float) -> float:
        return x * y + x**2 / y - math.exp(1 - x) + math.tanh(y) * (1 / (1 + math.exp(-x)))

    a, b = Value(2.0), Value(-3.0)
    out = a * b + a**2 / b - (1 - a).exp() + b.tanh() * a.sigmoid()
    out.backward()
    assert out.data == pytest.approx(f(2.0, -3.0))
    assert a.grad == pytest.approx(numeric_derivative(lambda x: f(x, -3.0), 2.0), rel=1e-6)
    assert b.grad == pytest.approx(numeric_derivative(lambda y: f(2.0, y), -3.0), rel=1e-6)


def test_a_value_used_twice_collects_both_gradients() -> None:
    x = Value(3.0)
    y = x * x + x  # dy/dx = 2x + 1
    y.backward()
    assert x.grad == 7.0


def test_leaf_gradients_accumulate_across_backward_calls() -> None:
    x = Value(2.0)
    y = x * 3
    y.backward()
    y.backward()
    assert x.grad == 6.0
    assert y.grad == 1.0  # an inner node shows only the latest pass


def test_backward_handles_a_chain_of_100_000_nodes() -> None:
    x = Value(1.0)
    y = x
    for _ in range(100_000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad == 1.0


def _recursive_order(root: Value) -> list[Value]:
    """micrograd's build_topo, word for word: the order the explicit-stack walk must reproduce."""
    topo: list[Value] = []
    visited: set[Value] = set()

    def build_topo(v: Value) -> None:
        if v not in visited:
            visited.add(v)
            for child in v._prev:
                build_topo(child)
            topo.append(v)

    build_topo(root)
    return topo


def test_topological_order_is_the_recursive_depth_first_order() -> None:
    rng = random.Random(0)
    nodes = [Value(rng.uniform(-1, 1)) for _ in range(5)]
    for _ in range(300):  # inputs drawn from every earlier node: shared subgraphs, repeated inputs, constants
        a, b = rng.choice(nodes), rng.choice(nodes)
        op = rng.choice(["+", "*", "relu", "tanh", "const"])
        node = {"+": a + b, "*": a * b, "relu": a.relu(), "tanh": a.tanh(), "const": a * rng.uniform(-1, 1)}[op]
        nodes.append(node)
    root = sum(nodes[-20:], Value(0.0))
    assert root._topological_order() == _recursive_order(root)


@pytest.mark.parametrize(
    "build",
    [
        lambda a, b: a + b,
        lambda a, b: a * b,
        lambda a, b: a**b,
        lambda a, b: a / b,
        lambda a, b: a.sqrt(),
        lambda a, b: a.tanh(),
    ],
)
def test_backward_functions_hold_no_closure_cells(build) -> None:
    # The Values a _backward needs are its default arguments: one tuple for the garbage collector to walk
    # instead of a tuple and a cell per variable, which is most of the time it takes to build a large graph.
    out = build(Value(2.0), Value(3.0))
    assert out._backward.__closure__ is None
    assert out._backward.__defaults__


def test_graph_is_recorded_for_walking_by_hand() -> None:
    a, b = Value(2.0), Value(5.0)
    c = a * b
    assert c._op == "*"
    assert set(map(id, c._prev)) == {id(a), id(b)}


def test_comparisons_compare_numbers() -> None:
    assert Value(1.0) < Value(2.0)
    assert Value(2.0) >= 2
    assert not Value(3.0) <= 1
    assert Value(3.0) > 2.5


def test_sigmoid_is_finite_for_huge_inputs() -> None:
    for x in (800.0, -800.0):
        v = Value(x)
        s = v.sigmoid()
        s.backward()
        assert math.isfinite(s.data) and math.isfinite(v.grad)


def test_zero_to_the_zero_is_one_with_zero_gradients() -> None:
    x, y = Value(0.0), Value(0.0)
    out = x**y
    out.backward()
    assert (out.data, x.grad, y.grad) == (1.0, 0.0, 0.0)


def test_division_by_zero_raises() -> None:
    with pytest.raises(NumericalError, match="division by zero"):
        Value(1.0) / 0


def test_log_of_negative_raises_a_clear_error() -> None:
    with pytest.raises(NumericalError, match="log is defined for numbers > 0 only; the input is -1"):
        Value(-1.0).log()
