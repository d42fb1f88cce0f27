"""Widths checked when a network is built, and the input_size a config may leave out."""

from __future__ import annotations

import pytest

from smolml_core import ConfigError, InputMismatch, Layer, ShapeError, ones
from smolml_std.layers import DenseLayer


class Doubler(Layer):
    """y = [X, X]: twice as many columns. It does not say what it outputs (no output_shape)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.gain = ones(1, size)


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
    assert isinstance(error, ConfigError) and (error.parameter, error.expected, error.actual) == ("input_size", 8, 16)
    error.came_from("layer 0 outputs 16").came_from("the data has 16 features")  # the nearest source is kept
    assert str(error.at("layers[1]")) == "layers[1].input_size: is 8, but layer 0 outputs 16; set input_size = 16"
