"""TrainingOptions: train()'s arguments as one object, each checked once, with the errors train() has always raised."""

from __future__ import annotations

import dataclasses
import inspect
import math
from typing import Any

import numpy as np
import pytest

from smolml_core import Checkpoint, ConfigError, NeuralNetwork
from smolml_core.nn import network as network_module
from smolml_core.nn.options import TrainingOptions

from .training_helpers import XOR_X, XOR_Y, Recorder, classifier, same_weights

TRAIN_ONLY = ("self", "X", "y")


def test_the_options_are_trains_arguments_with_its_defaults() -> None:
    train = inspect.signature(NeuralNetwork.train).parameters
    fields = {f.name: f for f in dataclasses.fields(TrainingOptions)}
    assert list(fields) == [name for name in train if name not in TRAIN_ONLY]
    for name, field in fields.items():
        default = train[name].default
        if default is inspect.Parameter.empty:
            assert field.default is dataclasses.MISSING, name
        else:
            assert field.default == default, name


def test_train_builds_the_options_and_passes_them_on(monkeypatch) -> None:
    seen: list[TrainingOptions] = []
    monkeypatch.setattr(network_module, "fit", lambda network, X, y, options: seen.append(options))
    checkpoint = Checkpoint(best_path="never-written.npz")
    classifier().train(
        XOR_X, XOR_Y, 3, False, 2, batch_size=2, shuffle=False, metrics=["accuracy"], checkpoint=checkpoint
    )
    expected = TrainingOptions(
        epochs=3,
        verbose=False,
        print_every=2,
        batch_size=2,
        shuffle=False,
        metrics=["accuracy"],
        checkpoint=checkpoint,
    )
    assert seen == [expected]


def test_the_options_cannot_be_changed_once_checked() -> None:
    options = TrainingOptions(epochs=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.batch_size = 0  # type: ignore[misc]


BAD = [
    ({"epochs": -1}, "epochs: must be a whole number >= 0, got -1"),
    ({"epochs": 2.5}, "epochs: must be a whole number >= 0, got 2.5"),
    ({"epochs": True}, "epochs: must be a whole number >= 0, got True"),
    ({"print_every": 0}, "print_every: must be a whole number >= 1, got 0"),
    ({"batch_size": 0}, "batch_size: must be a whole number >= 1, got 0"),
    ({"batch_size": "8"}, "batch_size: must be a whole number >= 1, got '8'"),
    ({"shuffle": "yes"}, "shuffle: must be True or False, got 'yes'"),
    ({"validation_split": 1.0}, "validation_split: must be a fraction in [0, 1), got 1.0"),
    ({"validation_split": -0.1}, "validation_split: must be a fraction in [0, 1), got -0.1"),
    ({"validation_split": math.nan}, "validation_split: must be a fraction in [0, 1), got nan"),
    ({"validation_split": True}, "validation_split: must be a fraction in [0, 1), got True"),
    ({"validation_split": "0.2"}, "validation_split: must be a fraction in [0, 1), got '0.2'"),
    (
        {"validation_split": 0.5, "validation_data": (XOR_X, XOR_Y)},
        "validation_split: give validation_data or validation_split, not both",
    ),
    ({"validation_data": XOR_X}, "validation_data: must be a pair (X_val, y_val), got ndarray"),
    ({"validation_data": "ab"}, "validation_data: must be a pair (X_val, y_val), got str"),
    ({"validation_data": {"X": XOR_X, "y": XOR_Y}}, "validation_data: must be a pair (X_val, y_val), got dict"),
    ({"validation_data": (XOR_X,)}, "validation_data: must be a pair (X_val, y_val), got tuple"),
    ({"checkpoint": "run.npz"}, "checkpoint: must be a smolml_core.Checkpoint, got 'run.npz'"),
]


@pytest.mark.parametrize(("options", "message"), BAD, ids=[str(options) for options, _ in BAD])
def test_each_option_is_checked_when_made_with_the_error_train_raises(options: dict[str, Any], message: str) -> None:
    arguments = {"epochs": 1, **options}
    with pytest.raises(ConfigError) as made:
        TrainingOptions(**arguments)
    assert str(made.value) == message
    assert made.value.path == (message.split(":")[0],)

    net = classifier()
    before = net.get_weights()
    recorder = Recorder()
    with pytest.raises(ConfigError) as trained:
        net.train(XOR_X, XOR_Y, **{"verbose": False, "callbacks": [recorder], **arguments})
    assert str(trained.value) == message and trained.value.path == made.value.path
    assert net.history is None and recorder.events == []  # refused before anything ran
    assert same_weights(before, net.get_weights())


def test_numpy_counts_and_flags_are_accepted() -> None:
    options = TrainingOptions(epochs=np.int64(2), batch_size=np.int32(2), shuffle=np.bool_(False))
    assert options.epochs == 2
    history = classifier().train(XOR_X, XOR_Y, np.int64(2), verbose=False, batch_size=np.int32(2))
    assert len(history) == 2


# -- what needs the data, the registry or the run: checked when the run starts ----------------------


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"validation_split": 0.1}, "validation_split: 0.1 of 4 rows leaves no validation rows"),
        ({"validation_data": (XOR_X[:, :1], XOR_Y)}, "validation_data: X_val has rows of shape (1,)"),
        ({"metrics": ["acuracy"]}, "metrics[0]: unknown metric 'acuracy'"),
        ({"lr_schedule": "cosin"}, "lr_schedule: unknown schedule 'cosin'"),
        ({"callbacks": ["csv_loger"]}, "callbacks[0]: unknown callback 'csv_loger'"),
        ({"checkpoint": Checkpoint(best_path="x.npz", monitor="val_loss")}, "checkpoint.monitor: 'val_loss' is not"),
    ],
)
def test_what_depends_on_more_than_the_option_is_checked_when_the_run_starts(options, message) -> None:
    TrainingOptions(epochs=1, **options)  # fine on its own
    net = classifier()
    recorder = Recorder()
    with pytest.raises(ConfigError) as error:
        net.train(XOR_X, XOR_Y, epochs=1, verbose=False, **{"callbacks": [recorder], **options})
    assert str(error.value).startswith(message)
    assert net.history is None and recorder.events == []  # still before the first callback is called
