"""Widths checked when a network is built, and the input_size a config may leave out."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from smolml_core import (
    ConfigError,
    InputMismatch,
    Layer,
    MLArray,
    NeuralNetwork,
    Shape,
    ShapeError,
    build_layer,
    build_layers,
    build_network,
    get_rng,
    ones,
    register,
    set_seed,
)
from smolml_std.layers import DenseLayer

MISMATCH = "layers[1].input_size: is 8, but layer 0 outputs 16; set input_size = 16"


def dense(output_size: int, input_size: int | None = None, **more: object) -> dict:
    table: dict = {"type": "dense", "output_size": output_size, **more}
    if input_size is not None:
        table["input_size"] = input_size
    return table


def network(*layers: dict) -> dict:
    return {"layers": list(layers), "loss_function": "mse"}


class Doubler(Layer):
    """y = [X, X]: twice as many columns. It does not say what it outputs (no output_shape)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.gain = ones(1, size)

    def forward(self, X: MLArray) -> MLArray:
        twice = np.concatenate([np.eye(self.size)] * 2, axis=1)  # [I I]: each column copied once more
        return (X * self.gain) @ MLArray(twice, requires_grad=False)


class Scale(Layer):
    """y = X * gamma, one factor per feature; it says what it outputs, and takes its size from the input."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.gamma = ones(1, size)

    def forward(self, X: MLArray) -> MLArray:
        return X * self.gamma

    def output_shape(self, input_shape: Shape | None) -> Shape | None:
        if input_shape is not None and input_shape[-1] != self.size:
            raise InputMismatch("size", self.size, input_shape[-1])
        return (self.size,) if input_shape is None else input_shape

    @classmethod
    def input_parameters(cls, input_shape: Shape) -> dict:
        return {"size": input_shape[-1]}


class Stack(Layer):
    """Layers in a row, used as one: how a layer made of layers builds and checks its children."""

    def __init__(self, layers: list, input_shape: list[int] | None = None) -> None:
        shape = None if input_shape is None else tuple(input_shape)
        self.layers, self._output = build_layers(layers, shape)

    def forward(self, X: MLArray) -> MLArray:
        for layer in self.layers:
            X = layer(X)
        return X

    def output_shape(self, input_shape: Shape | None) -> Shape | None:
        return self._output

    @classmethod
    def input_parameters(cls, input_shape: Shape) -> dict:
        return {"input_shape": list(input_shape)}


# -- refused when built --------------------------------------------------------------------------


def test_layer_objects_that_do_not_fit_are_refused_by_the_network() -> None:
    with pytest.raises(InputMismatch) as info:
        NeuralNetwork([DenseLayer(4, 16), DenseLayer(8, 1)], "mse")
    error = info.value
    assert str(error) == MISMATCH
    assert isinstance(error, ConfigError)
    assert (error.parameter, error.expected, error.actual) == ("input_size", 8, 16)


def test_a_later_pair_is_named_by_its_own_index() -> None:
    with pytest.raises(
        InputMismatch, match=r"^layers\[2\]\.input_size: is 3, but layer 1 outputs 5; set input_size = 5$"
    ):
        NeuralNetwork([DenseLayer(2, 4), DenseLayer(4, 5), DenseLayer(3, 1)], "mse")


def test_a_config_that_does_not_fit_is_refused() -> None:
    with pytest.raises(InputMismatch, match=f"^{re.escape(MISMATCH)}$"):
        build_network(network(dense(16, 4), dense(1, 8)))


def test_a_config_file_names_the_file_the_path_and_the_fix(tmp_path) -> None:
    path = tmp_path / "net.toml"
    path.write_text(
        'loss_function = "mse"\n'
        '[[layers]]\ntype = "dense"\ninput_size = 4\noutput_size = 16\n'
        '[[layers]]\ntype = "dense"\ninput_size = 8\noutput_size = 1\n'
    )
    with pytest.raises(InputMismatch) as info:
        build_network(path)
    assert str(info.value) == f"{str(path)!r}: {MISMATCH}"

    wrapped = tmp_path / "run.toml"
    wrapped.write_text(path.read_text().replace("[[layers]]", "[[network.layers]]").replace("loss", "[network]\nloss"))
    with pytest.raises(InputMismatch) as info:
        build_network(wrapped)
    assert str(info.value) == f"{str(wrapped)!r}: network.{MISMATCH}"


def test_a_config_that_does_not_fit_leaves_the_random_generator_as_it_was() -> None:
    good = network(dense(16, 4), dense(1, 16))
    set_seed(0)
    first_try = [p.numpy() for p in build_network(good).named_parameters().values()]

    set_seed(0)
    before = get_rng().bit_generator.state
    with pytest.raises(InputMismatch):
        build_network(network(dense(16, 4), dense(1, 8)))
    assert get_rng().bit_generator.state == before
    fixed = [p.numpy() for p in build_network(good).named_parameters().values()]
    assert all(np.array_equal(a, b) for a, b in zip(first_try, fixed, strict=True))


# -- input_size left out -------------------------------------------------------------------------


def test_input_size_left_out_after_a_dense_layer_is_its_output_size() -> None:
    net = build_network(network(dense(16, 4, activation_function="relu"), dense(8), dense(1)))
    assert [layer.weights.shape for layer in net.layers] == [(4, 16), (16, 8), (8, 1)]
    config = net.to_config()
    assert [layer["input_size"] for layer in config["layers"]] == [4, 16, 8]  # written out: to_config is exact
    assert build_network(config).to_config() == config


def test_a_layer_by_name_gets_its_input_size_too() -> None:
    with pytest.raises(ConfigError, match=r"^layers\[1\]: layer 'dense' needs 'output_size'$"):
        build_network(network(dense(16, 4), "dense"))


def test_inferring_draws_the_same_weights_as_writing_it_out() -> None:
    set_seed(3)
    written = build_network(network(dense(16, 4), dense(2, 16))).get_weights()
    set_seed(3)
    inferred = build_network(network(dense(16, 4), dense(2))).get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(written, inferred, strict=True))


def test_the_first_layer_takes_its_input_size_from_input_shape() -> None:
    net = build_network(network(dense(16), dense(1)), input_shape=(5,))
    assert net.layers[0].input_size == 5 and net.layers[1].input_size == 16
    with pytest.raises(
        InputMismatch, match=r"^layers\[0\]\.input_size: is 4, but the input has 5; set input_size = 5$"
    ):
        build_network(network(dense(16, 4), dense(1)), input_shape=(5,))


def test_input_shape_reaches_a_file_too(tmp_path) -> None:
    path = tmp_path / "net.json"
    path.write_text(json.dumps(network(dense(3), dense(1))))
    assert build_network(path, input_shape=(7,)).layers[0].weights.shape == (7, 3)


def test_the_first_input_size_cannot_be_inferred_without_input_shape() -> None:
    with pytest.raises(ConfigError) as info:
        build_network(network(dense(16), dense(1)))
    assert str(info.value) == (
        "layers[0]: layer 'dense' needs 'input_size'; 'input_size' cannot be inferred here: "
        "this is the first layer, and the shape of its input is not known"
    )


def test_nor_after_a_layer_that_does_not_say_what_it_outputs() -> None:
    register("layer", "doubler", Doubler)
    with pytest.raises(ConfigError) as info:
        build_network(network(dense(4, 2), {"type": "doubler", "size": 4}, dense(1)))
    assert str(info.value) == (
        "layers[2]: layer 'dense' needs 'input_size'; 'input_size' cannot be inferred here: "
        "layer 1 (Doubler) does not say what it outputs"
    )


# -- layers that say nothing, and layers that say it their own way --------------------------------


def test_a_layer_without_output_shape_is_not_checked_and_checking_resumes_after_it() -> None:
    register("layer", "doubler", Doubler)
    X, y = np.ones((3, 2)), np.zeros((3, 1))
    net = build_network(network(dense(4, 2), {"type": "doubler", "size": 4}, dense(1, 8)))
    net.train(X, y, epochs=2, verbose=False)
    assert net.predict(X).shape == (3, 1)

    with pytest.raises(
        InputMismatch, match=r"^layers\[3\]\.input_size: is 2, but layer 2 outputs 3; set input_size = 3$"
    ):
        NeuralNetwork([DenseLayer(2, 4), Doubler(4), DenseLayer(8, 3), DenseLayer(2, 1)], "mse")


def test_an_object_that_is_no_layer_subclass_is_taken_as_it_is() -> None:
    class Plain:
        def forward(self, X):
            return X

    net = NeuralNetwork([DenseLayer(2, 3), Plain(), DenseLayer(3, 1)], "mse")
    assert net.predict(np.ones((2, 2))).shape == (2, 1)


def test_a_custom_layer_reports_its_own_parameter_with_the_path() -> None:
    with pytest.raises(InputMismatch, match=r"^layers\[1\]\.size: is 3, but layer 0 outputs 4; set size = 4$"):
        NeuralNetwork([DenseLayer(2, 4), Scale(3)], "mse")

    register("layer", "scale", Scale)
    with pytest.raises(InputMismatch, match=r"^layers\[1\]\.size: is 3, but layer 0 outputs 4; set size = 4$"):
        build_network(network(dense(4, 2), {"type": "scale", "size": 3}))
    net = build_network(network(dense(4, 2), "scale", dense(1)))  # its size, then the next input_size, inferred
    assert net.layers[1].size == 4 and net.layers[2].input_size == 4


def test_input_parameters_by_default_give_input_size_when_the_constructor_takes_it() -> None:
    assert DenseLayer.input_parameters((2, 5)) == {"input_size": 5}
    assert Doubler.input_parameters((5,)) == {}


def test_a_layer_says_nothing_by_default() -> None:
    assert Doubler(4).output_shape(None) is None and Doubler(4).output_shape((4,)) is None


def test_dense_output_shape() -> None:
    layer = DenseLayer(3, 2)
    assert layer.output_shape(None) == (2,)
    assert layer.output_shape((3,)) == (2,)
    assert layer.output_shape((7, 3)) == (7, 2)
    with pytest.raises(InputMismatch, match=r"^input_size: is 3, but the input has 4; set input_size = 4$"):
        layer.output_shape((4,))
    with pytest.raises(ShapeError, match=r"expected 3 features per sample, got samples of shape \(\)"):
        layer.output_shape(())


def test_whoever_knows_where_the_input_came_from_says_it_once() -> None:
    error = InputMismatch("input_size", 8, 16)
    error.came_from("layer 0 outputs 16").came_from("the data has 16 features")  # the nearest source is kept
    assert str(error.at("layers[1]")) == "layers[1].input_size: is 8, but layer 0 outputs 16; set input_size = 16"


# -- the builders, and layers made of layers -----------------------------------------------------


def test_build_layer_fills_in_what_the_input_determines() -> None:
    layer, shape = build_layer(dense(4), (6,))
    assert layer.weights.shape == (6, 4) and shape == (4,)
    same = DenseLayer(6, 4)
    assert build_layer(same, (6,)) == (same, (4,))
    with pytest.raises(InputMismatch, match=r"^head\.input_size: is 6, but the input has 5; set input_size = 5$"):
        build_layer(same, (5,), param="head")


def test_build_layers_feeds_each_the_one_before() -> None:
    layers, shape = build_layers([dense(8, 2), dense(4), dense(1)])
    assert [layer.input_size for layer in layers] == [2, 8, 4] and shape == (1,)
    with pytest.raises(InputMismatch, match=r"^blocks\[1\]\.input_size: is 3, but layer 0 outputs 8"):
        build_layers([dense(8, 2), dense(1, 3)], param="blocks")


def test_inside_a_stack_the_sibling_is_named_and_input_size_is_inferred_at_any_depth() -> None:
    register("layer", "stack", Stack)
    with pytest.raises(InputMismatch) as info:
        build_network(network(dense(8, 2), dense(16), {"type": "stack", "layers": [dense(16), dense(4, 8)]}))
    assert str(info.value) == "layers[2].layers[1].input_size: is 8, but layer 0 outputs 16; set input_size = 16"

    # the stack's first child is fed by what feeds the stack: the layer before it
    with pytest.raises(InputMismatch) as info:
        build_network(network(dense(16, 2), {"type": "stack", "layers": [dense(4, 8)]}))
    assert str(info.value) == "layers[1].layers[0].input_size: is 8, but layer 0 outputs 16; set input_size = 16"

    net = build_network(
        network(dense(8, 2), {"type": "stack", "layers": [dense(5), {"type": "stack", "layers": [dense(3)]}]}, dense(1))
    )
    inner = net.layers[1]
    assert [inner.layers[0].input_size, inner.layers[1].layers[0].input_size, net.layers[2].input_size] == [8, 5, 3]
