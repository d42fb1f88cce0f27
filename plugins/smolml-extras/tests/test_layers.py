"""Dropout, layer_norm and batch_norm: behaviour in and out of training, statistics, gradients, errors."""

from __future__ import annotations

import numpy as np
import pytest

from smolml_core import (
    ConfigError,
    MLArray,
    NeuralNetwork,
    ShapeError,
    build_network,
    get_rng,
    no_grad,
    resolve,
    set_seed,
    training_mode,
)
from smolml_core.testing import check_gradients

rng = np.random.default_rng(7)
BATCH = rng.normal(loc=3.0, scale=2.0, size=(6, 4))


def layer(config: dict[str, object]) -> object:
    return resolve("layer", config)


# -- dropout -----------------------------------------------------------------------


def test_dropout_is_the_identity_outside_training() -> None:
    dropout = layer({"type": "dropout", "rate": 0.5})
    X = MLArray(BATCH)
    assert dropout(X) is X
    with training_mode(False):
        assert dropout(X) is X


def test_dropout_zeroes_about_rate_of_the_inputs_and_scales_the_rest() -> None:
    dropout = layer({"type": "dropout", "rate": 0.3})
    with training_mode():
        out = dropout(MLArray(np.ones((200, 500)))).numpy()
    dropped = out == 0.0
    assert abs(dropped.mean() - 0.3) < 0.01  # 100,000 draws: the standard error is 0.0015
    np.testing.assert_allclose(out[~dropped], 1 / 0.7, rtol=1e-15)
    assert abs(out.mean() - 1.0) < 0.01  # E[y] = x: inverted dropout keeps the mean


def test_dropout_repeats_under_a_seed_and_differs_between_steps() -> None:
    dropout = layer({"type": "dropout", "rate": 0.5})
    X = MLArray(BATCH)
    with training_mode():
        set_seed(11)
        first, second = dropout(X).numpy(), dropout(X).numpy()
        set_seed(11)
        again = dropout(X).numpy()
    assert np.array_equal(first, again)
    assert not np.array_equal(first, second)


def test_dropout_rate_zero_changes_nothing_even_in_training() -> None:
    dropout = layer({"type": "dropout", "rate": 0.0})
    X = MLArray(BATCH)
    with training_mode():
        assert dropout(X) is X


def test_dropout_gradient_is_the_scaled_mask(engine: str) -> None:
    dropout = layer({"type": "dropout", "rate": 0.25})

    def forward(x: MLArray) -> MLArray:
        set_seed(5)  # the same mask on every call, so finite differences see one function
        with training_mode():
            return dropout(x)

    check_gradients(forward, BATCH, engine=engine)
    x = MLArray(BATCH, engine=engine)
    forward(x).sum().backward()
    mask = forward(MLArray(np.ones_like(BATCH))).numpy()
    np.testing.assert_allclose(x.grad().numpy(), mask)
    assert set(np.unique(mask)) == {0.0, 1 / 0.75}


def test_dropout_keeps_float32() -> None:
    with training_mode():
        out = layer({"type": "dropout", "rate": 0.5})(MLArray(BATCH, dtype=np.float32))
    assert out.dtype == np.float32


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, float("nan")])
def test_dropout_rate_must_be_in_0_1(rate: object) -> None:
    with pytest.raises(ConfigError, match=r"rate: must be a number in \[0, 1\)"):
        layer({"type": "dropout", "rate": rate})


def test_dropout_rate_of_the_wrong_type_is_refused_by_its_annotation() -> None:
    with pytest.raises(ConfigError, match=r"rate: must be a number \(float\), got True \(bool\)"):
        layer({"type": "dropout", "rate": True})


def test_a_network_with_dropout_predicts_deterministically_and_learns() -> None:
    network = build_network(
        {
            "layers": [
                {"type": "dense", "input_size": 2, "output_size": 16, "activation_function": "relu"},
                {"type": "dropout", "rate": 0.2},
                {"type": "dense", "input_size": 16, "output_size": 1, "activation_function": "sigmoid"},
            ],
            "loss_function": "bce",
            "optimizer": {"type": "adam", "learning_rate": 0.05},
        }
    )
    X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    y = [[0.0], [1.0], [1.0], [0.0]]
    losses = network.train(X, y, epochs=300, verbose=False)
    assert np.array_equal(network.predict(X).numpy(), network.predict(X).numpy())
    assert losses[-1] < losses[0]
    assert network.predict_classes(X).tolist() == [0, 1, 1, 0]


