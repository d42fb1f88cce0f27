"""train(): History, mini-batches, shuffling, reproducibility, validation, metrics in the logs, errors."""

from __future__ import annotations

import numpy as np
import pytest

from smolml_core import (
    ConfigError,
    History,
    NeuralNetwork,
    ShapeError,
    TrainingError,
    UnknownComponentError,
    get_rng,
    load_network,
    lookup,
    set_seed,
)
from smolml_std.layers import DenseLayer

from .training_helpers import XOR_X, XOR_Y, RowRecorder, blobs, classifier, same_weights

# -- the return value ------------------------------------------------------------------


def test_history_is_the_list_of_losses_with_the_logs_beside_it() -> None:
    net = classifier()
    history = net.train(XOR_X, XOR_Y, epochs=5, verbose=False)
    assert isinstance(history, History) and isinstance(history, list)
    assert len(history) == 5 and all(type(v) is float for v in history)
    assert history == history.history["loss"]
    assert list(history.history) == ["loss", "lr"]
    assert history.history["lr"] == [0.05] * 5
    assert (history.epochs, history.stopped_early, history.interrupted) == (5, False, False)
    assert net.history is history


def test_history_pads_a_value_that_appears_late_with_nan() -> None:
    history = History()
    history.record({"loss": 1.0})
    history.record({"loss": 0.5, "extra": 2.0})
    history.record({"loss": 0.25})
    assert history == [1.0, 0.5, 0.25]
    assert np.isnan(history.history["extra"][0]) and history.history["extra"][1] == 2.0
    assert np.isnan(history.history["extra"][2])
    assert history.best() == (3, 0.25)
    assert history.best("extra", mode="max") == (2, 2.0)


