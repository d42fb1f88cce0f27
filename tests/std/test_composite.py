"""``sequential`` and ``residual``: their numbers, the widths they fill in and check, gradients, round trips."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from smolml_core import (
    ENGINES,
    ConfigError,
    InputMismatch,
    Layer,
    MLArray,
    NeuralNetwork,
    ShapeError,
    UnusedParameterWarning,
    build_network,
    load_config,
    load_network,
    reference,
    resolve,
    set_seed,
)
from smolml_core.nn.walk import replace
from smolml_core.testing import check_gradients
from smolml_std.composite import Residual, Sequential
from smolml_std.layers import DenseLayer

from ..persistence.helpers import assert_bitwise_equal, assert_same_network
from ..test_config_roundtrip import assert_round_trips

X = np.random.default_rng(0).normal(size=(5, 3))


def affine(layer: Any, X: np.ndarray) -> np.ndarray:
    """X W + b of a dense layer, in plain numpy."""
    return X @ layer.weights.numpy() + layer.biases.numpy()


# A residual MLP by name: widths after the first layer are left out and filled in from the layer before.
RESIDUAL_MLP: dict[str, Any] = {
    "layers": [
        {"type": "dense", "input_size": 3, "output_size": 8, "activation_function": "relu"},
        {
            "type": "residual",
            "layer": {
                "type": "sequential",
                "layers": [
                    {"type": "dense", "output_size": 8, "activation_function": "tanh"},
                    {"type": "dense", "output_size": 8},
                ],
            },
        },
        {"type": "residual", "layer": {"type": "dense", "output_size": 4, "activation_function": "tanh"}},
        {"type": "dense", "output_size": 2, "activation_function": "sigmoid"},
    ],
    "loss_function": "mse",
    "optimizer": {"type": "adam", "learning_rate": 0.01},
}
Y = np.eye(2)[np.random.default_rng(1).integers(0, 2, len(X))]


# -- sequential ------------------------------------------------------------------


def test_sequential_runs_its_layers_in_turn() -> None:
    block = Sequential([DenseLayer(3, 4, activation_function="tanh"), {"type": "dense", "output_size": 2}])
    first, second = block.layers
    expected = affine(second, np.tanh(affine(first, X)))
    np.testing.assert_allclose(block(MLArray(X)).numpy(), expected, rtol=1e-12)


def test_sequential_fills_in_widths_and_names_its_parameters_by_place() -> None:
    block = resolve(
        "layer",
        {
            "type": "sequential",
            "layers": [
                {"type": "dense", "input_size": 3, "output_size": 4},
                "flatten",
                {"type": "dense", "output_size": 2},
            ],
        },
    )
    assert isinstance(block, Sequential)
    assert block.layers[2].input_size == 4
    assert (block.input_size, block.output_shape(None), block.output_shape((3,))) == (3, (2,), (2,))
    assert list(block.named_parameters()) == [
        "layers.0.weights",
        "layers.0.biases",
        "layers.2.weights",
        "layers.2.biases",
    ]
    assert block.parameter_count() == 3 * 4 + 4 + 4 * 2 + 2


def test_sequential_refuses_layers_that_do_not_fit() -> None:
    with pytest.raises(
        InputMismatch, match=r"^layers\[1\]\.input_size: is 8, but layer 0 outputs 16; set input_size = 16$"
    ):
        Sequential([DenseLayer(3, 16), DenseLayer(8, 2)])


def test_sequential_needs_the_first_width_when_nothing_gives_it() -> None:
    with pytest.raises(ConfigError, match=r"^layers\[0\]: layer 'dense' needs 'input_size'"):
        Sequential([{"type": "dense", "output_size": 2}])
    assert Sequential([{"type": "dense", "output_size": 2}], input_shape=[5]).layers[0].input_size == 5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"layers": []}, r"^layers: must be a non-empty list of layers"),
        ({"layers": {"type": "dense", "input_size": 3, "output_size": 2}}, r"^layers: must be a non-empty list"),
        ({"layers": "dense"}, r"^layers: must be a non-empty list"),
        ({"layers": ["flatten"], "input_shape": [3, 0]}, r"^input_shape\[1\]: must be a whole number >= 1"),
        ({"layers": ["flatten"], "input_shape": []}, r"^input_shape: must be one sample's shape"),
        ({"layers": ["flatten", {"type": "dense", "output_size": 2, "input_size": 0}]}, r"^layers\[1\]\.input_size"),
    ],
)
def test_sequential_refuses_bad_arguments(args: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Sequential(**args)


def test_sequential_names_the_inner_layer_of_a_shape_error() -> None:
    block = Sequential(["flatten", DenseLayer(4, 2)])
    with pytest.raises(ShapeError, match=r"^layers\[1\]: expected 4 features per sample"):
        block(MLArray(np.ones((2, 3))))


def test_sequential_writes_the_built_layers_and_only_the_input_shape_they_do_not_carry() -> None:
    plain = Sequential([DenseLayer(3, 4), {"type": "dense", "output_size": 2}], input_shape=[3])
    assert [table["input_size"] for table in plain.get_config()["layers"]] == [3, 4]
    assert "input_shape" not in plain.get_config()

    images = Sequential(["flatten", {"type": "dense", "output_size": 2}], input_shape=[2, 3])
    assert images.layers[1].input_size == 6
    written = reference("layer", images)
    assert written["input_shape"] == [2, 3] and written["layers"][0] == "flatten"
    assert reference("layer", resolve("layer", written)) == written


# -- residual --------------------------------------------------------------------


def test_residual_adds_its_input() -> None:
    block = Residual(DenseLayer(3, 3, activation_function="tanh"))
    assert block.projection is None
    np.testing.assert_allclose(block(MLArray(X)).numpy(), X + np.tanh(affine(block.layer, X)), rtol=1e-12)
    assert list(block.named_parameters()) == ["layer.weights", "layer.biases"]


def test_residual_projects_its_input_when_the_widths_differ() -> None:
    block = resolve("layer", {"type": "residual", "layer": {"type": "dense", "input_size": 3, "output_size": 2}})
    assert isinstance(block.projection, DenseLayer)
    assert (block.projection.input_size, block.projection.output_size) == (3, 2)
    expected = affine(block.projection, X) + affine(block.layer, X)
    np.testing.assert_allclose(block(MLArray(X)).numpy(), expected, rtol=1e-12)
    assert list(block.named_parameters()) == [
        "layer.weights",
        "layer.biases",
        "projection.weights",
        "projection.biases",
    ]
    assert block.output_shape((3,)) == (2,)


def test_residual_projects_on_request_at_the_same_width() -> None:
    block = Residual(DenseLayer(3, 3), projection=True)
    assert isinstance(block.projection, DenseLayer)
    np.testing.assert_allclose(
        block(MLArray(X)).numpy(), affine(block.projection, X) + affine(block.layer, X), rtol=1e-12
    )


def test_residual_projection_takes_the_inner_layers_precision() -> None:
    block = Residual(DenseLayer(3, 2, dtype="float32"))
    assert block.projection is not None and block.projection.weights.dtype == np.float32


def test_residual_needs_the_input_width_for_a_projection() -> None:
    with pytest.raises(
        ConfigError,
        match=r"^layer: a projection needs the width of the block's input.*give the inner layer its input_size",
    ):
        Residual("flatten", projection=True)
    block = Residual("flatten", projection=True, input_shape=[3])
    assert block.output_shape(None) == (3,)
    assert reference("layer", block) == {"type": "residual", "layer": "flatten", "projection": True, "input_shape": [3]}


class FirstColumn(Layer):
    """Keeps each sample's first value only, and does not say so in an output_shape."""

    def forward(self, X: MLArray) -> MLArray:
        return X @ MLArray(np.eye(X.shape[-1])[:, :1], requires_grad=False)


