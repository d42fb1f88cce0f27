"""Replayed training steps: the eager numbers bit for bit, and eager wherever a program cannot be trusted."""

from __future__ import annotations

import tracemalloc
from importlib.metadata import EntryPoint
from typing import Any

import numpy as np
import pytest

import smolml_core
from smolml_core import (
    Callback,
    ConfigError,
    Layer,
    MLArray,
    NeuralNetwork,
    Registry,
    TrainingError,
    build_network,
    get_rng,
    set_seed,
    use_registry,
)
from smolml_core.array import tape as tape_module
from smolml_core.nn.options import TrainingOptions
from smolml_core.nn.replay import Replay
from smolml_core.nn.training import _Run
from smolml_core.testing import plugin_components, replay_check
from smolml_core.testing.subject import subject_of
from smolml_std.layers import DenseLayer

from .training_helpers import blobs, classifier, same_weights

STANDARD = Registry([EntryPoint(name="std", value="smolml_std.plugin", group="smolml")])


def digits_like(rows: int = 30, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 6))
    return X, np.eye(3)[rng.integers(0, 3, size=rows)]


def network(optimizer: str = "adam", dtype: str = "float64", activation: str = "relu") -> NeuralNetwork:
    return build_network(
        {
            "layers": [
                {"type": "dense", "input_size": 6, "output_size": 8, "activation_function": activation, "dtype": dtype},
                {"type": "dense", "input_size": 8, "output_size": 3, "activation_function": "softmax", "dtype": dtype},
            ],
            "loss_function": "cce",
            "optimizer": {"type": optimizer, "learning_rate": 0.05},
        }
    )


def twice(build: Any, X: Any, y: Any, **options: Any) -> tuple[NeuralNetwork, NeuralNetwork]:
    """The same network trained from the same seed, replayed and eagerly."""
    set_seed(7)
    replayed = build()
    replayed.train(X, y, verbose=False, **options)
    set_seed(7)
    eager = build()
    eager.train(X, y, verbose=False, replay=False, **options)
    return replayed, eager


def assert_same_run(replayed: NeuralNetwork, eager: NeuralNetwork) -> None:
    assert same_weights(replayed.get_weights(), eager.get_weights())
    assert replayed.history is not None and eager.history is not None
    assert replayed.history.history.keys() == eager.history.history.keys()
    for key, values in eager.history.history.items():
        np.testing.assert_array_equal(replayed.history.history[key], values)
    for key, state in eager.optimizer.state.items():
        for name, value in state.items():
            np.testing.assert_array_equal(replayed.optimizer.state[key][name], value)


# -- the same numbers --------------------------------------------------------------------


@pytest.mark.parametrize("optimizer", ["sgd", "sgd_momentum", "adagrad", "adam"])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("batch_size", [None, 8])
def test_replayed_training_equals_eager_training_bit_for_bit(optimizer: str, dtype: str, batch_size: Any) -> None:
    X, y = digits_like()
    replayed, eager = twice(
        lambda: network(optimizer, dtype),
        X,
        y,
        epochs=12,
        batch_size=batch_size,
        metrics=["accuracy"],
        validation_split=0.2,
    )
    assert_same_run(replayed, eager)
    report = replayed.history.replay  # type: ignore[union-attr]
    assert report.replayed > 0 and report.eager_because == []
    assert eager.history.replay.replayed == 0  # type: ignore[union-attr]


def test_the_last_short_batch_gets_a_program_of_its_own() -> None:
    X, y = digits_like(30)
    replayed, eager = twice(network, X, y, epochs=6, batch_size=8, shuffle=True)  # 8, 8, 8 and 6 rows
    assert_same_run(replayed, eager)
    report = replayed.history.replay  # type: ignore[union-attr]
    assert report.captured == 2 and report.replayed == 6 * 4 - 4  # two watched steps per shape


