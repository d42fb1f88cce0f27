"""Layers made of layers: every array a sub-layer, list or dict holds is named, trained, saved and moved.

The walk (``smolml_core.nn.walk``) goes into sub-layers and into lists, tuples
and dicts of layers or arrays, with dotted names. These tests follow one such
layer through everything that names a parameter, and check that an array the
walk cannot see, or a parameter that gets no gradient, is never silent.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from smolml_core import (
    ConfigError,
    Layer,
    MLArray,
    NeuralNetwork,
    UnusedParameterWarning,
    Value,
    is_training,
    load_network,
    register,
    set_seed,
    zeros,
)
from smolml_core.nn import walk
from smolml_std.layers import DenseLayer

from .nested_script import Block

SCRIPT = Path(__file__).with_name("nested_script.py")
BLOCK_NAMES = [
    "inner.weights",
    "inner.biases",
    "ws.0",
    "ws.1",
    "heads.left.weights",
    "heads.left.biases",
    "heads.right.weights",
    "heads.right.biases",
]


def data(n: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, np.tanh(X @ rng.normal(size=(3, 2)))


def network(optimizer: str = "adam") -> NeuralNetwork:
    set_seed(7)
    return NeuralNetwork([DenseLayer(3, 4, "tanh"), Block(4), DenseLayer(4, 2)], "mse", optimizer)


# -- names ------------------------------------------------------------------------------


def test_the_walk_names_arrays_in_sub_layers_lists_and_dicts_by_their_path() -> None:
    block = Block(4)
    assert list(walk.named_parameters(block)) == BLOCK_NAMES
    assert walk.named_parameters(block)["heads.right.weights"] is block.heads["right"].weights
    assert walk.named_parameters(block)["ws.1"] is block.ws[1]
    assert block.parameter_count() == 3 * (4 * 4 + 4) + 4 * 4 + 4
    assert [name for name, _ in walk.named_layers(block)] == ["inner", "heads.left", "heads.right"]


def test_the_network_names_nested_parameters_under_the_layers_place() -> None:
    net = network()
    names = list(net.named_parameters())
    assert names[2:10] == [f"layers.1.{name}" for name in BLOCK_NAMES]
    assert net.parameter_count() == sum(p.size() for p in net.named_parameters().values())


class Deep(Layer):
    """Layers and arrays at depth: a tuple inside a list, a dict of lists, a layer pointing back at its parent."""

    def __init__(self) -> None:
        self.blocks = [(DenseLayer(2, 2), zeros(1, 2)), DenseLayer(2, 2)]
        self.table = {"a": [zeros(2, 2)], "b": {"c": DenseLayer(2, 2)}}
        self.blocks[1].parent = self  # a cycle: the walk must not loop
        self.empty: list[MLArray] = []

    def forward(self, X: MLArray) -> MLArray:
        return X


def test_the_walk_goes_to_any_depth_and_survives_cycles() -> None:
    names = list(walk.named_parameters(Deep()))
    assert names == [
        "blocks.0.0.weights",
        "blocks.0.0.biases",
        "blocks.0.1",
        "blocks.1.weights",
        "blocks.1.biases",
        "table.a.0",
        "table.b.c.weights",
        "table.b.c.biases",
    ]
    assert [name for name, _ in walk.named_layers(Deep())] == ["blocks.0.0", "blocks.1", "table.b.c"]


class Tied(Layer):
    """The same sub-layer under two names, and its weights a third time: shared, so trained once per step."""

    def __init__(self) -> None:
        self.first = DenseLayer(2, 2)
        self.again = self.first
        self.W = self.first.weights

    def forward(self, X: MLArray) -> MLArray:
        return self.again(self.first(X)) @ self.W


def test_a_shared_array_is_named_once_where_it_was_first_reached() -> None:
    layer = Tied()
    assert list(walk.named_parameters(layer)) == ["first.weights", "first.biases"]
    net = NeuralNetwork([layer], "mse", "sgd")
    before = layer.W.numpy()
    X, y = np.ones((3, 2)), np.zeros((3, 2))
    net.train(X, y, epochs=1, verbose=False)
    # one step of plain SGD with the gradient summed over all three uses, applied once
    assert set(net.optimizer.state) == {(0, "first.weights"), (0, "first.biases")}
    assert not np.array_equal(layer.W.numpy(), before)


class Composite(Layer):
    """A layer built from layer objects given to its constructor (recorded in ``_init_args`` too)."""

    def __init__(self, parts: list[Layer]) -> None:
        self.parts = list(parts)

    def forward(self, X: MLArray) -> MLArray:
        for part in self.parts:
            X = part(X)
        return X


def test_the_recorded_constructor_arguments_are_not_walked() -> None:
    layer = Composite([DenseLayer(2, 3), DenseLayer(3, 1)])
    assert "_init_args" in vars(layer)
    assert list(walk.named_parameters(layer)) == [
        "parts.0.weights",
        "parts.0.biases",
        "parts.1.weights",
        "parts.1.biases",
    ]


def test_find_pick_and_replace_follow_dotted_names() -> None:
    layer = Deep()
    assert walk.find(layer, "table.b.c.weights") is layer.table["b"]["c"].weights
    assert walk.pick(layer, ["blocks.0.1", "table.a.0"]) == (layer.blocks[0][1], layer.table["a"][0])
    constant = MLArray(np.ones((1, 2)), requires_grad=False)
    walk.replace(layer, "blocks.0.1", constant)  # inside a tuple: the tuple is rebuilt in its place
    assert layer.blocks[0][1] is constant and isinstance(layer.blocks[0], tuple)
    walk.replace(layer, "table.a.0", constant)
    assert layer.table["a"][0] is constant
    for name in ("blocks.7.weights", "table.z", "blocks.0.0.nothing", "empty.0", "_init_args"):
        with pytest.raises(KeyError, match="Deep holds no array named"):
            walk.find(layer, name)


# -- nothing silently untrained ------------------------------------------------------------


class Hiding(Layer):
    def __init__(self, how: str) -> None:
        self.dense = DenseLayer(2, 2)
        if how == "set":
            self.spare = {zeros(2)}
        elif how == "object":
            self.box = type("Box", (), {})()
            self.box.W = zeros(2, 2)
        elif how == "layer_in_object":
            self.box = type("Box", (), {})()
            self.box.layer = DenseLayer(2, 2)
        elif how == "numpy":
            self.W = np.ones((2, 2))
        elif how == "value":
            self.w = Value(1.0)
        elif how == "int_key":
            self.heads = {0: DenseLayer(2, 2)}
        elif how == "dotted_key":
            self.heads = {"a.b": zeros(2)}

    def forward(self, X: MLArray) -> MLArray:
        return self.dense(X)


@pytest.mark.parametrize(
    ("how", "where", "why"),
    [
        ("set", "spare", "a set"),
        ("object", "box", "a Box object, which is not a layer"),
        ("layer_in_object", "box", "a Box object, which is not a layer"),
        ("numpy", "W", "a numpy array"),
        ("value", "w", "a Value outside an MLArray"),
        ("int_key", "heads.0", "a dict entry whose key is not a string"),
        ("dotted_key", "heads.'a.b'", "a dict entry whose key is not a string without dots"),
    ],
)
def test_an_array_the_walk_cannot_see_is_refused_when_the_network_is_built(how: str, where: str, why: str) -> None:
    with pytest.raises(ConfigError) as caught:
        NeuralNetwork([DenseLayer(2, 2), Hiding(how)], "mse")
    message = str(caught.value)
    assert message.startswith(f"layers[1]: Hiding.{where} is {why}")
    assert "would never be trained or saved" in message and "MLArray(..., requires_grad=False)" in message


def test_an_array_hidden_in_a_sub_layer_is_named_by_its_path() -> None:
    outer = Composite([DenseLayer(2, 2), Hiding("set")])
    with pytest.raises(ConfigError, match=r"^layers\[0\]: Composite\.parts\.1\.spare is a set"):
        NeuralNetwork([outer], "mse")


def test_what_holds_no_array_is_not_reported() -> None:
    layer = Hiding("none")
    layer.indices = np.arange(4)  # integers: an index, not a weight
    layer.names = {"a", "b"}
    layer.config = {1: "one"}
    assert walk.hidden_arrays(layer) == []
    NeuralNetwork([layer], "mse")


def test_a_computed_array_in_a_sub_layer_is_refused_by_its_path() -> None:
    outer = Composite([DenseLayer(2, 2)])
    outer.parts[0].doubled = outer.parts[0].weights * 2.0
    with pytest.raises(ConfigError, match=r"^layers\[0\]: Composite\.parts\.0\.doubled was computed"):
        NeuralNetwork([outer], "mse")


class HalfUsed(Layer):
    """Uses one of two sub-layers; ``allow`` says which of its parameters may go unused."""

    def __init__(self) -> None:
        self.used = DenseLayer(2, 2)
        self.spare = DenseLayer(2, 2)
        self.bias = zeros(1, 2)

    def forward(self, X: MLArray) -> MLArray:
        return self.used(X)


def train_once(layer: Layer, epochs: int = 1) -> list[warnings.WarningMessage]:
    net = NeuralNetwork([DenseLayer(2, 2), layer], "mse")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net.train(np.ones((3, 2)), np.zeros((3, 2)), epochs=epochs, verbose=False)
        net.train(np.ones((3, 2)), np.zeros((3, 2)), epochs=epochs, verbose=False)
    return [w for w in caught if issubclass(w.category, UnusedParameterWarning)]


def test_a_parameter_that_gets_no_gradient_is_reported_once_by_name() -> None:
    found = train_once(HalfUsed(), epochs=3)
    assert len(found) == 1  # once for the network, over both train calls and every epoch
    message = str(found[0].message)
    assert message.startswith(
        "layers.1.spare.weights, layers.1.spare.biases, layers.1.bias received no gradient in the first training step"
    )
    assert "allow_unused" in message


def test_allow_unused_silences_the_names_a_layer_lists_or_all_of_them() -> None:
    class SomeAllowed(HalfUsed):
        allow_unused = ("spare",)

    class AllAllowed(HalfUsed):
        allow_unused = True

    found = train_once(SomeAllowed())
    assert [str(w.message).split(" received")[0] for w in found] == ["layers.1.bias"]
    assert train_once(AllAllowed()) == []


def test_a_sub_layer_may_allow_its_own_unused_parameters() -> None:
    class Quiet(DenseLayer):
        allow_unused = True

    outer = Composite([DenseLayer(2, 2)])
    outer.idle = Quiet(2, 2)
    assert train_once(outer) == []


def test_the_warning_is_a_category_that_can_be_filtered() -> None:
    net = NeuralNetwork([HalfUsed()], "mse")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", category=UnusedParameterWarning)
        net.train(np.ones((3, 2)), np.zeros((3, 2)), epochs=1, verbose=False)


# -- everything that names a parameter ------------------------------------------------------


def test_training_changes_every_nested_array_and_keeps_the_optimizer_state_by_dotted_name() -> None:
    net = network()
    X, y = data()
    before = {name: p.numpy() for name, p in net.named_parameters().items()}
    net.train(X, y, epochs=5, verbose=False)
    for name, param in net.named_parameters().items():
        assert not np.array_equal(param.numpy(), before[name]), f"{name} was not trained"
    assert {(1, name) for name in BLOCK_NAMES} <= set(net.optimizer.state)


def test_get_and_set_weights_cover_nested_arrays() -> None:
    net, other = network(), network()
    other.train(*data(), epochs=3, verbose=False)
    assert len(net.get_weights()) == 2 + len(BLOCK_NAMES) + 2
    net.set_weights(other.get_weights())
    X, _ = data()
    assert np.array_equal(net.predict(X).numpy(), other.predict(X).numpy())


def test_set_engine_moves_nested_parameters() -> None:
    net = network()
    X, _ = data(4)
    expected = net.predict(X).numpy()
    net.set_engine("scalar")
    assert all(p.engine == "scalar" for p in net.named_parameters().values())
    assert isinstance(net.layers[1].heads["right"].weights.value(0, 0), Value)
    np.testing.assert_allclose(net.predict(X).numpy(), expected, rtol=0, atol=1e-12)


def test_a_nested_layer_sees_the_training_mode() -> None:
    class Spy(Layer):
        def __init__(self) -> None:
            self.seen: list[bool] = []

        def forward(self, X: MLArray) -> MLArray:
            self.seen.append(is_training())
            return X

    spy = Spy()
    net = NeuralNetwork([Composite([DenseLayer(2, 2), Composite([spy])])], "mse")
    net.train(np.ones((3, 2)), np.zeros((3, 2)), epochs=1, verbose=False)
    net.predict(np.ones((1, 2)))
    assert spy.seen == [True, False]


def test_the_summary_indents_sub_layers_and_rolls_their_counts_up() -> None:
    text = repr(network())
    rows = text.splitlines()
    block = next(row for row in rows if row.startswith("1  Block"))
    assert block.split()[-3] == f"{3 * 20 + 20:,}"  # every nested parameter counted in the block's own row
    index = rows.index(block)
    assert [row.split(":")[0].strip() for row in rows[index + 1 : index + 4]] == ["inner", "heads.left", "heads.right"]
    assert all(row.startswith("     ") for row in rows[index + 1 : index + 4])
    deep = repr(NeuralNetwork([Composite([Composite([DenseLayer(2, 2)])])], "mse")).splitlines()
    assert any(row.startswith("       parts.0: DenseLayer") for row in deep)  # one indent per level


# -- a nested layer in a file, in a new process ------------------------------------------


def run_script(*args: str, cwd: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120, cwd=cwd, check=False
    )
    assert done.returncode == 0, done.stderr


def test_predictions_after_loading_in_a_new_process_are_bit_identical(tmp_path: Path) -> None:
    register("layer", "nested_script_block", Block)
    net = network()
    X, y = data()
    net.train(X, y, epochs=4, verbose=False)
    np.savez(tmp_path / "data.npz", X=X, y=y)
    net.save(tmp_path / "model.npz")
    run_script("predict", "model.npz", "data.npz", "predictions.npy", cwd=tmp_path)
    assert np.array_equal(np.load(tmp_path / "predictions.npy"), net.predict(X).numpy())
    loaded = load_network(tmp_path / "model.npz")
    assert list(loaded.named_parameters()) == list(net.named_parameters())


def test_resuming_in_a_new_process_is_bit_identical_to_an_unbroken_run(tmp_path: Path) -> None:
    register("layer", "nested_script_block", Block)
    X, y = data()
    broken = network()
    broken.train(X, y, epochs=3, verbose=False)
    np.savez(tmp_path / "data.npz", X=X, y=y)
    broken.save(tmp_path / "first.npz")
    run_script("train", "first.npz", "data.npz", "4", "resumed.npz", cwd=tmp_path)
    unbroken = network()
    unbroken.train(X, y, epochs=7, verbose=False)
    resumed = load_network(tmp_path / "resumed.npz")
    for (name, a), b in zip(resumed.named_parameters().items(), unbroken.named_parameters().values(), strict=True):
        assert np.array_equal(a.numpy(), b.numpy()), name
    assert resumed.optimizer.state.keys() == unbroken.optimizer.state.keys()
    for key, state in unbroken.optimizer.state.items():
        for field, value in state.items():
            assert np.array_equal(resumed.optimizer.state[key][field], value), (key, field)


def test_an_array_shared_between_two_of_the_networks_layers_is_refused() -> None:
    first = DenseLayer(2, 2)
    with pytest.raises(ConfigError) as caught:
        NeuralNetwork([first, Composite([DenseLayer(2, 2), first])], "mse")
    assert str(caught.value).startswith(
        "layers[1]: Composite holds the array layers.0.weights of an earlier layer (as layers.1.parts.1.weights)"
    )
    with pytest.raises(ConfigError, match=r"^layers\[1\]: DenseLayer holds the array layers\.0\.weights"):
        NeuralNetwork([first, first], "mse")
    NeuralNetwork([Composite([first, first])], "mse")  # inside one layer, a shared layer is named (and stepped) once


def test_the_warning_points_at_the_line_that_trains() -> None:
    net = NeuralNetwork([HalfUsed()], "mse")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net.train(np.ones((3, 2)), np.zeros((3, 2)), epochs=1, verbose=False)
    assert [Path(w.filename).name for w in caught] == [Path(__file__).name]
