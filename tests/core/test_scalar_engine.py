"""The scalar engine's API: MLArrays of ``Value`` objects, and networks that switch to them.

How it computes is checked against the array engine in tests/nn/test_engine_agreement.py;
here are the promises of the interface: what holds Values, how to reach them,
how gradients, graphs and errors behave, and how a network moves between engines.
"""

from __future__ import annotations

import numpy as np
import pytest

from smolml_core import (
    ConfigError,
    GraphError,
    MLArray,
    NeuralNetwork,
    ShapeError,
    Value,
    build_network,
    no_grad,
    set_seed,
)

CONFIG = {
    "layers": [
        {"type": "dense", "input_size": 3, "output_size": 4, "activation_function": "tanh"},
        {"type": "dense", "input_size": 4, "output_size": 2, "activation_function": "sigmoid"},
    ],
    "loss_function": "mse",
    "optimizer": {"type": "adam", "learning_rate": 0.1},
}
X = np.random.default_rng(0).normal(size=(5, 3))
Y = np.random.default_rng(1).uniform(size=(5, 2))


def network(engine: str | None = None, seed: int = 3) -> NeuralNetwork:
    set_seed(seed)
    return build_network(CONFIG if engine is None else {**CONFIG, "engine": engine})


def weights(net: NeuralNetwork) -> list[np.ndarray]:
    return [p.numpy() for layer in net.layers for p in layer.parameters().values()]


# -- arrays of Values ---------------------------------------------------------------


def test_scalar_arrays_hold_leaf_values_with_the_numbers() -> None:
    """engine="scalar" turns every number into its own new leaf Value."""
    x = MLArray([[1.0, 2.0], [3.0, 4.0]], engine="scalar")
    assert x.data.dtype == object and x.shape == (2, 2) and x.dtype == np.float64
    for i, j in np.ndindex(x.shape):
        v = x.value(i, j)
        assert isinstance(v, Value) and v.data == [[1.0, 2.0], [3.0, 4.0]][i][j]
        assert v._prev == () and v._op == "" and v.grad == 0.0
    assert len({id(v) for v in x.data.flat}) == 4


@pytest.mark.parametrize(
    ("array", "engine"),
    [
        (MLArray([1.0]), "array"),
        (MLArray([1.0], engine="array"), "array"),
        (MLArray([1.0], engine="scalar"), "scalar"),
        (MLArray([1.0]).to_engine("scalar"), "scalar"),
        (MLArray([1.0], engine="scalar").to_engine("array"), "array"),
        (MLArray([1.0], engine="scalar") * 2.0, "scalar"),
        (MLArray([Value(1.0)]), "scalar"),
    ],
)
def test_engine_property(array: MLArray, engine: str) -> None:
    """``engine`` says which engine an array (made directly or computed) runs on."""
    assert array.engine == engine


def test_arrays_of_values_keep_the_very_same_values() -> None:
    """MLArray([Value, ...]) wraps the given Values (no copies), so hand-built graphs join array operations."""
    a, b = Value(1.0), Value(2.0)
    c = a * 3.0  # built by hand, before any MLArray
    x = MLArray([[c, b]])
    assert x.engine == "scalar" and x.value(0, 0) is c and x.value(0, 1) is b
    total = (x * x).sum()
    total.backward()
    assert (a.grad, b.grad, c.grad) == (18.0, 4.0, 6.0)  # d(9a^2 + b^2): through c back to a
    assert total.value()._op == "+"  # the result is itself a Value graph to follow


def test_arrays_of_values_refuse_anything_else_inside() -> None:
    with pytest.raises(TypeError, match="only Values"):
        MLArray([Value(1.0), 2.0])


# -- reaching the Values: value() ------------------------------------------------------


def test_value_with_and_without_an_index() -> None:
    x = MLArray([[1.0, 2.0], [3.0, 4.0]], engine="scalar")
    assert x.value(1, 0).data == 3.0 and x.value(-1, -1).data == 4.0
    assert MLArray(5.0, engine="scalar").value().data == 5.0
    assert MLArray([[5.0]], engine="scalar").value().data == 5.0


