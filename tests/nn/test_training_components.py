"""Metrics, schedules and callbacks: every registered one against a hand computation, early stopping, plugins.

Metrics and schedules are enumerated from the registry, so one a plugin adds
must be given a hand computation here before the suite passes again.
"""

from __future__ import annotations

import csv
import math
from importlib.metadata import EntryPoint
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import r2_score

from smolml_core import (
    Callback,
    ConfigError,
    EarlyStopping,
    NeuralNetwork,
    Registry,
    Schedule,
    ShapeError,
    hookimpl,
    lookup,
    resolve,
    use_registry,
)
from smolml_core.registry.loader import installed_entry_points
from smolml_std.layers import DenseLayer

from ..registry.fakes import FakeDistribution, FakeEntryPoint, plugin_module
from .training_helpers import XOR_X, XOR_Y, Recorder, blobs, classifier, same_weights

_STANDARD = Registry(entry_points=installed_entry_points())


def names(kind: str) -> list[str]:
    return _STANDARD.names(kind)


# -- metrics ---------------------------------------------------------------------------


def by_hand(name: str, y_pred: np.ndarray, y_true: np.ndarray) -> float:
    """Each standard metric written out with loops, independently of the plugin."""
    rows = [list(map(float, r)) for r in y_pred.reshape(len(y_pred), -1)]
    truth = [list(map(float, r)) for r in y_true.reshape(len(y_true), -1)]
    cells = [(p, t) for pr, tr in zip(rows, truth, strict=True) for p, t in zip(pr, tr, strict=True)]
    if name == "accuracy":
        if len(rows[0]) == 1:
            right = [(pr[0] > 0.5) == (tr[0] > 0.5) for pr, tr in zip(rows, truth, strict=True)]
        else:
            right = [pr.index(max(pr)) == tr.index(max(tr)) for pr, tr in zip(rows, truth, strict=True)]
        return sum(right) / len(right)
    if name == "mse":
        return sum((p - t) ** 2 for p, t in cells) / len(cells)
    if name == "mae":
        return sum(abs(p - t) for p, t in cells) / len(cells)
    if name == "rmse":
        return math.sqrt(sum((p - t) ** 2 for p, t in cells) / len(cells))
    if name == "r2":
        scores = []
        for col in range(len(rows[0])):
            t = [r[col] for r in truth]
            p = [r[col] for r in rows]
            mean = sum(t) / len(t)
            scores.append(1 - sum((a - b) ** 2 for a, b in zip(t, p, strict=True)) / sum((a - mean) ** 2 for a in t))
        return sum(scores) / len(scores)
    raise AssertionError(f"no hand computation for the metric {name!r}; add one to by_hand")


STANDARD_METRICS = {"accuracy", "mse", "mae", "rmse", "r2"}

RNG = np.random.default_rng(11)
CASES = {
    "one column, probabilities and 0/1 targets": (RNG.uniform(size=(9, 1)), RNG.integers(0, 2, (9, 1)).astype(float)),
    "three columns, softmax rows and one-hot targets": (
        RNG.dirichlet(np.ones(3), size=8),
        np.eye(3)[RNG.integers(0, 3, 8)],
    ),
    "two columns of regression": (RNG.normal(size=(7, 2)), RNG.normal(size=(7, 2))),
}


def test_every_registered_metric_has_a_hand_computation() -> None:
    assert set(names("metric")) >= STANDARD_METRICS
    for name in names("metric"):
        by_hand(name, *CASES["two columns of regression"])  # raises for a metric nobody wrote out


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
@pytest.mark.parametrize("name", names("metric"))
def test_every_registered_metric_matches_its_hand_computation(name: str, case: str) -> None:
    y_pred, y_true = CASES[case]
    value = lookup("metric", name)(y_pred, y_true)
    assert type(value) is float
    assert value == pytest.approx(by_hand(name, y_pred, y_true), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("name", names("metric"))
def test_every_registered_metric_refuses_mismatched_shapes(name: str) -> None:
    with pytest.raises(ShapeError, match=name):
        lookup("metric", name)(np.zeros((4, 2)), np.zeros((4, 3)))


def test_accuracy_takes_integer_labels_for_several_columns() -> None:
    proba = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3]])
    assert lookup("metric", "accuracy")(proba, np.array([0, 2, 2])) == 2 / 3