def test_the_printed_line_is_the_seeds_then_the_other_values(capsys) -> None:
    classifier().train(XOR_X, XOR_Y, epochs=4, print_every=2, validation_data=(XOR_X, XOR_Y), metrics=["accuracy"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("Epoch 4/4, Loss: ")
    assert ", accuracy: " in lines[1] and ", val_loss: " in lines[1] and ", val_accuracy: " in lines[1]
    assert "lr" not in lines[1]  # shown only when a schedule changes it


# -- mini-batches ----------------------------------------------------------------------


def recording_network() -> tuple[NeuralNetwork, RowRecorder]:
    recorder = RowRecorder()
    return NeuralNetwork([recorder, DenseLayer(1, 1)], "mse", {"type": "sgd", "learning_rate": 0.01}), recorder


def numbered_rows(rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Row i has the single feature i, so a recorder can tell which rows a batch held."""
    X = np.arange(rows, dtype=float).reshape(-1, 1)
    return X, X * 0.5


def test_mini_batches_have_the_asked_size_and_cover_every_row_once_per_epoch() -> None:
    net, recorder = recording_network()
    net.train(*numbered_rows(10), epochs=3, verbose=False, batch_size=4)
    assert [len(batch) for batch in recorder.seen] == [4, 4, 2] * 3
    for epoch in range(3):
        rows = [row for batch in recorder.seen[3 * epoch : 3 * epoch + 3] for row in batch]
        assert sorted(rows) == list(range(10))
    assert all(state["step"] == 9 for state in net.optimizer.state.values())  # one update per batch
    assert net.epochs_trained == 3


def test_shuffling_changes_the_order_every_epoch_and_can_be_turned_off() -> None:
    net, recorder = recording_network()
    net.train(*numbered_rows(12), epochs=3, verbose=False, batch_size=12 // 2)
    orders = [recorder.seen[2 * e] + recorder.seen[2 * e + 1] for e in range(3)]
    assert len({tuple(order) for order in orders}) == 3
    assert all(order != list(range(12)) for order in orders)

    net, recorder = recording_network()
    net.train(*numbered_rows(12), epochs=2, verbose=False, batch_size=5, shuffle=False)
    assert recorder.seen == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11]] * 2


def test_the_same_seed_gives_the_same_weights_bit_for_bit_with_mini_batches() -> None:
    X, y = blobs(50)
    runs = []
    for _ in range(2):
        set_seed(123)
        net = classifier()
        history = net.train(X, y, epochs=6, verbose=False, batch_size=8, validation_split=0.2, metrics=["accuracy"])
        runs.append((net.get_weights(), history.history))
    assert same_weights(runs[0][0], runs[1][0])
    assert runs[0][1] == runs[1][1]

    set_seed(124)
    other = classifier()
    other.train(X, y, epochs=6, verbose=False, batch_size=8, validation_split=0.2)
    assert not same_weights(runs[0][0], other.get_weights())


def test_a_run_saved_and_resumed_in_the_middle_matches_one_run_bit_for_bit(tmp_path) -> None:
    X, y = blobs(30)
    options = {"verbose": False, "batch_size": 7, "lr_schedule": "exponential_decay", "metrics": ["accuracy"]}
    set_seed(3)
    whole = classifier()
    whole.train(X, y, epochs=6, **options)
    set_seed(3)
    first = classifier()
    first.train(X, y, epochs=4, **options)
    first.save(tmp_path / "half.npz")
    set_seed(999)  # loading puts the generator back as it was when saved
    resumed = load_network(tmp_path / "half.npz")
    resumed.train(X, y, epochs=2, **options)
    assert same_weights(whole.get_weights(), resumed.get_weights())


def test_a_batch_as_large_as_the_data_is_full_batch_and_draws_nothing() -> None:
    set_seed(5)
    full = classifier().train(XOR_X, XOR_Y, epochs=5, verbose=False)
    set_seed(5)
    net = classifier()
    state = get_rng().bit_generator.state
    batched = net.train(XOR_X, XOR_Y, epochs=5, verbose=False, batch_size=4)
    assert batched == full
    assert get_rng().bit_generator.state == state


def test_the_epoch_loss_is_the_mean_over_the_batches_weighted_by_their_rows() -> None:
    X, y = numbered_rows(10)
    net = NeuralNetwork([DenseLayer(1, 1)], "mse", {"type": "sgd", "learning_rate": 1e-300})  # weights stay put
    expected = ((net.predict(X).numpy() - y) ** 2).mean()
    history = net.train(X, y, epochs=2, verbose=False, batch_size=3)
    assert history[0] == pytest.approx(expected, rel=1e-12)


def test_mini_batches_train_on_the_scalar_engine_too() -> None:
    set_seed(0)
    array_net = classifier(hidden=3)
    set_seed(0)
    scalar_net = classifier(hidden=3)
    scalar_net.set_engine("scalar")
    for net in (array_net, scalar_net):
        set_seed(9)
        net.train(XOR_X, XOR_Y, epochs=2, verbose=False, batch_size=3, metrics=["accuracy"])
    for a, s in zip(array_net.get_weights(), scalar_net.get_weights(), strict=True):
        assert np.allclose(a, s, rtol=1e-10, atol=1e-12)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_a_non_finite_loss_stops_at_the_batch_and_says_which() -> None:
    net = NeuralNetwork([DenseLayer(2, 1)], "mse", {"type": "sgd", "learning_rate": 1e6})
    X = np.array([[1e3, -1e3], [2e3, 5e2], [1.0, 1.0], [3e3, 1e3]])
    y = np.array([[1.0], [0.0], [1.0], [0.0]])
    with pytest.raises(TrainingError, match=r"^epoch \d+, batch \d/2: the loss became (inf|nan); .* those after "):
        net.train(X, y, epochs=50, verbose=False, batch_size=2, shuffle=False)
    assert np.all(np.isfinite(net.layers[0].weights.data))
    assert len(net.history) >= 0  # what was logged before the stop stays readable


@pytest.mark.parametrize("bad", [0, -2, 2.5, True, "8"])
def test_batch_size_must_be_a_whole_number(bad) -> None:
    with pytest.raises(ConfigError, match=r"^batch_size: must be a whole number >= 1"):
        classifier().train(XOR_X, XOR_Y, epochs=1, verbose=False, batch_size=bad)


def test_shuffle_must_be_true_or_false() -> None:
    with pytest.raises(ConfigError, match=r"^shuffle: must be True or False"):
        classifier().train(XOR_X, XOR_Y, epochs=1, verbose=False, batch_size=2, shuffle="yes")


# -- validation ------------------------------------------------------------------------


def test_validation_split_holds_out_the_last_rows_and_logs_val_values() -> None:
    net, recorder = recording_network()
    X, y = numbered_rows(10)
    history = net.train(X, y, epochs=2, verbose=False, validation_split=0.3, metrics=["mae"])
    assert recorder.seen[0] == list(range(7))  # the training forward pass
    assert recorder.seen[1] == [7, 8, 9]  # validation after the epoch
    assert list(history.history) == ["loss", "mae", "val_loss", "val_mae", "lr"]
    after = net.evaluate(X[7:], y[7:], metrics=["mae"])
    assert history.history["val_loss"][-1] == after["loss"]
    assert history.history["val_mae"][-1] == after["mae"]


def test_validation_data_is_measured_after_each_epochs_update() -> None:
    X, y = blobs(30)
    X_val, y_val = blobs(10, seed=2)
    net = classifier()
    history = net.train(X, y, epochs=3, verbose=False, validation_data=(X_val, y_val), metrics=["accuracy"])
    assert history.history["val_loss"][-1] == net.evaluate(X_val, y_val)["loss"]
    assert history.history["val_accuracy"][-1] == net.evaluate(X_val, y_val, ["accuracy"])["accuracy"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"validation_split": 1.0}, r"^validation_split: must be a fraction in \[0, 1\)"),
        ({"validation_split": -0.1}, r"^validation_split: must be a fraction"),
        ({"validation_split": "0.2"}, r"^validation_split: must be a fraction"),
        ({"validation_split": 0.1}, r"^validation_split: 0.1 of 4 rows leaves no validation rows"),
        ({"validation_split": 0.9}, r"^validation_split: 0.9 of 4 rows leaves no training rows"),
        ({"validation_split": 0.2, "validation_data": (XOR_X, XOR_Y)}, r"not both"),
        ({"validation_data": XOR_X}, r"^validation_data: must be a pair \(X_val, y_val\)"),
        ({"validation_data": (XOR_X[:, :1], XOR_Y)}, r"^validation_data: X_val has rows of shape \(1,\)"),
        ({"validation_data": (XOR_X, XOR_Y[:3])}, r"validation_data's X and y must have one row per sample"),
    ],
)
def test_bad_validation_arguments_are_refused_before_training(kwargs, message) -> None:
    net = classifier()
    before = net.get_weights()
    with pytest.raises((ConfigError, ShapeError), match=message):
        net.train(XOR_X, XOR_Y, epochs=1, verbose=False, **kwargs)
    assert same_weights(before, net.get_weights())


# -- metrics in the logs ----------------------------------------------------------------


def test_full_batch_training_metrics_measure_the_weights_the_epoch_started_with() -> None:
    net = classifier()
    before = net.predict(XOR_X).numpy()
    history = net.train(XOR_X, XOR_Y, epochs=1, verbose=False, metrics=["accuracy", "mse"])
    assert history.history["accuracy"] == [lookup("metric", "accuracy")(before, XOR_Y)]
    assert history.history["mse"][0] == lookup("metric", "mse")(before, XOR_Y)


def test_metrics_are_logged_by_registered_name_and_functions_by_their_own() -> None:
    def worst(y_pred, y_true):
        """max |y_pred - y_true|."""
        return float(np.max(np.abs(y_pred - y_true)))

    history = classifier().train(XOR_X, XOR_Y, epochs=2, verbose=False, metrics=["ACC", {"type": "r2_score"}, worst])
    assert list(history.history) == ["loss", "accuracy", "r2", "worst", "lr"]


def loss(y_pred, y_true):
    """A metric whose name the logs already use."""
    return 0.0


@pytest.mark.parametrize(
    ("metrics", "error", "message"),
    [
        (["acuracy"], UnknownComponentError, r"^metrics\[0\]: unknown metric 'acuracy' \(did you mean 'accuracy'\?\)"),
        (["mae", "mean_absolute_error"], ConfigError, r"^metrics\[1\]: the metric 'mae' is asked for twice"),
        ([loss], ConfigError, r"^metrics\[0\]: a metric cannot be called 'loss'"),
        (3, ConfigError, r"^metrics: must be a list of metric names"),
    ],
)
def test_bad_metrics_are_refused(metrics, error, message) -> None:
    with pytest.raises(error, match=message):
        classifier().train(XOR_X, XOR_Y, epochs=1, verbose=False, metrics=metrics)


def test_unknown_schedule_and_callback_names_suggest_the_right_one() -> None:
    with pytest.raises(UnknownComponentError, match=r"^lr_schedule: unknown schedule 'cosin' \(did you mean 'cosine'"):
        classifier().train(XOR_X, XOR_Y, epochs=1, verbose=False, lr_schedule="cosin")
    with pytest.raises(UnknownComponentError, match=r"^callbacks\[0\]: unknown callback 'csv_loger' \(did you mean"):
        classifier().train(XOR_X, XOR_Y, epochs=1, verbose=False, callbacks=["csv_loger"])
    with pytest.raises(ConfigError, match=r"^callbacks\[0\]: expected a callback"):
        classifier().train(XOR_X, XOR_Y, epochs=1, verbose=False, callbacks=[print])


# -- evaluate and predict ------------------------------------------------------------------


def test_evaluate_gives_the_loss_and_metrics_without_changing_anything() -> None:
    X, y = blobs(20)
    net = classifier()
    net.train(X, y, epochs=3, verbose=False)
    before = net.get_weights()
    result = net.evaluate(X, y, metrics=["accuracy", "mae"])
    assert list(result) == ["loss", "accuracy", "mae"]
    assert result["loss"] == net.loss_function(net.predict(X), y).item()
    assert result["accuracy"] == np.mean((net.predict(X).numpy() > 0.5) == (y > 0.5))
    assert same_weights(before, net.get_weights())
    for layer in net.layers:
        assert all(p._grad is None and p._node is None for p in layer.parameters().values())
    assert net.evaluate(X, y.ravel())["loss"] == result["loss"]  # flat targets for one output


def test_evaluate_refuses_mismatched_data() -> None:
    with pytest.raises(ShapeError, match="one row per sample"):
        classifier().evaluate(XOR_X, XOR_Y[:2])


def test_predict_proba_and_classes_for_a_sigmoid_output() -> None:
    X, y = blobs(20)
    net = classifier()
    net.train(X, y, epochs=30, verbose=False)
    proba = net.predict_proba(X)
    assert isinstance(proba, np.ndarray) and proba.shape == (20, 1)
    assert np.array_equal(proba, net.predict(X).numpy())
    classes = net.predict_classes(X)
    assert classes.shape == (20,) and classes.dtype == np.int64
    assert np.array_equal(classes, (proba[:, 0] > 0.5).astype(int))


def test_predict_proba_and_classes_for_a_softmax_output() -> None:
    net = classifier(outputs=3)
    proba = net.predict_proba(XOR_X)
    assert proba.shape == (4, 3) and np.allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(net.predict_classes(XOR_X), np.argmax(proba, axis=1))


def test_predict_proba_refuses_outputs_that_are_not_probabilities() -> None:
    net = NeuralNetwork([DenseLayer(2, 1)], "mse")
    net.layers[0].biases.data[...] = -3.0
    with pytest.raises(ConfigError, match=r"predict_proba needs outputs that are probabilities .* use predict\(\)"):
        net.predict_proba(XOR_X)
    assert np.array_equal(net.predict_classes(XOR_X), np.zeros(4, dtype=int))


def test_get_and_set_weights_are_exact_copies_on_both_engines() -> None:
    for engine in ("array", "scalar"):
        net = classifier(hidden=3)
        if engine == "scalar":
            net.set_engine("scalar")
        saved = net.get_weights()
        net.train(XOR_X, XOR_Y, epochs=2, verbose=False)
        assert not same_weights(saved, net.get_weights())
        net.set_weights(saved)
        assert same_weights(saved, net.get_weights())
        saved[0][0, 0] = 99.0  # a copy: changing it does not reach the network
        assert net.get_weights()[0][0, 0] != 99.0
    with pytest.raises(ShapeError, match="has 4 parameters but 1"):
        net.set_weights([np.zeros((2, 3))])
    with pytest.raises(ShapeError, match=r"weights\[0\] has shape \(3, 2\)"):
        net.set_weights([np.zeros((3, 2)), *saved[1:]])
