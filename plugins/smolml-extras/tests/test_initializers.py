"""The orthogonal initializer: orthogonality for every shape, the gain, the sign correction, seeding."""

from __future__ import annotations

import numpy as np
import pytest

from smolml_core import ConfigError, ShapeError, build_network, lookup, resolve, set_seed


@pytest.mark.parametrize("shape", [(5, 5), (16, 3), (3, 16), (1, 7), (7, 1)])
@pytest.mark.parametrize("gain", [1.0, 0.5, 2.0])
def test_orthogonal_rows_or_columns(shape: tuple[int, int], gain: float) -> None:
    W = resolve("initializer", {"type": "orthogonal", "gain": gain}).sample(shape, np.random.default_rng(0))
    rows, cols = shape
    assert W.shape == shape
    if rows >= cols:  # tall: orthonormal columns, W^T W = gain^2 I
        np.testing.assert_allclose(W.T @ W, gain**2 * np.eye(cols), atol=1e-12)
    if rows <= cols:  # wide: orthonormal rows, W W^T = gain^2 I
        np.testing.assert_allclose(W @ W.T, gain**2 * np.eye(rows), atol=1e-12)
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), gain, rtol=1e-12)


def test_orthogonal_is_the_sign_corrected_q_of_a_gaussian_from_the_rng() -> None:
    W = lookup("initializer", "orthogonal")().sample((6, 4), np.random.default_rng(42))
    A = np.random.default_rng(42).standard_normal((6, 4))
    q, r = np.linalg.qr(A)
    np.testing.assert_allclose(W, q * np.sign(np.diag(r)), rtol=1e-14)
    # with the correction, R's diagonal is positive: W^T A is upper triangular with a positive diagonal
    assert np.all(np.diag(W.T @ A) > 0)


def test_orthogonal_of_more_axes_flattens_all_but_the_first() -> None:
    W = resolve("initializer", "orthogonal").sample((3, 2, 4), np.random.default_rng(0))
    flat = W.reshape(3, 8)
    np.testing.assert_allclose(flat @ flat.T, np.eye(3), atol=1e-12)


def test_orthogonal_follows_the_seed_through_initialize() -> None:
    init = resolve("initializer", "orthogonal")
    set_seed(9)
    first = init.initialize(4, 6)
    set_seed(9)
    assert np.array_equal(init.initialize(4, 6).numpy(), first.numpy())
    assert first.requires_grad and first.is_leaf


def test_orthogonal_refuses_a_vector() -> None:
    with pytest.raises(
        ShapeError, match=r"orthogonal needs a weight of at least 2 axes \(a matrix\), got shape \(5,\)"
    ):
        resolve("initializer", "orthogonal").sample((5,), np.random.default_rng(0))


@pytest.mark.parametrize("gain", [0.0, -1.0, float("inf")])
def test_orthogonal_gain_is_checked(gain: float) -> None:
    with pytest.raises(ConfigError, match="gain: must be a finite number > 0"):
        resolve("initializer", {"type": "orthogonal", "gain": gain})


def test_a_dense_layer_starts_orthogonal_by_name() -> None:
    network = build_network(
        {
            "layers": [
                {
                    "type": "dense",
                    "input_size": 8,
                    "output_size": 4,
                    "weight_initializer": {"type": "orthogonal", "gain": 1.5},
                }
            ],
            "loss_function": "mse",
        }
    )
    W = network.layers[0].weights.numpy()
    np.testing.assert_allclose(W.T @ W, 2.25 * np.eye(4), atol=1e-12)
    assert network.to_config()["layers"][0]["weight_initializer"] == {"type": "orthogonal", "gain": 1.5}