def test_replayed_training_draws_a_fresh_mask_every_step_exactly_as_eager_training() -> None:
    """Eager steps draw a new mask each time; a replayed run that reused one would end elsewhere."""

    def trained(replay: bool) -> tuple[NeuralNetwork, float]:
        set_seed(3)
        network = build_network(
            {
                "layers": [
                    {"type": "dense", "input_size": 4, "output_size": 8, "activation_function": "relu"},
                    {"type": "dropout", "rate": 0.5},
                    {"type": "dense", "input_size": 8, "output_size": 1, "activation_function": "linear"},
                ],
                "loss_function": "mse",
                "optimizer": "sgd",
            }
        )
        network.train(BATCH, BATCH[:, :1], epochs=10, verbose=False, batch_size=3, replay=replay)
        return network, float(get_rng().random())  # where the generator stands afterwards

    replayed, next_replayed = trained(True)
    eager, next_eager = trained(False)
    assert replayed.history.replay.replayed == 18  # type: ignore[union-attr]  # 20 steps, 2 watched
    assert next_replayed == next_eager
    for a, b in zip(replayed.get_weights(), eager.get_weights(), strict=True):
        assert np.array_equal(a, b)


def test_dropout_inside_a_sequential_sees_training_mode() -> None:
    block = layer(
        {
            "type": "sequential",
            "layers": [{"type": "dense", "input_size": 4, "output_size": 400}, {"type": "dropout", "rate": 0.5}],
        }
    )
    X = MLArray(BATCH)
    dense = block.layers[0]  # type: ignore[attr-defined]
    assert np.array_equal(block(X).numpy(), dense(X).numpy())
    with training_mode():
        out = block(X).numpy()
    dropped = out == 0.0
    assert 0.45 < dropped.mean() < 0.55  # 2,400 draws: the standard error is 0.01
    np.testing.assert_allclose(out[~dropped], 2 * dense(X).numpy()[~dropped], rtol=1e-15)


# -- layer_norm --------------------------------------------------------------------


def test_layer_norm_gives_each_row_mean_0_and_variance_1() -> None:
    out = layer({"type": "layer_norm", "size": 4})(MLArray(BATCH)).numpy()
    np.testing.assert_allclose(out.mean(axis=1), 0.0, atol=1e-12)
    variance = BATCH.var(axis=1, keepdims=True)
    np.testing.assert_allclose(out.var(axis=1), (variance / (variance + 1e-5)).ravel(), rtol=1e-12)


def test_layer_norm_matches_the_formula_with_learned_gamma_and_beta(engine: str) -> None:
    norm = layer({"type": "layer_norm", "size": 4, "epsilon": 1e-3})
    assert norm.gamma.to_list() == [1.0] * 4 and norm.beta.to_list() == [0.0] * 4
    gamma, beta = rng.normal(size=4), rng.normal(size=4)
    norm.gamma.data[...] = gamma
    norm.beta.data[...] = beta
    out = norm(MLArray(BATCH, engine=engine)).numpy()
    mean, variance = BATCH.mean(axis=1, keepdims=True), BATCH.var(axis=1, keepdims=True)
    np.testing.assert_allclose(out, gamma * (BATCH - mean) / np.sqrt(variance + 1e-3) + beta, rtol=1e-12)


def test_layer_norm_does_not_depend_on_the_other_rows_or_the_mode() -> None:
    norm = layer({"type": "layer_norm", "size": 4})
    whole = norm(MLArray(BATCH)).numpy()
    with training_mode():
        assert np.array_equal(norm(MLArray(BATCH[2:3])).numpy(), whole[2:3])


def test_layer_norm_gradients(engine: str) -> None:
    norm = layer({"type": "layer_norm", "size": 4})
    gamma, beta = rng.normal(size=4), rng.normal(size=4)

    def forward(x: MLArray, g: MLArray, b: MLArray) -> MLArray:
        norm.gamma, norm.beta = g, b
        return norm(x)

    check_gradients(forward, BATCH, gamma, beta, engine=engine)


def test_layer_norm_of_equal_features_is_beta() -> None:
    norm = layer({"type": "layer_norm", "size": 3})
    norm.beta.data[...] = [0.5, -1.0, 2.0]
    x = MLArray([[7.0, 7.0, 7.0]])
    out = norm(x)
    assert out.to_list() == [[0.5, -1.0, 2.0]]
    out.sum().backward()  # epsilon keeps the square root away from 0
    assert np.all(np.isfinite(x.grad().numpy()))