@pytest.mark.parametrize(
    ("index", "message"),
    [
        ((), r"value\(\) without an index needs an array of one element, not shape \(2, 2\)"),
        ((2, 0), r"index \(2, 0\) does not fit an array of shape \(2, 2\)"),
        ((0,), r"index \(0,\) selects shape \(2,\), not one element; give one index per axis"),
        ((0, 0, 0), r"does not fit an array of shape \(2, 2\)"),
    ],
)
def test_value_with_a_wrong_index_is_a_shape_error(index: tuple[int, ...], message: str) -> None:
    with pytest.raises(ShapeError, match=message):
        MLArray([[1.0, 2.0], [3.0, 4.0]], engine="scalar").value(*index)


def test_value_on_the_array_engine_says_how_to_get_values() -> None:
    """The array engine has no Values; the error names the three ways to switch."""
    with pytest.raises(TypeError, match="array engine") as error:
        MLArray([1.0]).value(0)
    for advice in ("engine='scalar'", "to_engine('scalar')", "set_engine('scalar')"):
        assert advice in str(error.value)


# -- conversions ----------------------------------------------------------------------


def test_to_engine_round_trip_keeps_the_numbers_exactly() -> None:
    numbers = np.random.default_rng(2).normal(size=(3, 2))
    there = MLArray(numbers).to_engine("scalar")
    back = there.to_engine("array")
    assert there.engine == "scalar" and back.engine == "array"
    assert np.array_equal(there.numpy(), numbers) and np.array_equal(back.data, numbers)


def test_to_engine_makes_new_leaves_and_keeps_requires_grad() -> None:
    x = MLArray([1.0, 2.0], engine="scalar")
    y = (x * 2).to_engine("scalar")
    assert y.is_leaf and y.value(0) is not x.value(0) and y.value(0)._prev == ()
    assert not MLArray([1.0], requires_grad=False).to_engine("scalar").requires_grad


def test_numpy_repr_list_and_item() -> None:
    """numpy() gives float64 numbers; repr marks the engine; to_list() gives the Values themselves."""
    x = MLArray([[1.5, -2.0]], engine="scalar")
    out = x.numpy()
    assert type(out) is np.ndarray and out.dtype == np.float64 and out.tolist() == [[1.5, -2.0]]
    assert repr(x) == "MLArray([[ 1.5, -2. ]], engine='scalar')"
    assert repr(MLArray([[1.5, -2.0]])) == "MLArray([[ 1.5, -2. ]])"
    assert all(isinstance(v, Value) for v in x.to_list()[0])
    assert MLArray([2.5], engine="scalar").item() == 2.5 and float(MLArray(2.5, engine="scalar")) == 2.5


# -- gradients ----------------------------------------------------------------------


def test_grad_returns_numbers_and_restart_zeroes_the_values() -> None:
    """grad() is a constant array-engine array of numbers; restart() clears it and each Value's grad."""
    W = MLArray([[1.0, 2.0], [3.0, 4.0]], engine="scalar")
    assert W.grad().to_list() == [[0.0, 0.0], [0.0, 0.0]]
    ((MLArray([[1.0, 1.0]], requires_grad=False) @ W) ** 2).sum().backward()
    g = W.grad()
    assert g.engine == "array" and g.dtype == np.float64 and not g.requires_grad
    assert g.to_list() == [[8.0, 12.0], [8.0, 12.0]] and W.value(1, 1).grad == 12.0
    W.restart()
    assert W.grad().to_list() == [[0.0, 0.0], [0.0, 0.0]]
    assert all(v.grad == 0.0 for v in W.data.flat)


def test_detach_gives_new_constant_values_with_the_same_numbers() -> None:
    x = MLArray([1.0, 2.0], engine="scalar")
    y = (x * 3).detach()
    assert y.engine == "scalar" and not y.requires_grad and y.is_leaf
    assert y.numpy().tolist() == [3.0, 6.0]
    assert all(v._prev == () for v in y.data.flat)  # cut from x's graph
    assert not any(v is w for v in y.data.flat for w in x.data.flat)


def test_second_backward_needs_retain_graph() -> None:
    """As on the array engine: the graph is freed, unless retain_graph=True; leaves accumulate."""
    W = MLArray([1.0, 2.0], engine="scalar")
    s = (W * W).sum()
    s.backward()
    with pytest.raises(GraphError, match="already used by an earlier backward"):
        s.backward()
    W.restart()
    s = (W * W).sum()
    s.backward(retain_graph=True)
    s.backward()
    assert W.grad().to_list() == [4.0, 8.0]