def test_residual_refuses_to_broadcast_an_inner_output_of_another_width() -> None:
    block = Residual(FirstColumn())
    assert block.projection is None and block.output_shape((3,)) == (3,)
    with pytest.raises(ShapeError, match=r"turned input of shape \(5, 3\) into \(5, 1\), which cannot be added"):
        block(MLArray(X))


class SaidFirstColumn(FirstColumn):
    """FirstColumn that states its output, though without checking its input."""

    def output_shape(self, input_shape: tuple[int, ...] | None) -> tuple[int, ...] | None:
        return (1,)


def test_residual_checks_its_projection_against_the_input() -> None:
    with pytest.raises(ConfigError, match=r"^layer: a projection needs the width of the inner layer's output"):
        Residual(FirstColumn(), projection=True, input_shape=[3])
    block = Residual(SaidFirstColumn(), input_shape=[3])
    assert block.projection is not None and block.output_shape(None) == (1,)
    with pytest.raises(
        InputMismatch, match=r"^input_shape: is \[3\], but the input has \[4\]; set input_shape = \[4\]$"
    ):
        block.output_shape((4,))


def test_an_unregistered_inner_layer_is_named_when_the_network_is_written_down() -> None:
    network = NeuralNetwork([Sequential([DenseLayer(3, 3), FirstColumn()])], "mse")
    with pytest.raises(
        ConfigError, match=r"^layers\[0\]\.layers\[1\]: this layer \(FirstColumn\(\)\) is not registered"
    ):
        network.to_config()


# -- in a network ----------------------------------------------------------------


def test_a_network_of_composites_fills_in_every_width() -> None:
    network = build_network(RESIDUAL_MLP)
    first_block, second_block = network.layers[1], network.layers[2]
    assert [layer.input_size for layer in first_block.layer.layers] == [8, 8]
    assert first_block.projection is None
    assert second_block.projection is not None and second_block.projection.input_size == 8
    assert network.layers[3].input_size == 4