def test_r2_agrees_with_scikit_learn_and_handles_constant_targets() -> None:
    y_pred, y_true = CASES["two columns of regression"]
    assert lookup("metric", "r2")(y_pred, y_true) == pytest.approx(r2_score(y_true, y_pred), rel=1e-12)
    constant = np.ones((3, 1))
    assert lookup("metric", "r2")(constant, constant) == 1.0
    assert lookup("metric", "r2")(constant * 2, constant) == 0.0


# -- schedules -------------------------------------------------------------------------

SCHEDULES: dict[str, tuple[dict[str, Any], Any]] = {
    "constant": ({}, lambda epoch, lr: lr),
    "step_decay": ({"every": 3, "factor": 0.1}, lambda epoch, lr: lr * 0.1 ** (epoch // 3)),
    "exponential_decay": ({"decay_rate": 0.9}, lambda epoch, lr: lr * 0.9**epoch),
    "cosine": (
        {"epochs": 10, "min_lr": 0.001},
        lambda epoch, lr: 0.001 + (lr - 0.001) * (1 + math.cos(math.pi * min(epoch, 10) / 10)) / 2,
    ),
}


def test_every_registered_schedule_has_expected_values() -> None:
    assert set(SCHEDULES) == set(names("schedule")), "add the new schedule's formula to SCHEDULES"


@pytest.mark.parametrize("name", names("schedule"))
def test_every_registered_schedule_gives_its_formulas_rates(name: str) -> None:
    params, formula = SCHEDULES[name]
    schedule = resolve("schedule", {"type": name, **params})
    assert isinstance(schedule, Schedule)
    rates = [schedule(epoch, 0.5) for epoch in range(15)]
    assert rates == pytest.approx([formula(epoch, 0.5) for epoch in range(15)], rel=1e-12)
    assert rates[0] == 0.5  # every schedule starts at the optimizer's own rate


@pytest.mark.parametrize("name", names("schedule"))
def test_training_sets_and_logs_each_epochs_rate_then_puts_the_base_rate_back(name: str) -> None:
    params, formula = SCHEDULES[name]
    net = classifier(lr=0.5)
    history = net.train(XOR_X, XOR_Y, epochs=4, verbose=False, lr_schedule={"type": name, **params})
    assert history.history["lr"] == pytest.approx([formula(e, 0.5) for e in range(4)], rel=1e-12)
    assert net.optimizer.learning_rate == 0.5
    again = net.train(XOR_X, XOR_Y, epochs=2, verbose=False, lr_schedule={"type": name, **params})
    assert again.history["lr"] == pytest.approx([formula(e, 0.5) for e in (4, 5)], rel=1e-12)  # it continues


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"type": "step_decay", "every": 0}, r"^lr_schedule\.every: must be a whole number >= 1"),
        ({"type": "step_decay", "factor": 1.5}, r"^lr_schedule\.factor: must be a number in \(0, 1\]"),
        ({"type": "exponential_decay", "decay_rate": 0}, r"^lr_schedule\.decay_rate: must be a number in \(0, 1\]"),
        ({"type": "cosine", "min_lr": -1.0}, r"^lr_schedule\.min_lr: must be a finite number >= 0"),
        ({"type": "cosine", "epoch": 5}, r"^lr_schedule\.epoch: schedule 'cosine' has no parameter 'epoch' \(did"),
    ],
)
def test_bad_schedule_parameters_name_the_parameter(table, message) -> None:
    with pytest.raises(ConfigError, match=message):
        classifier().train(XOR_X, XOR_Y, epochs=1, verbose=False, lr_schedule=table)


def test_a_schedule_may_be_a_plain_function_and_must_give_a_usable_rate() -> None:
    history = classifier().train(XOR_X, XOR_Y, epochs=3, verbose=False, lr_schedule=lambda epoch, lr: lr / (1 + epoch))
    assert history.history["lr"] == pytest.approx([0.05, 0.025, 0.05 / 3])
    from smolml_core import TrainingError

    with pytest.raises(TrainingError, match=r"gave -1.0 for epoch 0; a learning rate must be a finite number >= 0"):
        classifier().train(XOR_X, XOR_Y, epochs=1, verbose=False, lr_schedule=lambda epoch, lr: -1.0)


# -- callbacks -------------------------------------------------------------------------


