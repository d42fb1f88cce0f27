"""The vision layers as a network uses them: names, shapes worked out before data flows, errors, both engines."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from smolml_vision.layers import AvgPool2D, Conv2D, GlobalAvgPool2D, MaxPool2D

from smolml_core import (
    ConfigError,
    MLArray,
    Registry,
    ShapeError,
    build_network,
    load_config,
    load_network,
    lookup,
    set_seed,
)

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
rng = np.random.default_rng(1)

CNN = {
    "layers": [
        {"type": "reshape", "shape": [2, 6, 6]},
        {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": "same", "activation_function": "relu"},
        {"type": "max_pool2d"},
        {"type": "conv2d", "out_channels": 3, "kernel_size": [2, 3], "stride": 2, "padding": 1},
        {"type": "avg_pool2d", "kernel_size": 2, "stride": 1},
        {"type": "global_avg_pool2d"},
        {"type": "dense", "output_size": 2, "activation_function": "softmax"},
    ],
    "loss_function": "categorical_cross_entropy",
    "optimizer": {"type": "adam", "learning_rate": 0.01},
}


def test_the_layers_and_primitives_are_registered_by_the_vision_plugin(registry: Registry) -> None:
    ours = {(c.kind, c.name) for c in registry.components() if c.plugin == "vision"}
    assert ours == {
        ("layer", "conv2d"),
        ("layer", "max_pool2d"),
        ("layer", "avg_pool2d"),
        ("layer", "global_avg_pool2d"),
        ("primitive", "conv2d"),
        ("primitive", "max_pool2d"),
        ("primitive", "avg_pool2d"),
    }
    assert lookup("layer", "conv2d") is Conv2D


def test_a_network_works_out_every_shape_and_the_channels_of_each_convolution() -> None:
    network = build_network(CNN)
    layers = network.to_config()["layers"]
    assert [layer.get("in_channels") for layer in layers[1:4:2]] == [2, 4]
    conv = network.layers[3]
    assert conv.output_shape((4, 3, 3)) == (3, 2, 2)  # (3 + 2 - 2) // 2 + 1, (3 + 2 - 3) // 2 + 1
    assert network.layers[1].output_shape((2, 6, 6)) == (4, 6, 6)
    assert network.layers[2].output_shape((4, 6, 6)) == (4, 3, 3)
    assert network.layers[5].output_shape((3, 5, 4)) == (3,)
    X = rng.normal(size=(5, 72))
    assert network.predict(X).shape == (5, 2)


def test_a_network_of_vision_layers_learns_saves_and_loads(tmp_path: Path) -> None:
    network = build_network(CNN)
    X = rng.normal(size=(32, 72))
    Y = np.eye(2)[(X[:, :36].sum(axis=1) > 0).astype(int)]
    history = network.train(X, Y, epochs=15, batch_size=8, verbose=False)
    assert history[-1] < history[0]
    network.save(tmp_path / "cnn.npz")
    restored = load_network(tmp_path / "cnn.npz")
    assert restored.to_config() == network.to_config()
    assert np.array_equal(restored.predict(X).numpy(), network.predict(X).numpy())


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "expected"),
    [(8, 3, 1, 8), (8, 2, 1, 8), (7, 3, 2, 4), (8, 3, 2, 4), (5, 4, 3, 2)],
)
def test_same_padding_gives_ceil_size_over_stride(size: int, kernel: int, stride: int, expected: int) -> None:
    conv = Conv2D(1, 1, kernel_size=kernel, stride=stride, padding="same")
    assert conv.output_shape((1, size, size)) == (1, expected, expected)
    assert conv.forward(MLArray(rng.normal(size=(2, 1, size, size)))).shape == (2, 1, expected, expected)


def test_weights_and_biases_are_laid_out_as_in_pytorch_and_drawn_with_kernel_fans() -> None:
    set_seed(0)
    conv = Conv2D(16, 32, kernel_size=3, weight_initializer="he")
    assert conv.weights.shape == (32, 16, 3, 3) and conv.biases.shape == (32,)
    assert not conv.biases.numpy().any()
    # He: standard deviation sqrt(2 / fan_in), fan_in = in_channels * kh * kw = 144
    assert conv.weights.numpy().std() == pytest.approx(np.sqrt(2 / 144), rel=0.05)
    limit = np.sqrt(6 / (144 + 32))  # Xavier uniform: sqrt(6 / (fan_in + fan_out))
    assert np.abs(Conv2D(16, 32, kernel_size=3).weights.numpy()).max() == pytest.approx(limit, rel=0.02)


def test_the_wrong_number_of_channels_is_named() -> None:
    layers = [{"type": "reshape", "shape": [2, 4, 4]}, {"type": "conv2d", "in_channels": 3, "out_channels": 1}]
    with pytest.raises(ConfigError, match="in_channels = 2"):
        build_network({"layers": layers, "loss_function": "mse"})
    with pytest.raises(ShapeError, match="expected 3 input channels"):
        Conv2D(3, 1).forward(MLArray(np.zeros((1, 2, 4, 4))))


@pytest.mark.parametrize("layer", [Conv2D(1, 1), MaxPool2D(), AvgPool2D(), GlobalAvgPool2D()], ids=type)
def test_flat_rows_are_refused_with_the_layer_to_put_before(layer) -> None:
    with pytest.raises(ShapeError, match="reshape layer"):
        layer.forward(MLArray(np.zeros((2, 64))))
    with pytest.raises(ShapeError, match="reshape layer"):
        layer.output_shape((64,))


def test_a_kernel_larger_than_the_image_is_a_shape_error() -> None:
    with pytest.raises(ShapeError, match="does not fit"):
        Conv2D(1, 1, kernel_size=5).output_shape((1, 4, 4))
    with pytest.raises(ShapeError, match="does not fit"):
        MaxPool2D(3).forward(MLArray(np.zeros((1, 1, 2, 2))))


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ({"padding": "full"}, "same"),
        ({"padding": -1}, "same"),
        ({"kernel_size": [2, 2, 2]}, "list of two"),
        ({"kernel_size": 0}, "kernel_size"),
        ({"stride": 0}, "stride"),
    ],
)
def test_bad_parameters_are_config_errors(parameters: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Conv2D(1, 1, **parameters)


def test_pool_padding_is_at_most_half_the_kernel() -> None:
    with pytest.raises(ConfigError, match="half the kernel"):
        MaxPool2D(2, padding=2)
    with pytest.raises(ConfigError, match="half the kernel"):
        AvgPool2D([2, 4], padding=[2, 1])
    assert MaxPool2D([2, 4], padding=[1, 2]).padding == (1, 1, 2, 2)  # each axis against its own kernel size


def test_the_scalar_engine_trains_a_tiny_conv_net_as_the_array_engine_does() -> None:
    """One 2x2 kernel on 3x3 images: every weight's gradient followed through Value objects, to 1e-10."""
    config = {
        "layers": [
            {"type": "reshape", "shape": [1, 3, 3]},
            {"type": "conv2d", "out_channels": 1, "kernel_size": 2, "activation_function": "tanh"},
            {"type": "flatten"},
            {"type": "dense", "output_size": 1},
        ],
        "loss_function": "mse",
        "optimizer": {"type": "sgd", "learning_rate": 0.1},
    }
    X = rng.normal(size=(6, 9))
    y = X[:, :1] - X[:, 8:]
    set_seed(3)
    array = build_network(config)
    set_seed(3)
    scalar = build_network(config)
    scalar.set_engine("scalar")
    assert scalar.engine == "scalar"
    losses = [net.train(X, y, epochs=5, batch_size=3, verbose=False, shuffle=False) for net in (array, scalar)]
    np.testing.assert_allclose(losses[1], losses[0], rtol=0, atol=1e-10)
    for a, s in zip(array.get_weights(), scalar.get_weights(), strict=True):
        np.testing.assert_allclose(s, a, rtol=0, atol=1e-10)
    assert losses[0][-1] < losses[0][0]


def test_the_example_config_builds() -> None:
    config = load_config(EXAMPLES / "digits_cnn.toml")
    network = build_network(config["network"])
    assert network.predict(rng.normal(size=(3, 64))).shape == (3, 10)