@pytest.mark.parametrize(
    ("place", "table", "message"),
    [
        (
            0,
            {"type": "dense", "input_size": 5, "output_size": 8},
            r"layers\[0\]\.input_size: is 5, but layer 0 outputs 8",
        ),
        (
            1,
            {"type": "dense", "input_size": 5, "output_size": 8},
            r"layers\[1\]\.input_size: is 5, but layer 0 outputs 8",
        ),
    ],
)
def test_a_network_names_the_path_into_a_block(place: int, table: dict[str, Any], message: str) -> None:
    config: dict[str, Any] = {**RESIDUAL_MLP, "layers": [dict(layer) for layer in RESIDUAL_MLP["layers"]]}
    inner = dict(config["layers"][1]["layer"])
    inner["layers"] = [*inner["layers"]]
    inner["layers"][place] = table
    config["layers"][1] = {"type": "residual", "layer": inner}
    with pytest.raises(InputMismatch, match=rf"^layers\[1\]\.layer\.{message}; set input_size = 8$"):
        build_network(config)


def test_the_residual_digits_example_gives_only_the_first_width() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "digits_residual.toml"
    assert json.dumps(load_config(example)["network"]).count('"input_size"') == 1
    network = build_network(example)
    blocks = network.layers[1:3]
    assert all(isinstance(block, Residual) and block.projection is None for block in blocks)
    assert [layer.input_size for block in blocks for layer in block.layer.layers] == [128, 16, 128, 16]
    assert network.layers[3].input_size == 128


def test_training_changes_every_nested_parameter_and_warns_of_none() -> None:
    network = build_network(RESIDUAL_MLP)
    before = {name: p.numpy() for name, p in network.named_parameters().items()}
    assert "layers.1.layer.layers.1.weights" in before and "layers.2.projection.biases" in before
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnusedParameterWarning)
        network.train(X, Y, epochs=3, verbose=False)
    unchanged = [name for name, p in network.named_parameters().items() if np.array_equal(p.numpy(), before[name])]
    assert unchanged == []
    assert network.parameter_count() == sum(p.size for p in before.values())


def test_the_summary_shows_the_nesting() -> None:
    text = repr(build_network(RESIDUAL_MLP))
    for row in (
        r"^1  Residual +x \+ f\(x\) +144 ",
        r"^ {5}layer: Sequential +2 layers +144 ",
        r"^ {7}layers\.1: DenseLayer +8 -> 8, linear +72 ",
        r"^2  Residual +projection\(x\) \+ f\(x\) +72 ",
        r"^ {5}projection: DenseLayer +8 -> 4, linear +36 ",
    ):
        assert re.search(row, text, re.MULTILINE), f"{row!r} not in\n{text}"


# -- gradients -------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_gradients_through_nested_blocks_match_finite_differences(engine: str) -> None:
    set_seed(3)
    block = Residual(
        Sequential(
            [
                DenseLayer(3, 4, activation_function="tanh"),
                Residual(DenseLayer(4, 4, activation_function="tanh")),
                {"type": "dense", "output_size": 2, "activation_function": "tanh"},
            ]
        )
    )
    params = block.named_parameters()
    assert list(params) == [
        "layer.layers.0.weights",
        "layer.layers.0.biases",
        "layer.layers.1.layer.weights",
        "layer.layers.1.layer.biases",
        "layer.layers.2.weights",
        "layer.layers.2.biases",
        "projection.weights",
        "projection.biases",
    ]
    names = list(params)

    def f(X: MLArray, *arrays: MLArray) -> MLArray:
        for name, array in zip(names, arrays, strict=True):
            replace(block, name, array)
        return block.forward(X)

    check_gradients(f, X, *[p.numpy() for p in params.values()], engine=engine)


# -- round trips -----------------------------------------------------------------


def test_a_composite_network_round_trips_through_a_dict_toml_and_json(tmp_path: Any) -> None:
    written = assert_round_trips(RESIDUAL_MLP, tmp_path)
    first_block = written["layers"][1]
    assert first_block["type"] == "residual" and "input_shape" not in first_block
    assert [table["input_size"] for table in first_block["layer"]["layers"]] == [8, 8]
    assert written["layers"][3]["input_size"] == 4


def test_a_trained_composite_network_predicts_the_same_after_save_and_load(tmp_path: Any) -> None:
    network = build_network(RESIDUAL_MLP)
    network.train(X, Y, epochs=3, verbose=False)
    network.save(tmp_path / "net.npz")
    set_seed(987654)
    loaded = load_network(tmp_path / "net.npz")
    assert_same_network(loaded, network, X)
    assert list(loaded.named_parameters()) == list(network.named_parameters())
    for name, param in network.named_parameters().items():
        assert_bitwise_equal(loaded.named_parameters()[name].numpy(), param.numpy(), name)
