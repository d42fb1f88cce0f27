"""Targets a loss cannot take are refused, by the loss itself, before training changes anything.

The cross-entropies take targets in [0, 1] only; classes coded 1/2 used to
train with a negative loss and exit 0. The loss says what it expected and how
to encode the labels, when it is called, when ``train`` asks it up front, and
in the ``smolml`` command.
"""

from __future__ import annotations

import numpy as np
import pytest

from smolml_core import ConfigError, MLArray, build_network, set_seed
from smolml_core.cli import main
from smolml_core.registry import lookup

CROSS_ENTROPIES = {
    # loss: (output activation, outputs, a target it must refuse, the advice it gives)
    "binary_cross_entropy": ("sigmoid", 1, [[1.0], [2.0]], "encode two classes as 0 and 1"),
    "categorical_cross_entropy": ("softmax", 3, [[1.0, 0.0, 0.0], [0.0, 0.0, 3.0]], "one-hot rows"),
}
BAD_VALUES = [2.0, -1.0, 1.5, 1e300]


def _network(loss: str):
    activation, outputs, _, _ = CROSS_ENTROPIES[loss]
    set_seed(0)
    return build_network(
        {
            "layers": [{"type": "dense", "input_size": 2, "output_size": outputs, "activation_function": activation}],
            "loss_function": loss,
        }
    )


@pytest.mark.parametrize("loss", sorted(CROSS_ENTROPIES))
@pytest.mark.parametrize("bad", BAD_VALUES)
def test_a_cross_entropy_refuses_a_target_outside_0_1(loss, bad) -> None:
    outputs = CROSS_ENTROPIES[loss][1]
    y = np.zeros((3, outputs))
    y[:, 0] = 1.0
    y[2, -1] = bad
    for y_pred in (MLArray(np.full((3, outputs), 0.5)), MLArray(np.zeros((3, outputs))).sigmoid()):
        with pytest.raises(ConfigError) as caught:
            lookup("loss", loss)(y_pred, y)
        assert str(caught.value).startswith(f"{loss} needs targets in [0, 1] (")
        assert f"but they range from {y.min():g} to {y.max():g}; " in str(caught.value)
        assert CROSS_ENTROPIES[loss][3] in str(caught.value)


@pytest.mark.parametrize("loss", sorted(CROSS_ENTROPIES))
def test_targets_in_0_1_are_taken_soft_ones_too(loss) -> None:
    outputs = CROSS_ENTROPIES[loss][1]
    y = np.full((2, outputs), 1.0 / outputs)
    assert np.isfinite(lookup("loss", loss)(MLArray(np.full((2, outputs), 0.5)), y).item())


@pytest.mark.parametrize("loss", sorted(CROSS_ENTROPIES))
def test_train_refuses_them_before_any_update(loss) -> None:
    _, outputs, y, advice = CROSS_ENTROPIES[loss]
    network = _network(loss)
    before = network.layers[0].weights.numpy().copy()
    X = [[0.0, 1.0], [1.0, 0.0]]
    # Mini-batches of one row: the bad target is in the second batch, after the first batch's update.
    with pytest.raises(ConfigError, match=advice):
        network.train(X, y, epochs=2, batch_size=1, verbose=False)
    np.testing.assert_array_equal(network.layers[0].weights.numpy(), before)
    assert network.epochs_trained == 0
    good = [row[:] for row in y]
    good[1] = [0.0] * (outputs - 1) + [1.0] if outputs > 1 else [0.0]
    with pytest.raises(ConfigError, match="needs targets in"):
        network.train(X, good, epochs=1, validation_data=(X, y), verbose=False)
    assert network.epochs_trained == 0


def test_losses_for_numbers_take_any_target() -> None:
    network = build_network({"layers": [{"type": "dense", "input_size": 2, "output_size": 1}], "loss_function": "mse"})
    network.train([[0.0, 1.0], [1.0, 0.0]], [[1.0], [2.0]], epochs=1, verbose=False)


def test_smolml_train_refuses_classes_coded_1_and_2(tmp_path, capsys) -> None:
    (tmp_path / "points.csv").write_text("a,b,label\n0.1,0.2,1\n0.9,0.8,2\n0.2,0.1,1\n0.8,0.9,2\n")
    config = tmp_path / "run.toml"
    config.write_text(
        '[network]\nloss_function = "binary_cross_entropy"\n'
        '[[network.layers]]\ntype = "dense"\noutput_size = 1\nactivation_function = "sigmoid"\n'
        '[data]\ncsv = "points.csv"\ntarget = "label"\ntest_size = 0\n[training]\nepochs = 5\n'
    )
    assert main(["train", str(config), "--no-save"]) == 2
    out, err = capsys.readouterr()
    assert "Epoch" not in out and "Final metrics" not in out  # refused before training
    assert err == (
        f"smolml: error in {config}: data: binary_cross_entropy needs targets in [0, 1] (a 0/1 label or a "
        "probability per output), but they range from 1 to 2; encode two classes as 0 and 1 (labels coded 1 and 2: "
        "y - 1), or use a loss for numbers such as mse_loss. In a CSV file, write the classes as 0 and 1 or as "
        "names (no, yes), or set one_hot = true in [data] for one-hot rows\n"
    )
    (tmp_path / "points.csv").write_text("a,b,label\n0.1,0.2,no\n0.9,0.8,yes\n0.2,0.1,no\n0.8,0.9,yes\n")
    assert main(["train", str(config), "--no-save", "--quiet"]) == 0


def test_smolml_evaluate_refuses_answers_the_loss_cannot_take(tmp_path, capsys) -> None:
    model = _network("binary_cross_entropy").save(tmp_path / "model.npz")
    rows = tmp_path / "rows.csv"
    rows.write_text("a,b,label\n0.1,0.2,1\n0.9,0.8,2\n")
    assert main(["evaluate", str(model), str(rows), "--target", "label"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"smolml: error in {rows}: binary_cross_entropy needs targets in [0, 1]")
    assert err.endswith("Write the answers as the model's training data had them\n")