def test_backward_with_a_gradient_on_a_non_scalar_result() -> None:
    W = MLArray([[1.0, 2.0], [3.0, 4.0]], engine="scalar")
    out = MLArray([[1.0, 1.0]], requires_grad=False) @ W  # shape (1, 2)
    with pytest.raises(GraphError, match=r"needs a single number.*shape \(1, 2\)"):
        out.backward()
    out.backward(grad=[[1.0, 0.0]])
    assert W.grad().to_list() == [[1.0, 0.0], [1.0, 0.0]]


def test_backward_with_a_gradient_on_a_one_element_result() -> None:
    """grad= scales the gradient on a one-element result too, as on the array engine."""
    for engine in ("array", "scalar"):
        w = MLArray([[2.0]], engine=engine)
        (w * w).backward(grad=[[3.0]])
        assert w.grad().to_list() == [[12.0]], engine


def test_a_view_rearranges_the_same_values_so_leaves_get_the_same_gradients() -> None:
    """reshape, .T and indexing make no new Values on the scalar engine (documented in docs/autograd.md).

    Leaves get the same gradients as on the array engine; a view's own grad() shows
    each shared Value's whole gradient, which is the documented difference.
    """
    grads = {}
    for engine in ("array", "scalar"):
        w = MLArray([1.0, 2.0], engine=engine)
        h = w * 1.0
        r = h.reshape(2, 1)
        ((r * 2.0).sum() + h.sum() + w.T.sum()).backward()
        grads[engine] = w.grad().to_list()
        if engine == "scalar":
            assert r.value(1, 0) is h.value(1)
            assert r.grad().to_list() == [[3.0], [3.0]]
    assert grads["array"] == grads["scalar"] == [4.0, 4.0]


def test_weight_value_gradient_equals_the_array_engines_gradient() -> None:
    """After loss.backward(), each weight's Value.grad is the array engine's gradient for that weight."""
    on_array, on_scalar = network(), network("scalar")
    for net in (on_array, on_scalar):
        net.loss_function(net.forward(X), Y).backward()
    for layer_a, layer_s in zip(on_array.layers, on_scalar.layers, strict=True):
        expected = layer_a.weights.grad().data
        for i, j in np.ndindex(expected.shape):
            assert layer_s.weights.value(i, j).grad == pytest.approx(expected[i, j], rel=1e-10, abs=1e-12)


# -- mixing engines, precision, names ---------------------------------------------------


@pytest.mark.parametrize(
    "combine",
    [
        lambda s, a: s * a,
        lambda s, a: a + s,
        lambda s, a: a @ s.reshape(2, 1),
        lambda s, a: (a * 2 - 1).exp() * s,  # the array-engine side is itself computed
    ],
)
def test_engines_mix_and_both_sides_get_their_gradients(combine) -> None:
    """An array-engine array that needs a gradient takes part through stand-in Values; both sides get gradients."""
    grads = {}
    for engine in ("array", "scalar"):
        s, a = MLArray([1.0, 2.0], engine=engine), MLArray([3.0, 4.0])
        combine(s, a).sum().backward()
        grads[engine] = (s.grad().numpy(), a.grad().numpy())
    np.testing.assert_allclose(grads["scalar"][0], grads["array"][0], rtol=1e-12)
    np.testing.assert_allclose(grads["scalar"][1], grads["array"][1], rtol=1e-12)


@pytest.mark.parametrize(
    "constant",
    [MLArray([3.0, 4.0], requires_grad=False), np.array([3.0, 4.0]), [3.0, 4.0], 3.0],
    ids=["constant MLArray", "numpy", "list", "number"],
)
def test_constants_mix_with_scalar_arrays(constant) -> None:
    x = MLArray([1.0, 2.0], engine="scalar")
    out = (x * constant + constant).sum()
    assert out.engine == "scalar"
    out.backward()
    assert x.grad().to_list() == (np.ones(2) * np.asarray(constant)).tolist()


def test_float32_cannot_go_on_the_scalar_engine() -> None:
    """A Value holds a Python float: asking for float32 there is a configuration error."""
    with pytest.raises(ConfigError, match="float64"):
        MLArray([1.0], dtype=np.float32, engine="scalar")
    layers = [{**CONFIG["layers"][0], "dtype": "float32"}]
    with pytest.raises(ConfigError, match=r"layers\[0\].*float32.*float64"):
        build_network({**CONFIG, "layers": layers, "engine": "scalar"})


