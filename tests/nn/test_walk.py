"""The walk over a layer's arrays: what it finds, in what order, under what names, and who uses it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from smolml_core import ConfigError, Layer, MLArray, NeuralNetwork, is_grad_enabled, ones, register, zeros
from smolml_core.nn import walk
from smolml_std.layers import DenseLayer


class Mixed(Layer):
    """Parameters and buffers interleaved, set in an order that is not alphabetical."""

    def __init__(self, size: int = 3) -> None:
        self.size = size  # not an array: never walked
        self.zeta = MLArray(np.linspace(0.5, 1.5, size).reshape(1, size))
        self.count = zeros(1, size, requires_grad=False)
        self.alpha = zeros(1, size)
        self.label = "mixed"
        self.beta_stat = ones(1, size, requires_grad=False)

    def forward(self, X: MLArray) -> MLArray:
        if is_grad_enabled():  # training: count the batches seen, state the optimizer never touches
            self.count.assign(self.count.numpy() + 1.0)
        return (X - self.beta_stat) * self.zeta + self.alpha


def test_the_walk_finds_every_array_in_the_order_it_was_set() -> None:
    layer = Mixed()
    assert [name for name, _ in walk.named_arrays(layer)] == ["zeta", "count", "alpha", "beta_stat"]
    assert all(array is getattr(layer, name) for name, array in walk.named_arrays(layer))


def test_parameters_are_the_leaves_that_need_a_gradient_and_buffers_the_rest() -> None:
    layer = Mixed()
    assert list(walk.named_parameters(layer)) == ["zeta", "alpha"]
    assert list(walk.named_buffers(layer)) == ["count", "beta_stat"]
    assert list(walk.named_state(layer)) == ["zeta", "count", "alpha", "beta_stat"]  # walk order, not grouped
    assert walk.named_parameters(layer)["alpha"] is layer.alpha
    assert walk.named_buffers(layer)["count"] is layer.count


def test_the_layer_methods_are_the_walk() -> None:
    layer = Mixed()
    assert layer.named_parameters() == walk.named_parameters(layer)
    assert layer.named_buffers() == walk.named_buffers(layer)
    assert layer.parameters() == layer.named_parameters()
    assert layer.parameter_count() == 2 * 3


def test_a_computed_array_is_neither_a_parameter_nor_a_buffer() -> None:
    layer = Mixed()
    layer.doubled = layer.zeta * 2.0  # a node of a graph
    assert "doubled" in dict(walk.named_arrays(layer))
    assert walk.is_computed(layer.doubled)
    assert not walk.is_parameter(layer.doubled) and not walk.is_buffer(layer.doubled)
    assert "doubled" not in walk.named_parameters(layer)
    assert "doubled" not in walk.named_buffers(layer)
    assert "doubled" not in walk.named_state(layer)
    with pytest.raises(ConfigError, match=r"^layers\[1\]: Mixed\.doubled was computed from other arrays"):
        NeuralNetwork([DenseLayer(3, 3), layer], "mse")


def test_a_computed_array_made_without_a_gradient_is_a_buffer() -> None:
    constant = zeros(1, 3, requires_grad=False) + 1.0
    assert walk.is_buffer(constant) and not walk.is_computed(constant)


def test_a_prefix_places_the_names() -> None:
    layer = Mixed()
    assert list(walk.named_parameters(layer, walk.layer_prefix(2))) == ["layers.2.zeta", "layers.2.alpha"]
    assert list(walk.named_buffers(layer, "block.")) == ["block.count", "block.beta_stat"]


def test_find_and_replace_go_by_the_walks_names() -> None:
    layer = Mixed()
    assert walk.find(layer, "count") is layer.count
    assert walk.pick(layer, ("alpha", "zeta")) == (layer.alpha, layer.zeta)  # in the order asked
    constant = MLArray(np.zeros((1, 3)), requires_grad=False)
    walk.replace(layer, "zeta", constant)
    assert layer.zeta is constant
    for name in ("size", "label", "nothing"):  # attributes that are not arrays, and no attribute at all
        with pytest.raises(KeyError, match=rf"Mixed holds no array named '{name}' \(its arrays: zeta, count"):
            walk.find(layer, name)
        with pytest.raises(KeyError, match=name):
            walk.replace(layer, name, constant)
    assert layer.size == 3 and layer.label == "mixed"


def network(optimizer: str = "adam") -> NeuralNetwork:
    return NeuralNetwork([DenseLayer(3, 3), Mixed(), DenseLayer(3, 1)], "mse", optimizer)


def test_the_network_names_parameters_by_their_place() -> None:
    net = network()
    names = ["layers.0.weights", "layers.0.biases", "layers.1.zeta", "layers.1.alpha"]
    assert list(net.named_parameters()) == [*names, "layers.2.weights", "layers.2.biases"]
    assert net.named_parameters()["layers.1.alpha"] is net.layers[1].alpha
    assert [w.shape for w in net.get_weights()] == [p.shape for p in net.named_parameters().values()]
    assert net.parameter_count() == sum(p.size() for p in net.named_parameters().values())


def test_the_optimizer_keeps_its_state_under_the_walks_names() -> None:
    net = network()
    X, y = np.linspace(-1.0, 1.0, 12).reshape(4, 3), np.ones((4, 1))
    net.train(X, y, epochs=2, verbose=False)
    expected = {(i, name) for i, layer in enumerate(net.layers) for name in walk.named_parameters(layer)}
    assert set(net.optimizer.state) == expected
    assert net.layers[1].count.numpy().tolist() == [[2.0, 2.0, 2.0]]  # a buffer changes, but only by forward


def test_optimizer_update_finds_the_arrays_by_name() -> None:
    layer = Mixed()
    layer.alpha._grad = np.ones((1, 3))
    net = network("sgd")
    (alpha,) = net.optimizer.update(layer, 5, ("alpha",))
    assert alpha is layer.alpha and alpha.numpy().tolist() == [[-0.01, -0.01, -0.01]]
    assert set(net.optimizer.state) == {(5, "alpha")}
    with pytest.raises(KeyError, match="holds no array named 'size'"):
        net.optimizer.update(layer, 5, ("size",))


def test_a_saved_file_holds_the_parameters_and_buffers_under_the_walks_names(tmp_path) -> None:
    register("layer", "test_mixed", Mixed)
    net = network()
    X, y = np.linspace(-1.0, 1.0, 12).reshape(4, 3), np.ones((4, 1))
    net.train(X, y, epochs=2, verbose=False)
    net.layers[1].doubled = net.layers[1].zeta * 2.0  # computed after building: nothing to save
    path = net.save(tmp_path / "net.npz")
    with np.load(path, allow_pickle=False) as archive:
        layer_arrays = [name for name in archive.files if name.startswith("layers.")]
        meta = json.loads(archive["meta"].tobytes())
    expected = [name for i, layer in enumerate(net.layers) for name in walk.named_state(layer, walk.layer_prefix(i))]
    assert sorted(layer_arrays) == sorted(expected) == sorted(meta["layer_arrays"])
    assert "layers.1.count" in expected and "layers.1.doubled" not in expected
    loaded = NeuralNetwork.load(path)
    for i, layer in enumerate(loaded.layers):
        for name, array in walk.named_state(layer).items():
            np.testing.assert_array_equal(array.numpy(), getattr(net.layers[i], name).numpy())


def test_engine_switching_moves_the_parameters_and_leaves_buffers_as_numbers() -> None:
    net = network()
    net.set_engine("scalar")
    assert {p.engine for p in net.named_parameters().values()} == {"scalar"}
    assert {b.engine for b in net.layers[1].named_buffers().values()} == {"array"}
    assert net.engine == "scalar"
    net.set_engine("array")
    assert {p.engine for p in net.named_parameters().values()} == {"array"}


def test_the_summary_counts_what_the_walk_calls_parameters() -> None:
    text = repr(network())
    row = next(line for line in text.splitlines() if line.lstrip().startswith("1 "))
    assert "Mixed" in row and row.split()[-3:] == ["6", "48", "B"]  # zeta and alpha; with the buffers, 12
