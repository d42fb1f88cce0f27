"""``flatten`` and ``reshape``: the numbers numpy's reshape gives, their gradients, and the shapes they refuse."""

from __future__ import annotations

import numpy as np
import pytest

from smolml_core import ConfigError, MLArray, ShapeError, build_network, reference, resolve
from smolml_core.testing import check_gradients
from smolml_std.layers import DenseLayer
from smolml_std.shaping import Flatten, Reshape

IMAGES = np.arange(2 * 3 * 4, dtype=np.float64).reshape(2, 3, 4)


def test_flatten_lays_each_sample_out_in_one_row() -> None:
    out = resolve("layer", "flatten")(MLArray(IMAGES))
    assert np.array_equal(out.numpy(), IMAGES.reshape(2, 12))


def test_flatten_leaves_rows_alone_and_keeps_an_empty_batch() -> None:
    rows = np.ones((5, 7))
    assert np.array_equal(Flatten()(MLArray(rows)).numpy(), rows)
    assert Flatten()(MLArray(np.ones((0, 3, 4)))).shape == (0, 12)


def test_reshape_keeps_the_sample_axis() -> None:
    out = resolve("layer", {"type": "reshape", "shape": [4, 3]})(MLArray(IMAGES))
    assert np.array_equal(out.numpy(), IMAGES.reshape(2, 4, 3))


def test_reshape_works_out_one_size() -> None:
    assert Reshape([2, -1])(MLArray(IMAGES)).shape == (2, 2, 6)
    assert Reshape([-1])(MLArray(IMAGES)).shape == (2, 12)


def test_flatten_undoes_reshape() -> None:
    X = np.random.default_rng(0).standard_normal((3, 64))
    assert np.array_equal(Flatten()(Reshape([1, 8, 8])(MLArray(X))).numpy(), X)


@pytest.mark.parametrize("engine", ["array", "scalar"])
def test_gradients_flow_through_both(engine: str) -> None:
    def f(x: MLArray) -> MLArray:
        return (Flatten()(Reshape([3, -1])(x)) * x.reshape(2, 12)).tanh()

    check_gradients(f, np.random.default_rng(1).standard_normal((2, 12)), engine=engine)


def test_reshape_refuses_a_size_that_does_not_fit_naming_both_shapes() -> None:
    with pytest.raises(ShapeError, match=r"samples of shape \(3, 4\) \(12 values\) into \[5, 2\] \(10 values\)"):
        Reshape([5, 2])(MLArray(IMAGES))
    with pytest.raises(ShapeError, match=r"samples of shape \(3, 4\) \(12 values\) into \[5, -1\]"):
        Reshape([5, -1])(MLArray(IMAGES))


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ([], "shape: must be a non-empty list"),
        (8, "shape: must be a non-empty list"),
        ([2, 0], r"shape\[1\]: must be a whole number >= 1, or -1"),
        ([2.0, 4], r"shape\[0\]: must be a whole number >= 1, or -1"),
        ([-1, 4, -1], "shape: may hold -1 only once"),
    ],
)
def test_reshape_refuses_a_bad_shape(shape: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Reshape(shape)  # type: ignore[arg-type]


def test_output_shapes() -> None:
    assert Flatten().output_shape((3, 4)) == (12,)
    assert Flatten().output_shape(None) is None
    assert Reshape([1, 8, 8]).output_shape(None) == (1, 8, 8)
    assert Reshape([1, 8, 8]).output_shape((64,)) == (1, 8, 8)
    assert Reshape([2, -1]).output_shape((12,)) == (2, 6)
    assert Reshape([2, -1]).output_shape(None) is None
    with pytest.raises(ShapeError, match=r"into \[1, 8, 8\]"):
        Reshape([1, 8, 8]).output_shape((63,))


def test_reshape_tells_its_input_width_when_it_can() -> None:
    assert Reshape([1, 8, 8]).input_size == 64
    assert Reshape([-1, 8]).input_size is None


def test_both_are_written_down_by_name() -> None:
    assert reference("layer", Flatten()) == "flatten"
    assert reference("layer", Reshape((1, 8, 8))) == {"type": "reshape", "shape": [1, 8, 8]}


def test_a_network_reshapes_and_flattens_on_the_way() -> None:
    network = build_network(
        {
            "layers": [
                {"type": "reshape", "shape": [2, 3]},
                "flatten",
                {"type": "dense", "input_size": 6, "output_size": 1},
            ],
            "loss_function": "mse",
        }
    )
    X = np.random.default_rng(2).standard_normal((4, 6))
    dense = network.layers[2]
    assert isinstance(dense, DenseLayer)
    expected = X @ dense.weights.numpy() + dense.biases.numpy()
    assert np.allclose(network.predict(X).numpy(), expected)
