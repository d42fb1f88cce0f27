"""The graph the array engine records: its ``Node``, the backward ``Plan``, and primitives' declared arguments."""

from __future__ import annotations

import numpy as np
import pytest

from smolml_core import GraphError, MLArray, no_grad, where
from smolml_core.array.graph import FREED, Node, plan, run
from smolml_core.array.mlarray import _apply
from smolml_core.array.primitives import CONSTANT, PRIMITIVES, Primitive, defprimitive

# -- the node -------------------------------------------------------------------


def test_a_recorded_result_keeps_a_named_node() -> None:
    w = MLArray([1.0, 2.0])
    x = MLArray([3.0, 4.0], requires_grad=False)
    y = (w * x).sum(axis=0)
    node = y._node
    assert isinstance(node, Node)
    assert Node._fields == ("primitive", "inputs", "parents", "kwargs")
    assert node.primitive is PRIMITIVES["sum"]
    assert node.kwargs == {"axis": 0, "keepdims": False}
    product = node.parents[0]
    assert product._node.parents == (w, None)  # x is a constant: no parent
    assert product._node.inputs[0] is w.data and product._node.inputs[1] is x.data


def test_backward_replaces_each_node_with_freed_and_made_by_then_finds_nothing() -> None:
    z = MLArray([0.5, -1.0])
    p = z.sigmoid()
    assert p.made_by("sigmoid") is z
    p.sum().backward()
    assert p._node is FREED and repr(FREED) == "FREED"
    assert p.made_by("sigmoid") is None
    assert z._node is None  # a leaf never had a node


def test_node_feeds_pairs_each_parent_with_its_rule() -> None:
    a, b = MLArray([1.0, 2.0]), MLArray([3.0, 4.0])
    node = (a * b)._node
    multiply = PRIMITIVES["multiply"]
    assert node.feeds() == [(0, multiply.vjps[0], a), (1, multiply.vjps[1], b)]
    assert (a * MLArray([1.0, 1.0], requires_grad=False))._node.feeds() == [(0, multiply.vjps[0], a)]


# -- the plan -------------------------------------------------------------------


def _small_graph() -> tuple[MLArray, MLArray, MLArray, MLArray]:
    W = MLArray([[1.0, -2.0], [0.5, 3.0]])
    b = MLArray([0.1, -0.2])
    X = MLArray([[1.0, 2.0]], requires_grad=False)
    loss = ((X @ W + b).tanh() * (X @ W)).sum()  # X @ W used twice
    return loss, W, b, X


def test_a_plan_orders_every_array_before_its_inputs_and_changes_nothing() -> None:
    loss, W, b, _ = _small_graph()
    p = plan(loss)
    arrays = [array for array, _ in p.steps]
    assert p.root is loss and arrays[0] is loss
    assert len({id(a) for a in arrays}) == len(arrays)  # each array once
    position = {id(a): i for i, a in enumerate(arrays)}
    for array, node in p.steps:
        assert node is array._node
        if node is not None:
            assert all(position[id(parent)] > position[id(array)] for parent in node.parents if parent is not None)
    assert {id(a) for a in p.leaves} == {id(W), id(b)}
    assert all(array._grad is None for array in arrays)  # nothing run yet
    assert all(array._node is not FREED for array in arrays)


def test_running_a_plan_is_backward() -> None:
    loss, W, b, _ = _small_graph()
    run(plan(loss))
    expected_loss, W2, b2, _ = _small_graph()
    expected_loss.backward()
    assert np.array_equal(W.grad().data, W2.grad().data) and np.array_equal(b.grad().data, b2.grad().data)
    assert loss._node is FREED


def test_a_plan_keeps_its_nodes_so_running_it_twice_is_like_retain_graph() -> None:
    loss, W, _, _ = _small_graph()
    p = plan(loss)
    run(p)
    once = W.grad().data.copy()
    run(p)
    assert np.allclose(W.grad().data, 2 * once)


def test_a_plan_refuses_a_freed_graph_and_run_a_gradient_of_the_wrong_shape() -> None:
    loss, _, _, _ = _small_graph()
    run(plan(loss))
    with pytest.raises(GraphError, match="already used by an earlier backward"):
        plan(loss)
    w = MLArray([1.0, 2.0])
    with pytest.raises(GraphError, match=r"grad has shape \(3,\) but the array has shape \(2,\)"):
        run(plan(w * 2), np.ones(3))


def test_a_plan_of_a_scalar_engine_graph_hands_gradients_to_the_array_engine() -> None:
    w = MLArray([[0.5], [-1.0]], engine="scalar")
    X = MLArray([[1.0, 2.0]])  # array engine, needs a gradient
    loss = (X @ w).tanh().sum()
    p = plan(loss)
    assert {id(a) for a in p.leaves} == {id(w), id(X)}
    run(p)
    z = 1.0 * 0.5 + 2.0 * -1.0
    assert np.allclose(X.grad().data, (1 - np.tanh(z) ** 2) * np.array([[0.5, -1.0]]))
    assert np.allclose(w.grad().data, (1 - np.tanh(z) ** 2) * np.array([[1.0], [2.0]]))


# -- constant arguments and missing rules ----------------------------------------------


def _scale_vjp(g: np.ndarray, ans: np.ndarray, x: np.ndarray, factor: np.ndarray) -> np.ndarray:
    return g * factor