@pytest.mark.parametrize(
    "use",
    [
        lambda name: MLArray([1.0], engine=name),
        lambda name: MLArray([1.0]).to_engine(name),
        lambda name: network().set_engine(name),
        lambda name: NeuralNetwork(network().layers, "mse", engine=name),
        lambda name: build_network({**CONFIG, "engine": name}),
    ],
)
def test_unknown_engine_names_suggest_the_closest(use) -> None:
    with pytest.raises(ConfigError, match=r"engine: unknown engine 'scaler' \(did you mean 'scalar'\?\)"):
        use("scaler")
    with pytest.raises(ConfigError, match="choose 'array' or 'scalar'"):
        use("gpu")


# -- no_grad --------------------------------------------------------------------------


def test_no_grad_results_record_nothing() -> None:
    x = MLArray([1.0, 2.0], engine="scalar")
    with no_grad():
        y = (x * 3).exp().sum()
    assert y.engine == "scalar" and not y.requires_grad and y.is_leaf
    with pytest.raises(GraphError, match="nothing to differentiate"):
        y.backward()


def test_no_grad_results_pass_no_gradient_back() -> None:
    """A result computed under no_grad is a constant on both engines: no gradient flows through it."""
    for engine in ("array", "scalar"):
        w = MLArray([1.0, 2.0], engine=engine)
        with no_grad():
            c = w * 3
        (w * c).sum().backward()
        assert w.grad().to_list() == [3.0, 6.0], engine  # d(w * c)/dw = c, not 2 * 3 * w


# -- networks ------------------------------------------------------------------------


def test_network_engine_and_the_three_ways_to_choose_it() -> None:
    assert network().engine == "array"
    assert network("scalar").engine == "scalar"
    assert NeuralNetwork(network().layers, "mse", engine="scalar").engine == "scalar"
    net = network()
    net.set_engine("scalar")
    assert net.engine == "scalar"
    assert all(p.engine == "scalar" for layer in net.layers for p in layer.parameters().values())


def test_set_engine_round_trip_keeps_weights_and_optimizer_state() -> None:
    """Switching mid-training changes nothing: Adam's buffers carry on, weights keep their numbers."""
    moved, stayed = network(), network()
    moved.train(X, Y, epochs=2, verbose=False)
    stayed.train(X, Y, epochs=2, verbose=False)
    state = {key: {k: np.copy(v) for k, v in s.items()} for key, s in moved.optimizer.state.items()}
    before = weights(moved)

    moved.set_engine("scalar")
    assert all(np.array_equal(a, b) for a, b in zip(before, weights(moved), strict=True))
    assert moved.optimizer.state.keys() == state.keys()
    for key, buffers in state.items():
        for k, v in buffers.items():
            assert np.array_equal(moved.optimizer.state[key][k], v), (key, k)

    loss_scalar = moved.train(X, Y, epochs=1, verbose=False)
    loss_array = stayed.train(X, Y, epochs=1, verbose=False)
    assert loss_scalar == pytest.approx(loss_array, rel=1e-10)
    moved.set_engine("array")
    assert moved.engine == "array"
    for a, b in zip(weights(moved), weights(stayed), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_to_config_names_the_engine_and_build_network_restores_it() -> None:
    config = network("scalar").to_config()
    assert config["engine"] == "scalar"
    assert build_network(config).engine == "scalar"
    assert "engine" not in network().to_config()


def test_predict_and_train_return_numbers() -> None:
    """A scalar network's loss history is plain floats and its predictions hold the numbers."""
    net = network("scalar")
    history = net.train(X, Y, epochs=2, verbose=False)
    assert len(history) == 2 and all(type(v) is float for v in history)
    prediction = net.predict(X)
    assert prediction.shape == (5, 2) and not prediction.requires_grad
    assert prediction.numpy().dtype == np.float64


def test_mlarray_of_a_computed_scalar_array_is_an_independent_leaf() -> None:
    """MLArray(x) copies on the array engine; on the scalar engine the new leaf must not reach into x's graph."""
    for engine in ("array", "scalar"):
        x = MLArray([1.0, 2.0], engine=engine)
        p = MLArray(x * 3)
        for _ in range(2):  # a leaf accumulates over two passes
            (p * p).sum().backward()
        assert p.grad().to_list() == [12.0, 24.0], engine
        assert x.grad().to_list() == [0.0, 0.0], engine
