"""The checkpoint as a callback: when each of its hooks runs, and what it saves there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smolml_core import Callback, Checkpoint, ConfigError, Layer, MLArray, NeuralNetwork, load_network, set_seed
from smolml_std.layers import DenseLayer

from .helpers import assert_same_network, dataset, small_network

SEED = 3


class Spy(Callback):
    """Writes each call into a shared list: who, which hook, which epoch, and the network's epochs_trained."""

    def __init__(self, name: str, events: list[tuple[Any, ...]]) -> None:
        self.name, self.events = name, events

    def on_train_begin(self, network: Any, logs: dict[str, Any]) -> None:
        self.events.append((self.name, "begin"))

    def on_step_scored(self, network: Any, epoch: int, logs: dict[str, Any]) -> None:
        self.events.append((self.name, "step", epoch, logs["batch"], network.epochs_trained))

    def on_epoch_end(self, network: Any, epoch: int, logs: dict[str, Any]) -> None:
        self.events.append((self.name, "epoch", epoch, network.epochs_trained))

    def on_train_end(self, network: Any, logs: dict[str, Any]) -> None:
        self.events.append((self.name, "end"))


class SpyCheckpoint(Checkpoint):
    """A Checkpoint that writes its calls into a shared list, each with how many files it saved in it."""

    def __init__(self, events: list[tuple[Any, ...]], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.events = events

    def _log(self, what: tuple[Any, ...], call: Any) -> None:
        saved = len(self.saved)
        call()
        self.events.append(("checkpoint", *what, len(self.saved) - saved))

    def on_train_begin(self, network: Any, logs: dict[str, Any]) -> None:
        self._log(("begin",), lambda: super(SpyCheckpoint, self).on_train_begin(network, logs))

    def on_step_scored(self, network: Any, epoch: int, logs: dict[str, Any]) -> None:
        where = ("step", epoch, logs["batch"], network.epochs_trained)
        self._log(where, lambda: super(SpyCheckpoint, self).on_step_scored(network, epoch, logs))

    def on_epoch_end(self, network: Any, epoch: int, logs: dict[str, Any]) -> None:
        where = ("epoch", epoch, network.epochs_trained)
        self._log(where, lambda: super(SpyCheckpoint, self).on_epoch_end(network, epoch, logs))

    def on_train_end(self, network: Any, logs: dict[str, Any]) -> None:
        self._log(("end",), lambda: super(SpyCheckpoint, self).on_train_end(network, logs))


def spied_run(tmp_path: Path, epochs: int, **options: Any) -> list[tuple[Any, ...]]:
    events: list[tuple[Any, ...]] = []
    checkpoint = SpyCheckpoint(events, tmp_path / "every.npz", best_path=tmp_path / "best.npz")
    set_seed(SEED)
    small_network().train(
        *dataset(),
        epochs=epochs,
        verbose=False,
        callbacks=[Spy("user", events)],
        early_stopping=Spy("early", events),
        checkpoint=checkpoint,
        **options,
    )
    return events


def test_full_batch_the_best_is_saved_before_the_update_and_the_checkpoint_runs_last(tmp_path) -> None:
    events = spied_run(tmp_path, epochs=2)
    assert events == [
        ("user", "begin"),
        ("early", "begin"),
        ("checkpoint", "begin", 0),
        # epoch 1: the loss is known, the weights are still those it measures (epochs_trained 0): best saved
        ("user", "step", 1, 1, 0),
        ("early", "step", 1, 1, 0),
        ("checkpoint", "step", 1, 1, 0, 1),
        ("user", "epoch", 1, 1),
        ("early", "epoch", 1, 1),
        ("checkpoint", "epoch", 1, 1, 1),  # only the every-epoch file: the best was kept before the update
        ("user", "step", 2, 1, 1),
        ("early", "step", 2, 1, 1),
        ("checkpoint", "step", 2, 1, 1, 1),
        ("user", "epoch", 2, 2),
        ("early", "epoch", 2, 2),
        ("checkpoint", "epoch", 2, 2, 1),
        ("user", "end"),
        ("early", "end"),
        ("checkpoint", "end", 0),
    ]
    assert load_network(tmp_path / "best.npz").epochs_trained == 1  # epoch 2's loss measured epoch 1's weights


def test_mini_batches_the_best_is_saved_at_the_end_of_the_epoch(tmp_path) -> None:
    events = spied_run(tmp_path, epochs=1, batch_size=4)  # 6 rows: batches of 4 and 2
    assert events == [
        ("user", "begin"),
        ("early", "begin"),
        ("checkpoint", "begin", 0),
        ("user", "step", 1, 1, 0),
        ("early", "step", 1, 1, 0),
        ("checkpoint", "step", 1, 1, 0, 0),
        ("user", "step", 1, 2, 0),
        ("early", "step", 1, 2, 0),
        ("checkpoint", "step", 1, 2, 0, 0),
        ("user", "epoch", 1, 1),
        ("early", "epoch", 1, 1),
        ("checkpoint", "epoch", 1, 1, 2),  # the best and the every-epoch file, both after the update
        ("user", "end"),
        ("early", "end"),
        ("checkpoint", "end", 0),
    ]
    assert load_network(tmp_path / "best.npz").epochs_trained == 1


def test_watching_val_loss_full_batch_saves_at_the_end_of_the_epoch(tmp_path) -> None:
    events: list[tuple[Any, ...]] = []
    checkpoint = SpyCheckpoint(events, best_path=tmp_path / "best.npz", monitor="val_loss")
    set_seed(SEED)
    network = small_network()
    X, y = dataset()
    history = network.train(X, y, epochs=1, verbose=False, validation_data=(X, y), checkpoint=checkpoint)
    assert [event for event in events if event[1] != "begin" and event[1] != "end"] == [
        ("checkpoint", "step", 1, 1, 0, 0),
        ("checkpoint", "epoch", 1, 1, 1),
    ]
    assert checkpoint.best == history.history["val_loss"][0]
    assert_same_network(load_network(tmp_path / "best.npz"), network, X)


def test_a_checkpoint_among_the_callbacks_keeps_the_same_best_weights(tmp_path) -> None:
    X, y = dataset(n_samples=20)
    files = []
    for way in ("checkpoint", "callbacks"):
        checkpoint = Checkpoint(best_path=tmp_path / f"{way}.npz")
        set_seed(SEED)
        network = small_network({"type": "adam", "learning_rate": 1.0})
        options = {"checkpoint": checkpoint} if way == "checkpoint" else {"callbacks": [checkpoint]}
        network.train(X, y, epochs=10, verbose=False, **options)
        files.append(load_network(tmp_path / f"{way}.npz"))
    assert files[0].epochs_trained == files[1].epochs_trained < 10
    assert_same_network(files[0], files[1], X)


def test_a_checkpoint_among_the_callbacks_is_refused_a_value_the_run_does_not_log(tmp_path) -> None:
    checkpoint = Checkpoint(best_path=tmp_path / "best.npz", monitor="val_loss")
    with pytest.raises(ConfigError) as error:
        small_network().train(*dataset(), epochs=1, verbose=False, callbacks=[checkpoint])
    assert str(error.value) == "callbacks[0].monitor: 'val_loss' is not logged by this run (it needs validation data)"
    with pytest.raises(ConfigError) as error:
        small_network().train(*dataset(), epochs=1, verbose=False, checkpoint=checkpoint)
    assert str(error.value) == "checkpoint.monitor: 'val_loss' is not logged by this run (it needs validation data)"


def test_a_network_that_cannot_be_saved_fails_as_save_does_not_as_the_checkpoints_fault(tmp_path) -> None:
    class Unregistered(Layer):
        def forward(self, X: MLArray) -> MLArray:
            return X

    network = NeuralNetwork([Unregistered(), DenseLayer(3, 2)], "mse")
    with pytest.raises(ConfigError) as saving:
        network.save(tmp_path / "net.npz")
    with pytest.raises(ConfigError) as training:
        network.train(*dataset(), epochs=3, verbose=False, checkpoint=Checkpoint(tmp_path / "net.npz"))
    assert str(training.value) == str(saving.value) and training.value.path == ("layers[0]",)
    assert network.epochs_trained == 1 and not list(tmp_path.iterdir())