@pytest.mark.parametrize("component", ["activation", "loss", "optimizer", "layer"])
def test_every_standard_component_is_replayed_not_only_left_eager(component: str) -> None:
    with use_registry(STANDARD):
        for registered in plugin_components("std", kinds=[component]):
            for batch_size in (None, replay_check.BATCH):
                subject = subject_of(component, registered, None)
                _, report = replay_check._train(subject, np.float64, batch_size, replay=True)
                assert report.replayed > 0 and report.eager_because == [], (registered.name, str(report))


def test_the_kit_fails_a_component_whose_replay_changes_the_numbers(monkeypatch) -> None:
    from smolml_core.array import kernels

    def wrong(regs: list[Any], out: int, g: int, ans: int, args: Any, shapes: Any) -> Any:
        def call() -> None:
            regs[out] = regs[g] * 2  # twice the tanh gradient's true value

        return call

    monkeypatch.setitem(kernels._SPECIAL_RULES, ("tanh", 0), wrong)
    with use_registry(STANDARD), pytest.raises(AssertionError, match="differs between replayed and eager steps"):
        smolml_core.testing.check_replay("activation", "tanh")


# -- what stays eager ----------------------------------------------------------------------


class Counting(Layer):
    """Passes its input through, counting its calls: an effect a program cannot repeat."""

    def __init__(self) -> None:
        self.calls = 0

    def forward(self, X: MLArray) -> MLArray:
        self.calls += 1
        return X


class Declared(Counting):
    capturable = False


class Assigning(Layer):
    def __init__(self) -> None:
        self.total = smolml_core.zeros(1, requires_grad=False)

    def forward(self, X: MLArray) -> MLArray:
        self.total.assign(self.total.numpy() + 1)
        return X


class Noisy(Layer):
    def forward(self, X: MLArray) -> MLArray:
        return X + MLArray(get_rng().normal(size=X.shape) * 0.01, requires_grad=False)


class Branching(Layer):
    """A graph that depends on the numbers: doubles the input when its first row is positive."""

    def forward(self, X: MLArray) -> MLArray:
        return X * 2 if X.numpy()[0, 0] > 0 else X - 1


class Centring(Layer):
    """Subtracts the batch's mean, taken from the numbers directly: a constant that differs from batch to batch."""

    def forward(self, X: MLArray) -> MLArray:
        return X - float(np.mean(X.data))


@pytest.mark.parametrize(
    ("layer", "reason"),
    [
        (Counting, "attributes change during a step"),
        (Declared, "Declared declares capturable = False"),
        (Assigning, "MLArray.assign"),
        (Noisy, "draws random numbers outside operations declared random"),
        (Branching, "numbers read out of the graph with numpy()"),
        (Centring, "different operations or constants"),
    ],
)
def test_what_a_program_cannot_repeat_stays_eager_and_says_why(layer: type[Layer], reason: str) -> None:
    X, y = digits_like(24)
    replayed, eager = twice(
        lambda: NeuralNetwork([layer(), DenseLayer(6, 3, "softmax")], "cce", "adam"), X, y, epochs=4, batch_size=8
    )
    assert_same_run(replayed, eager)
    report = replayed.history.replay  # type: ignore[union-attr]
    assert report.replayed == 0 and any(reason in why for why in report.eager_because), str(report)
    assert reason in str(report)
    if layer is Counting:
        assert replayed.layers[0].calls == eager.layers[0].calls == 12  # type: ignore[attr-defined]


def _noise(shape: tuple[int, ...], *, scale: float) -> np.ndarray:
    return get_rng().normal(size=shape) * scale


noise = smolml_core.primitive("test_noise", _noise, smolml_core.CONSTANT, random=True)


class DeclaredNoise(Layer):
    def forward(self, X: MLArray) -> MLArray:
        return X + noise(X.shape, scale=0.01)


def test_an_operation_declared_random_is_replayed_with_fresh_numbers() -> None:
    X, y = digits_like(24)
    replayed, eager = twice(
        lambda: NeuralNetwork([DeclaredNoise(), DenseLayer(6, 3, "softmax")], "cce", "adam"),
        X,
        y,
        epochs=4,
        batch_size=8,
    )
    assert_same_run(replayed, eager)
    assert replayed.history.replay.replayed == 10  # type: ignore[union-attr]  # eager draws afresh; so must replay


