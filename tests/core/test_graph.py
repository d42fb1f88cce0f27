"""The graph the array engine records: its ``Node`` and the backward ``Plan``."""

from __future__ import annotations

import numpy as np
import pytest

from smolml_core import GraphError, MLArray
from smolml_core.array.graph import FREED, Node, plan, run
from smolml_core.array.primitives import PRIMITIVES

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