def test_callbacks_are_called_in_order_with_the_logs() -> None:
    events: list[Any] = []
    first, second = Recorder("first", events), Recorder("second", events)
    net = classifier()
    history = net.train(
        XOR_X, XOR_Y, epochs=2, verbose=False, metrics=["accuracy"], batch_size=2, callbacks=[first, second]
    )
    assert [(who, when) for who, when, _ in events] == [
        ("first", "begin"),
        ("second", "begin"),
        ("first", 1),
        ("second", 1),
        ("first", 2),
        ("second", 2),
        ("first", "end"),
        ("second", "end"),
    ]
    begin = events[0][2]
    assert begin == {"epochs": 2, "samples": 4, "batch_size": 2, "verbose": False, "logged": ["loss", "accuracy", "lr"]}
    for epoch in (1, 2):
        logs = events[2 * epoch][2]
        assert list(logs) == ["loss", "accuracy", "lr"]
        assert logs["loss"] == history[epoch - 1]
    end = events[-1][2]
    assert end["epochs_run"] == 2 and end["stopped_early"] is False and end["interrupted"] is False
    assert end["loss"] == history[-1]
    assert same_weights(first.weights[-1], net.get_weights())


def test_a_callback_stops_training_after_the_epoch() -> None:
    class StopAtTwo(Callback):
        def on_epoch_end(self, network, epoch, logs):
            if epoch == 2:
                network.stop_training = True

    net = classifier()
    history = net.train(XOR_X, XOR_Y, epochs=10, verbose=False, callbacks=[StopAtTwo()])
    assert len(history) == 2 and history.stopped_early and net.epochs_trained == 2
    assert not net.train(XOR_X, XOR_Y, epochs=1, verbose=False).stopped_early  # the flag is reset per run


def test_values_a_callback_adds_to_the_logs_are_recorded() -> None:
    class Doubler(Callback):
        def on_epoch_end(self, network, epoch, logs):
            logs["double_loss"] = 2 * logs["loss"]

    history = classifier().train(XOR_X, XOR_Y, epochs=3, verbose=False, callbacks=[Doubler()])
    assert history.history["double_loss"] == [2 * v for v in history]


def test_csv_logger_writes_one_row_per_epoch_and_appends_across_runs(tmp_path) -> None:
    path = tmp_path / "log.csv"
    net = classifier()
    first = net.train(XOR_X, XOR_Y, epochs=2, verbose=False, callbacks=[{"type": "csv_logger", "path": str(path)}])
    appending = {"type": "csv_logger", "path": str(path), "append": True}
    net.train(XOR_X, XOR_Y, epochs=1, verbose=False, callbacks=[appending])
    with open(path, newline="") as file:
        rows = list(csv.DictReader(file))
    assert [row["epoch"] for row in rows] == ["1", "2", "3"]
    assert [float(row["loss"]) for row in rows[:2]] == list(first)  # written exactly
    with pytest.raises(ConfigError, match=r"^callbacks\[0\]\.path: cannot write"):
        net.train(XOR_X, XOR_Y, epochs=1, verbose=False, callbacks=[{"type": "csv_logger", "path": str(tmp_path)}])


# -- early stopping ---------------------------------------------------------------------


LINE_X = np.array([[1.0], [2.0], [3.0]])


def overfitting_run(**early: Any) -> tuple[Any, Any, Recorder, EarlyStopping]:
    """Fit y = 2x from a slope of 0 while validating against y = x: val_loss falls, bottoms out, then rises.

    Returns the network, its history, a recorder of the weights after every epoch, and the EarlyStopping.
    """
    stopper = EarlyStopping(**early)
    weights = Recorder()
    net = NeuralNetwork([DenseLayer(1, 1)], "mse", {"type": "sgd", "learning_rate": 0.01})
    net.layers[0].weights.data[...] = 0.0
    history = net.train(
        LINE_X,
        2 * LINE_X,
        epochs=60,
        verbose=False,
        validation_data=(LINE_X, LINE_X),
        callbacks=[weights],
        early_stopping=stopper,
    )
    return net, history, weights, stopper


def test_early_stopping_stops_and_restores_the_best_weights_bit_for_bit() -> None:
    net, history, weights, early = overfitting_run(patience=3)
    best = int(np.argmin(history.history["val_loss"])) + 1
    assert history.stopped_early and early.best_epoch == best and early.stopped_epoch == best + 3
    assert len(history) == best + 3 and net.epochs_trained == best + 3
    assert best > 3  # a real minimum, after some improving epochs
    assert early.restored
    assert same_weights(net.get_weights(), weights.weights[best - 1])
    assert net.evaluate(LINE_X, LINE_X)["loss"] == min(history.history["val_loss"])