def test_layer_norm_refuses_the_wrong_width() -> None:
    norm = layer({"type": "layer_norm", "size": 4})
    with pytest.raises(ShapeError) as error:
        norm(MLArray(np.ones((2, 3))))
    assert str(error.value) == (
        "layer_norm expected 4 features per sample, i.e. shape (n_samples, 4), but the input has 3 "
        "(shape (2, 3)); set size to the width of the layer before it"
    )


def test_a_network_names_the_layer_that_got_the_wrong_width() -> None:
    network = build_network(
        {
            "layers": [
                {"type": "dense", "input_size": 2, "output_size": 5},
                {"type": "layer_norm", "size": 4},
            ],
            "loss_function": "mse",
        }
    )
    with pytest.raises(ShapeError, match=r"layer 1 \(.*\) cannot take input of shape \(1, 5\): layer_norm expected 4"):
        network.predict([[1.0, 2.0]])


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"size": 0}, "size: must be a whole number >= 1, got 0"),
        ({"size": 4, "epsilon": 0.0}, "epsilon: must be a finite number > 0, got 0.0"),
        ({"size": 4, "dtype": "int32"}, "dtype: must be 'float64' or 'float32', got 'int32'"),
    ],
)
def test_layer_norm_parameters_are_checked(config: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        layer({"type": "layer_norm", **config})
    assert message in str(error.value)


def test_layer_norm_in_float32() -> None:
    norm = layer({"type": "layer_norm", "size": 4, "dtype": "float32"})
    assert norm.gamma.dtype == np.float32
    assert norm(MLArray(BATCH, dtype=np.float32)).dtype == np.float32


# -- batch_norm --------------------------------------------------------------------


def test_batch_norm_normalises_each_feature_over_the_batch_while_training(engine: str) -> None:
    norm = layer({"type": "batch_norm", "size": 4})
    with training_mode():
        out = norm(MLArray(BATCH, engine=engine)).numpy()
    mean, variance = BATCH.mean(axis=0), BATCH.var(axis=0)
    np.testing.assert_allclose(out, (BATCH - mean) / np.sqrt(variance + 1e-5), rtol=1e-12)
    # running statistics: 0.9 of the start (0 and 1) plus 0.1 of the batch's, the variance unbiased
    np.testing.assert_allclose(norm.running_mean.numpy(), 0.1 * mean, rtol=1e-12)
    np.testing.assert_allclose(norm.running_var.numpy(), 0.9 + 0.1 * BATCH.var(axis=0, ddof=1), rtol=1e-12)


def test_batch_norm_uses_the_running_statistics_outside_training() -> None:
    norm = layer({"type": "batch_norm", "size": 4, "momentum": 0.5})
    with training_mode():
        for _ in range(3):
            norm(MLArray(BATCH))
    running_mean, running_var = norm.running_mean.numpy(), norm.running_var.numpy()
    expected_mean = (1 - 0.5**3) * BATCH.mean(axis=0)
    expected_var = 0.5**3 + (1 - 0.5**3) * BATCH.var(axis=0, ddof=1)
    np.testing.assert_allclose(running_mean, expected_mean, rtol=1e-12)
    np.testing.assert_allclose(running_var, expected_var, rtol=1e-12)
    one_row = norm(MLArray(BATCH[:1])).numpy()
    np.testing.assert_allclose(one_row, (BATCH[:1] - running_mean) / np.sqrt(running_var + 1e-5), rtol=1e-12)
    assert np.array_equal(norm.running_mean.numpy(), running_mean)  # prediction leaves them alone


def test_batch_norm_statistics_are_state_not_parameters() -> None:
    norm = layer({"type": "batch_norm", "size": 4})
    assert list(norm.parameters()) == ["gamma", "beta"]
    assert not norm.running_mean.requires_grad and not norm.running_var.requires_grad


def test_batch_norm_gradients_while_training(engine: str) -> None:
    norm = layer({"type": "batch_norm", "size": 4})
    gamma, beta = rng.normal(size=4), rng.normal(size=4)

    def forward(x: MLArray, g: MLArray, b: MLArray) -> MLArray:
        norm.gamma, norm.beta = g, b
        with training_mode():
            return norm(x)

    check_gradients(forward, BATCH, gamma, beta, engine=engine)


def test_batch_norm_needs_two_rows_while_training() -> None:
    norm = layer({"type": "batch_norm", "size": 4})
    with training_mode(), pytest.raises(ShapeError, match="batch_norm needs at least 2 rows per batch while training"):
        norm(MLArray(BATCH[:1]))
    norm(MLArray(BATCH[:1]))  # one row is fine for prediction


def test_batch_norm_refuses_the_wrong_width() -> None:
    with pytest.raises(ShapeError, match=r"batch_norm expected 4 features per sample.*has 2 \(shape \(6, 2\)\)"):
        layer({"type": "batch_norm", "size": 4})(MLArray(BATCH[:, :2]))


@pytest.mark.parametrize("momentum", [-0.1, 1.0])
def test_batch_norm_momentum_is_checked(momentum: float) -> None:
    with pytest.raises(ConfigError, match=r"momentum: must be a number in \[0, 1\)"):
        layer({"type": "batch_norm", "size": 4, "momentum": momentum})


def test_batch_norm_running_statistics_survive_save_and_load(tmp_path: object) -> None:
    network = build_network(
        {
            "layers": [
                {"type": "dense", "input_size": 4, "output_size": 8, "activation_function": "relu"},
                {"type": "batch_norm", "size": 8},
                {"type": "dense", "input_size": 8, "output_size": 1},
            ],
            "loss_function": "mse",
            "optimizer": {"type": "adamw", "learning_rate": 0.01},
        }
    )
    y = BATCH.sum(axis=1, keepdims=True)
    network.train(BATCH, y, epochs=5, batch_size=3, verbose=False)
    norm = network.layers[1]
    assert not np.allclose(norm.running_mean.numpy(), 0.0)
    path = tmp_path / "net.npz"  # type: ignore[operator]
    network.save(path)
    restored = NeuralNetwork.load(path)
    assert np.array_equal(restored.layers[1].running_mean.numpy(), norm.running_mean.numpy())
    assert np.array_equal(restored.layers[1].running_var.numpy(), norm.running_var.numpy())
    assert np.array_equal(restored.predict(BATCH).numpy(), network.predict(BATCH).numpy())


def test_batch_norm_inside_a_residual_block_keeps_its_statistics_through_save_and_load(tmp_path: object) -> None:
    network = build_network(
        {
            "layers": [
                {"type": "dense", "input_size": 4, "output_size": 8, "activation_function": "relu"},
                {
                    "type": "residual",
                    "layer": {
                        "type": "sequential",
                        "layers": [{"type": "dense", "output_size": 8}, {"type": "batch_norm", "size": 8}],
                    },
                },
                {"type": "dense", "output_size": 1},
            ],
            "loss_function": "mse",
            "optimizer": {"type": "adamw", "learning_rate": 0.01},
        }
    )
    network.train(BATCH, BATCH.sum(axis=1, keepdims=True), epochs=5, batch_size=3, verbose=False)
    norm = network.layers[1].layer.layers[1]  # type: ignore[attr-defined]
    assert not np.allclose(norm.running_mean.numpy(), 0.0)
    path = tmp_path / "net.npz"  # type: ignore[operator]
    network.save(path)
    restored = NeuralNetwork.load(path)
    again = restored.layers[1].layer.layers[1]  # type: ignore[attr-defined]
    assert np.array_equal(again.running_mean.numpy(), norm.running_mean.numpy())
    assert np.array_equal(again.running_var.numpy(), norm.running_var.numpy())
    assert np.array_equal(restored.predict(BATCH).numpy(), network.predict(BATCH).numpy())


def test_layers_work_in_a_network_on_the_scalar_engine() -> None:
    config = {
        "layers": [
            {"type": "dense", "input_size": 4, "output_size": 3, "activation_function": "gelu"},
            {"type": "batch_norm", "size": 3},
            {"type": "dense", "input_size": 3, "output_size": 3, "activation_function": "swish"},
            {"type": "layer_norm", "size": 3},
            {"type": "dropout", "rate": 0.3},
            {"type": "dense", "input_size": 3, "output_size": 1},
        ],
        "loss_function": "mse",
        "optimizer": {"type": "rmsprop", "learning_rate": 0.01},
    }
    y = BATCH.sum(axis=1, keepdims=True)
    results = []
    for engine in ("array", "scalar"):
        set_seed(3)
        network = build_network({**config, "engine": engine})
        losses = network.train(BATCH, y, epochs=3, verbose=False)
        with no_grad():
            results.append((list(losses), network.get_weights(), network.predict(BATCH).numpy()))
    (losses_a, weights_a, out_a), (losses_s, weights_s, out_s) = results
    np.testing.assert_allclose(losses_s, losses_a, rtol=1e-10)
    for w_s, w_a in zip(weights_s, weights_a, strict=True):
        np.testing.assert_allclose(w_s, w_a, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(out_s, out_a, rtol=1e-10, atol=1e-12)