def test_the_scalar_engine_stays_eager() -> None:
    net = classifier(hidden=2)
    net.set_engine("scalar")
    history = net.train(*blobs(6), epochs=3, verbose=False)
    assert history.replay.replayed == 0 and "scalar engine" in str(history.replay)


def test_replay_can_be_turned_off_and_is_checked() -> None:
    history = classifier().train(*blobs(10), epochs=5, verbose=False, replay=False)
    assert history.replay.replayed == 0 and history.replay.eager == 5
    assert "turned off" in str(history.replay)
    with pytest.raises(ConfigError, match="replay: must be True or False"):
        TrainingOptions(epochs=1, replay="yes")  # type: ignore[arg-type]


# -- guards ----------------------------------------------------------------------------------


class Meddling(Callback):
    """Changes the network between epochs in ways a program must notice."""

    def __init__(self, change: Any) -> None:
        self.change = change

    def on_epoch_end(self, network: Any, epoch: int, logs: dict[str, Any]) -> None:
        if epoch == 5:
            self.change(network)


@pytest.mark.parametrize(
    "change",
    [
        lambda net: setattr(net.layers[0], "activation_function", smolml_core.resolve("activation", "tanh")),
        lambda net: net.optimizer.reset(),
        lambda net: setattr(net, "loss_function", smolml_core.resolve("loss", "mse")),
        lambda net: net.layers.__setitem__(1, DenseLayer(8, 3, "sigmoid")),
    ],
    ids=["new activation", "optimizer reset", "new loss", "new layer"],
)
def test_a_network_changed_during_training_is_captured_again(change: Any) -> None:
    X, y = digits_like()
    set_seed(7)
    layer = DenseLayer(8, 3, "sigmoid")

    def build() -> NeuralNetwork:
        set_seed(11)
        layer.__init__(8, 3, "sigmoid")  # type: ignore[misc]  # the same new weights in both runs
        set_seed(7)
        return network()

    replayed, eager = twice(build, X, y, epochs=10, callbacks=[Meddling(change)])
    assert_same_run(replayed, eager)
    assert replayed.history.replay.captured == 2  # type: ignore[union-attr]


def test_a_non_finite_loss_stops_replayed_training_as_it_stops_eager_training() -> None:
    X, y = digits_like()
    X = X * 1e154
    messages = []
    for replay in (True, False):
        set_seed(7)
        net = network("sgd")
        with pytest.raises(TrainingError) as caught:
            net.train(X, y, epochs=50, verbose=False, batch_size=10, replay=replay)
        messages.append((str(caught.value), net.get_weights()))
    assert messages[0][0] == messages[1][0]
    assert same_weights(messages[0][1], messages[1][1])


# -- memory ------------------------------------------------------------------------------------


def test_a_replayed_step_allocates_nothing_that_stays() -> None:
    """numpy keeps a bounded cache of small blocks, so the total wanders by some kB; a leak of an array a step grows."""
    set_seed(7)
    net = network()
    X, y = digits_like(64)
    run = _Run.prepare(net, X, y, TrainingOptions(epochs=1, batch_size=16))
    replay = Replay(net)
    batches = [(run.X[i : i + 16], run.y[i : i + 16]) for i in range(0, 64, 16)]
    tracemalloc.start()
    try:
        for X_batch, y_batch in batches * 100:
            replay.step(X_batch, y_batch, None)
        before = tracemalloc.get_traced_memory()[0]
        for X_batch, y_batch in batches * 1000:
            replay.step(X_batch, y_batch, None)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert replay.report.replayed >= 4000
    assert grown < 4000 * 24, f"{grown} bytes kept after 4000 replayed steps"


def test_a_tape_refuses_to_nest() -> None:
    outer = tape_module.Tape()
    with outer.recording(), pytest.raises(RuntimeError, match="already recording"), tape_module.Tape().recording():
        pass