def test_early_stopping_restores_the_best_weights_when_the_epochs_run_out_too() -> None:
    net, history, weights, early = overfitting_run(patience=100)
    assert not history.stopped_early and len(history) == 60
    assert same_weights(net.get_weights(), weights.weights[early.best_epoch - 1])


def test_without_restore_the_last_weights_stay() -> None:
    net, history, weights, early = overfitting_run(patience=2, restore_best_weights=False)
    assert history.stopped_early and not early.restored
    assert same_weights(net.get_weights(), weights.weights[-1])


def test_early_stopping_as_a_table_with_mode_auto_for_accuracy(capsys) -> None:
    X, y = blobs(30)
    net = classifier()
    history = net.train(
        X,
        y,
        epochs=60,
        print_every=100,
        metrics=["accuracy"],
        validation_split=0.3,
        early_stopping={"monitor": "val_accuracy", "patience": 2, "mode": "auto"},
    )
    assert history.stopped_early
    assert "Stopped early after epoch" in capsys.readouterr().out  # said, since verbose


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"monitor": "val_loss"}, r"^early_stopping\.monitor: 'val_loss' is not logged by this run; .*validation"),
        ({"patiense": 2}, r"^early_stopping\.patiense: callback 'early_stopping' has no parameter 'patiense' \(did"),
        ({"patience": -1}, r"^early_stopping\.patience: must be a whole number >= 0"),
        ({"mode": "lowest"}, r"^early_stopping\.mode: must be 'min', 'max' or 'auto'"),
        ({"min_delta": -0.1}, r"^early_stopping\.min_delta: must be a finite number >= 0"),
    ],
)
def test_early_stopping_mistakes_name_the_parameter(table, message) -> None:
    with pytest.raises(ConfigError, match=message):
        classifier().train(XOR_X, XOR_Y, epochs=1, verbose=False, early_stopping=table)


# -- a plugin's callback and metric ------------------------------------------------------


LOGGED: list[tuple[int, float]] = []


class ListLogger(Callback):
    """Appends (epoch, loss) to LOGGED every ``every`` epochs."""

    def __init__(self, every: int = 1) -> None:
        self.every = every

    def on_epoch_end(self, network, epoch, logs):
        if epoch % self.every == 0:
            LOGGED.append((epoch, logs["loss"]))


def max_error(y_pred, y_true):
    """max |y_pred - y_true|."""
    return float(np.max(np.abs(y_pred - y_true)))


class Halving(Schedule):
    """lr = base_lr / 2^epoch."""

    def __call__(self, epoch, base_lr):
        return base_lr / 2**epoch


@hookimpl
def smolml_register_callbacks(register):
    register("list_logger", ListLogger)


@hookimpl
def smolml_register_metrics(register):
    register("max_error", max_error)


@hookimpl
def smolml_register_schedules(register):
    register("halving", Halving)


def test_a_plugin_adds_a_logger_a_metric_and_a_schedule_through_the_hooks() -> None:
    module = plugin_module(
        "extras.plugin",
        smolml_register_callbacks=smolml_register_callbacks,
        smolml_register_metrics=smolml_register_metrics,
        smolml_register_schedules=smolml_register_schedules,
    )
    standard = EntryPoint(name="std", value="smolml_std.plugin", group="smolml")
    extras = FakeEntryPoint("extras", module, dist=FakeDistribution("smolml-extras", "0.3"))
    LOGGED.clear()
    with use_registry(Registry([standard, extras])) as registry:
        assert registry.get("callback", "list_logger").provider == "plugin 'extras' (distribution smolml-extras 0.3)"
        history = classifier().train(
            XOR_X,
            XOR_Y,
            epochs=4,
            verbose=False,
            metrics=["max_error", "accuracy"],
            lr_schedule="halving",
            callbacks=[{"type": "list_logger", "every": 2}],
        )
    logged = list(LOGGED)
    assert logged == [(2, history[1]), (4, history[3])]
    assert history.history["lr"] == [0.05, 0.025, 0.0125, 0.00625]
    assert list(history.history) == ["loss", "max_error", "accuracy", "lr"]


def test_a_misspelled_training_hook_is_refused() -> None:
    from smolml_core import PluginError

    module = plugin_module("typo", smolml_register_metric=hookimpl(lambda register: None))
    registry = Registry([FakeEntryPoint("typo", module)], strict=True)
    with pytest.raises(PluginError, match=r"did you mean 'smolml_register_metrics'"), use_registry(registry):
        lookup("metric", "accuracy")
