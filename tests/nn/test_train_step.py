"""train_step: one step of gradient descent, the unit every epoch of train() is made of."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import smolml_core
from smolml_core import (
    ConfigError,
    Layer,
    MLArray,
    NeuralNetwork,
    ShapeError,
    TrainingError,
    build_network,
    is_training,
    set_seed,
    train_step,
)
from smolml_core.nn import ScoredStep
from smolml_core.nn import step as step_module
from smolml_core.nn.replay import Replay
from smolml_std.layers import DenseLayer

from .training_helpers import XOR_X, XOR_Y, blobs, classifier, same_weights

OPTIMIZERS = ["sgd", "sgd_momentum", "adagrad", "adam"]


def built(optimizer: Any = "adam", hidden: int = 8) -> NeuralNetwork:
    """2 -> hidden (tanh) -> 1 (sigmoid), binary cross-entropy: the same weights every time."""
    set_seed(7)
    return build_network(
        {
            "layers": [
                {"type": "dense", "input_size": 2, "output_size": hidden, "activation_function": "tanh"},
                {"type": "dense", "input_size": hidden, "output_size": 1, "activation_function": "sigmoid"},
            ],
            "loss_function": "bce",
            "optimizer": optimizer,
        }
    )


def same_state(a: NeuralNetwork, b: NeuralNetwork) -> bool:
    """The optimizers hold the same buffers and counters, bit for bit."""
    if a.optimizer.state.keys() != b.optimizer.state.keys():
        return False
    for key, state in a.optimizer.state.items():
        other = b.optimizer.state[key]
        if state.keys() != other.keys():
            return False
        for name, value in state.items():
            if isinstance(value, np.ndarray):
                if not np.array_equal(value, other[name]):
                    return False
            elif value != other[name]:
                return False
    return True


# -- what a step is -------------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_steps_on_all_rows_are_full_batch_epochs_bit_for_bit(optimizer: str) -> None:
    X, y = blobs(30)
    stepped, trained = built(optimizer), built(optimizer)
    losses = [train_step(stepped, X, y) for _ in range(4)]
    history = trained.train(X, y, epochs=4, verbose=False)
    assert losses == list(history)
    assert all(type(loss) is float for loss in losses)
    assert same_weights(stepped.get_weights(), trained.get_weights())
    assert same_state(stepped, trained)
    assert stepped.epochs_trained == 0 and stepped.history is None  # no bookkeeping


def test_a_step_on_the_scalar_engine_is_a_full_batch_epoch_there_too() -> None:
    stepped, trained = built(hidden=3), built(hidden=3)
    for net in (stepped, trained):
        net.set_engine("scalar")
    loss = train_step(stepped, XOR_X, XOR_Y)
    assert [loss] == trained.train(XOR_X, XOR_Y, epochs=1, verbose=False)
    assert same_weights(stepped.get_weights(), trained.get_weights())
    for layer in stepped.layers:  # gradients reset: every Value's grad back to zero
        for param in layer.parameters().values():
            assert all(value.grad == 0 for value in param.data.flat)


def test_batches_stepped_in_order_are_an_unshuffled_mini_batch_epoch() -> None:
    X, y = blobs(10)
    stepped, trained = built(), built()
    losses = [train_step(stepped, X[start : start + 4], y[start : start + 4]) for start in (0, 4, 8)]
    history = trained.train(X, y, epochs=1, verbose=False, batch_size=4, shuffle=False)
    assert history[0] == (losses[0] * 4 + losses[1] * 4 + losses[2] * 2) / 10
    assert same_weights(stepped.get_weights(), trained.get_weights())
    assert same_state(stepped, trained)


def test_the_loss_measures_the_weights_the_step_started_with_and_they_change() -> None:
    net = built()
    before = net.get_weights()
    expected = net.loss_function(net.forward(XOR_X), MLArray(XOR_Y)).item()  # with a graph, as training has
    assert train_step(net, XOR_X, XOR_Y) == expected
    assert not same_weights(before, net.get_weights())


def test_gradients_are_reset_after_a_step() -> None:
    net = built()
    seen: list[bool] = []

    def gradients_held(step: ScoredStep) -> None:
        seen.append(any(p._grad is not None for layer in net.layers for p in layer.parameters().values()))

    train_step(net, XOR_X, XOR_Y, before_update=gradients_held)
    assert seen == [False]  # before the update the backward pass has not run yet
    for layer in net.layers:
        for param in layer.parameters().values():
            assert param._grad is None and param._node is None


def test_the_forward_pass_runs_in_training_mode() -> None:
    class ModeSpy(Layer):
        def __init__(self) -> None:
            self.seen: list[bool] = []

        def forward(self, X: MLArray) -> MLArray:
            self.seen.append(is_training())
            return X

    spy = ModeSpy()
    net = NeuralNetwork([spy, DenseLayer(2, 1)], "mse")
    train_step(net, XOR_X, XOR_Y)
    assert spy.seen == [True] and is_training() is False


def test_train_takes_one_step_per_batch(monkeypatch) -> None:
    calls: list[int] = []
    real = Replay.step

    def counting(self: Replay, X: Any, y: Any, before_update: Any) -> float:
        calls.append(len(X))
        return real(self, X, y, before_update)

    monkeypatch.setattr(Replay, "step", counting)
    classifier().train(*blobs(10), epochs=2, verbose=False, batch_size=4)
    assert calls == [4, 4, 2] * 2
    calls.clear()
    classifier().train(XOR_X, XOR_Y, epochs=3, verbose=False)
    assert calls == [4, 4, 4]


# -- before_update ---------------------------------------------------------------------------


def test_before_update_sees_the_scored_step() -> None:
    net = built()
    predicted = net.predict(XOR_X).numpy()
    seen: list[ScoredStep] = []
    loss = train_step(net, XOR_X, XOR_Y.ravel(), before_update=seen.append)
    (step,) = seen
    assert step.loss == loss
    assert np.array_equal(step.predictions.numpy(), predicted)
    assert np.array_equal(step.targets.numpy(), XOR_Y)  # the flat targets as the column the loss compared
    assert len(step.outputs) == len(net.layers) and step.outputs[-1] is step.predictions


def test_raising_in_before_update_leaves_the_network_as_it_was() -> None:
    net = built()
    train_step(net, XOR_X, XOR_Y)
    weights, reference = net.get_weights(), built()
    train_step(reference, XOR_X, XOR_Y)

    def refuse(step: ScoredStep) -> None:
        raise TrainingError("no")

    with pytest.raises(TrainingError, match="no"):
        train_step(net, XOR_X, XOR_Y, before_update=refuse)
    assert same_weights(weights, net.get_weights())
    assert same_state(net, reference)  # the optimizer took no step either


# -- data ------------------------------------------------------------------------------------


def test_data_is_taken_as_train_takes_it() -> None:
    from_lists, from_arrays, from_mlarrays = built(), built(), built()
    train_step(from_lists, XOR_X.tolist(), XOR_Y.ravel().tolist())
    train_step(from_arrays, XOR_X, XOR_Y)
    train_step(from_mlarrays, MLArray(XOR_X), MLArray(XOR_Y))  # arrays that would need a gradient are detached
    assert same_weights(from_lists.get_weights(), from_arrays.get_weights())
    assert same_weights(from_mlarrays.get_weights(), from_arrays.get_weights())


@pytest.mark.parametrize(
    ("X", "y", "error", "message"),
    [
        (
            np.array([[np.nan, 0.0]]),
            np.zeros((1, 1)),
            ConfigError,
            r"^X contains nan at index \(0, 0\); clean the data",
        ),
        (XOR_X, np.full((4, 1), np.inf), ConfigError, r"^y contains inf at index \(0, 0\)"),
        (XOR_X, XOR_Y[:3], ShapeError, r"^X and y must have one row per sample; got shapes \(4, 2\) and \(3, 1\)"),
        (XOR_X, np.zeros((4, 2)), ShapeError, r"the network outputs shape \(4, 1\) but y has shape \(4, 2\)"),
    ],
)
def test_bad_data_is_refused_as_train_refuses_it(X, y, error, message) -> None:
    net = built()
    before = net.get_weights()
    with pytest.raises(error, match=message):
        train_step(net, X, y)
    with pytest.raises(error, match=message):
        net.train(X, y, epochs=1, verbose=False)
    assert same_weights(before, net.get_weights())


def test_train_step_is_exported_where_users_look() -> None:
    assert smolml_core.train_step is smolml_core.nn.train_step is step_module.train_step
    assert "train_step" in smolml_core.__all__ and "train_step" in smolml_core.nn.__all__
