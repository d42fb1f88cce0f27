"""First-day mistakes get the hint a config typo gets: integer labels for a softmax network, Keras's keywords."""

from __future__ import annotations

import numpy as np
import pytest

from smolml_core import ConfigError, ShapeError, build_network, set_seed
from smolml_std.layers import DenseLayer
from smolml_std.optimizers import Adam

X = np.random.default_rng(0).normal(size=(6, 4))
LABELS = np.array([0, 1, 2, 0, 1, 2])
LABELS_HINT = "sparse_categorical_cross_entropy"


def classifier(loss: str):
    set_seed(0)
    return build_network(
        {
            "layers": [{"type": "dense", "input_size": 4, "output_size": 3, "activation_function": "softmax"}],
            "loss_function": loss,
            "optimizer": "adam",
        }
    )


@pytest.mark.parametrize("labels", [LABELS, LABELS.reshape(-1, 1)], ids=["flat", "column"])
def test_integer_labels_for_categorical_cross_entropy_get_both_fixes(labels) -> None:
    with pytest.raises(ConfigError) as error:
        classifier("categorical_cross_entropy").train(X, labels, epochs=1, verbose=False)
    assert "encode class labels as one-hot rows (smolml_core.datasets.one_hot(labels))" in str(error.value)
    assert f"or use {LABELS_HINT}, which takes integer labels" in str(error.value)


def test_labels_of_two_classes_for_a_softmax_network_get_the_hint() -> None:
    """0/1 labels pass the [0, 1] check, then meet the network's shape check, which names both fixes."""
    with pytest.raises(ShapeError) as error:
        classifier("categorical_cross_entropy").train(X, LABELS % 2, epochs=1, verbose=False)
    message = str(error.value)
    assert message.startswith("the network outputs shape (6, 3) but y has shape (6,); they must match; ")
    assert "one-hot encode them (smolml_core.datasets.one_hot(labels))" in message and LABELS_HINT in message


def test_the_loss_called_directly_gives_the_hint_too() -> None:
    from smolml_core import MLArray
    from smolml_std.losses import categorical_cross_entropy

    with pytest.raises(ShapeError, match=f"one number per row as class labels are: .*{LABELS_HINT}"):
        categorical_cross_entropy(MLArray(np.full((6, 3), 1 / 3)), MLArray(LABELS.reshape(-1, 1) % 2))


@pytest.mark.parametrize("labels", [LABELS, LABELS.reshape(-1, 1)], ids=["flat", "column"])
def test_sparse_categorical_cross_entropy_trains_as_one_hot_rows_do(labels) -> None:
    sparse = classifier("sparse_categorical_cross_entropy")
    one_hot = classifier("categorical_cross_entropy")
    history = sparse.train(X, labels, epochs=5, verbose=False, metrics=["accuracy"], validation_split=0.34)
    expected = one_hot.train(X, np.eye(3)[LABELS], epochs=5, verbose=False, metrics=["accuracy"], validation_split=0.34)
    assert history.history == expected.history  # bit for bit: the same loss on the rows the labels stand for
    assert sparse.evaluate(X, labels, metrics=["accuracy"]) == one_hot.evaluate(
        X, np.eye(3)[LABELS], metrics=["accuracy"]
    )


def test_sparse_labels_out_of_range_stop_before_any_update() -> None:
    network = classifier("sparse_categorical_cross_entropy")
    before = network.layers[0].weights.numpy()
    with pytest.raises(ConfigError, match=r"needs class labels 0 to 2 .* but got 3"):
        network.train(X, LABELS + 1, epochs=1, verbose=False)
    assert np.array_equal(network.layers[0].weights.numpy(), before)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: DenseLayer(2, 3, activation="relu"),
            "activation: DenseLayer has no parameter 'activation' (did you mean 'activation_function'?); "
            "its parameters are: input_size, output_size, activation_function, weight_initializer, dtype",
        ),
        (lambda: DenseLayer(2, 3, kernel_initializer="he"), "(did you mean 'weight_initializer'?)"),
        (lambda: Adam(learning_rte=0.1), "Adam has no parameter 'learning_rte' (did you mean 'learning_rate'?)"),
    ],
)
def test_another_librarys_keyword_gets_did_you_mean(build, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        build()
    assert message in str(error.value)


def test_a_missing_argument_is_still_pythons_own_type_error() -> None:
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'output_size'"):
        DenseLayer(2)  # type: ignore[call-arg]
