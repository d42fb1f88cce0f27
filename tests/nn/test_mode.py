"""Training mode is on exactly during training steps."""

from __future__ import annotations

import numpy as np

from smolml_core import Layer, NeuralNetwork, is_training, register, resolve, training_mode, use_registry
from smolml_core.registry import Registry


class ModeSpy(Layer):
    """Records the mode of every forward call; passes its input through."""

    def __init__(self) -> None:
        self.seen: list[bool] = []

    def forward(self, X):
        self.seen.append(is_training())
        return X


def test_mode_is_off_by_default_and_nests() -> None:
    assert is_training() is False
    with training_mode():
        assert is_training() is True
        with training_mode(False):
            assert is_training() is False
        assert is_training() is True
    assert is_training() is False


def test_mode_is_restored_after_an_error() -> None:
    try:
        with training_mode():
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    assert is_training() is False


def test_training_steps_run_in_training_mode_and_validation_does_not() -> None:
    with use_registry(Registry()):
        register("layer", "mode_spy", ModeSpy)
        spy = ModeSpy()
        network = NeuralNetwork([spy, resolve("layer", {"type": "dense", "input_size": 2, "output_size": 2})], "mse")
        X = np.zeros((6, 2))
        network.train(X, X, epochs=2, verbose=False, validation_split=0.5, batch_size=2)
        # per epoch: 2 batches of the 3 training rows (training mode), then 1 validation pass
        assert spy.seen == [True, True, False, True, True, False]
        spy.seen.clear()
        network.predict(X)
        network.forward(X)
        network.evaluate(X, X)
        assert spy.seen == [False, False, False]


def test_mode_works_as_a_decorator_and_the_same_object_can_be_entered_inside_itself() -> None:
    @training_mode()
    def inside() -> bool:
        return is_training()

    assert inside() is True and is_training() is False
    mode = training_mode(False)
    with training_mode(), mode:
        assert is_training() is False
        with training_mode(), mode:
            assert is_training() is False
        assert is_training() is False
    assert is_training() is False
    with training_mode():
        with mode:
            assert is_training() is False
        assert is_training() is True