def _scale(x: np.ndarray, factor: np.ndarray) -> np.ndarray:
    return x * factor


def test_an_argument_without_a_rule_is_an_error_naming_the_primitive_and_the_argument() -> None:
    scale = Primitive("scale", _scale, (_scale_vjp, None))
    x, factor = MLArray([1.0, 2.0]), MLArray([3.0, 4.0])
    with pytest.raises(GraphError, match=r"primitive 'scale' has no gradient rule for argument 1 \(factor\)"):
        _apply(scale, x, factor)


def test_an_argument_beyond_the_rules_is_missing_too_and_named_from_a_rule() -> None:
    """A forward taking ``*inputs`` names nothing; the rule's parameters (g, ans, x, y) name the arguments."""
    add_x_only = Primitive("add_x_only", lambda *inputs: np.add(*inputs), (lambda g, ans, x, y: g,))
    with pytest.raises(GraphError, match=r"'add_x_only' has no gradient rule for argument 1 \(y\)"):
        _apply(add_x_only, MLArray([1.0]), MLArray([2.0]))


def test_a_missing_rule_is_no_error_where_no_gradient_is_wanted() -> None:
    scale = Primitive("scale", _scale, (_scale_vjp, None))
    x = MLArray([1.0, 2.0])
    assert _apply(scale, x, MLArray([3.0, 4.0], requires_grad=False)).to_list() == [3.0, 8.0]
    assert _apply(scale, x, np.array([3.0, 4.0])).to_list() == [3.0, 8.0]
    with no_grad():
        assert _apply(scale, x, MLArray([3.0, 4.0])).to_list() == [3.0, 8.0]


def test_an_argument_declared_constant_takes_an_array_that_needs_a_gradient_and_gives_it_none() -> None:
    scale = Primitive("scale", _scale, (_scale_vjp, CONSTANT))
    x, factor = MLArray([1.0, 2.0]), MLArray([3.0, 4.0])
    _apply(scale, x, factor).sum().backward()
    assert x.grad().to_list() == [3.0, 4.0]
    assert factor._grad is None


def test_the_table_declares_every_argument_and_leaves_no_rule_missing() -> None:
    assert all(rule is not None for prim in PRIMITIVES.values() for rule in prim.vjps)
    assert PRIMITIVES["where"].vjps[0] is CONSTANT
    assert PRIMITIVES["clip"].vjps[1:] == (CONSTANT, CONSTANT)
    assert PRIMITIVES["getitem"].vjps[1] is CONSTANT
    assert PRIMITIVES["reshape"].vjps[1] is CONSTANT


@pytest.mark.parametrize("engine", ["array", "scalar"])
def test_constant_arguments_of_the_table_accept_arrays_that_need_a_gradient(engine: str) -> None:
    x = MLArray([-2.0, 0.5, 3.0], engine=engine)
    low, high = MLArray(-1.0), MLArray(1.0)  # bounds given as arrays that would accept a gradient
    (x.clip(low, high) + where(x > 0, x, 0.0)).sum().backward()
    assert x.grad().to_list() == [0.0, 2.0, 1.0]
    assert low._grad is None and high._grad is None


@pytest.mark.parametrize("engine", ["array", "scalar"])
def test_cross_entropy_targets_that_need_a_gradient_get_theirs(engine: str) -> None:
    """Targets made with MLArray(y) need a gradient by default; the fused cross-entropies have a rule for them."""
    from smolml_core.array import sigmoid_cross_entropy, softmax_cross_entropy

    z = MLArray([[0.5, -1.0]], engine=engine)
    y = MLArray([[1.0, 0.0]])
    (sigmoid_cross_entropy(z, y).sum() + softmax_cross_entropy(z, y).sum()).backward()
    assert np.allclose(y.grad().data, -z.numpy() + (np.log(np.exp(z.numpy()).sum()) - z.numpy()))


# -- the scalar formula ---------------------------------------------------------------


def test_a_scalar_formula_runs_whenever_an_input_holds_values() -> None:
    seen: list[str] = []

    def numbers_only(x: np.ndarray) -> np.ndarray:
        seen.append("forward")
        assert x.dtype != object
        return 2 * x

    def values_only(x: np.ndarray) -> np.ndarray:
        seen.append("scalar_forward")
        assert x.dtype == object
        return 2 * x

    double = Primitive("double", numbers_only, (lambda g, ans, x: 2 * g,), scalar_forward=values_only)
    assert _apply(double, MLArray([1.0])).to_list() == [2.0]
    out = _apply(double, MLArray([1.0], engine="scalar"))
    assert out.engine == "scalar" and out.value(0).data == 2.0
    assert seen == ["forward", "scalar_forward"]


def test_defprimitive_takes_a_scalar_formula_and_refuses_a_name_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("smolml_core.array.primitives.PRIMITIVES", dict(PRIMITIVES))
    from smolml_core.array import primitives

    prim = defprimitive("triple", lambda x: 3 * x, lambda g, ans, x: 3 * g, scalar_forward=np.negative)
    assert primitives.PRIMITIVES["triple"] is prim
    assert prim.vjps[0](np.ones(1), None, None).tolist() == [3.0] and prim.scalar_forward is np.negative
    with pytest.raises(ValueError, match="'triple' is already defined"):
        defprimitive("triple", np.negative)
    assert "triple" not in PRIMITIVES
