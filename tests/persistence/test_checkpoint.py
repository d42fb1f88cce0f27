"""Checkpoint: its validation, which epochs it saves, and what the best file holds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from smolml_core import Checkpoint, ConfigError, MLArray, NeuralNetwork, load_network, set_seed

from .helpers import assert_same_network, dataset, read_archive, small_network

SEED = 3


def trained(epochs: int, **network) -> NeuralNetwork:
    """The network ``build`` gives under SEED after ``epochs`` epochs: what a checkpoint file must hold."""
    set_seed(SEED)
    net = small_network(**network)
    net.train(*dataset(), epochs=epochs, verbose=False)
    return net


# -- validation ---------------------------------------------------------------------------------


def test_a_checkpoint_needs_somewhere_to_save() -> None:
    with pytest.raises(ConfigError, match=r"a Checkpoint needs a path .*, a best_path, or both"):
        Checkpoint()


@pytest.mark.parametrize("every", [0, -1, True, 1.5, "2", None])
def test_every_must_be_a_whole_number_from_one(every, tmp_path) -> None:
    with pytest.raises(ConfigError) as error:
        Checkpoint(tmp_path / "net.npz", every=every)
    assert error.value.path == ("every",)
    assert str(error.value) == f"every: must be a whole number >= 1, got {every!r}"


@pytest.mark.parametrize("monitor", ["accuracy", "Loss", "val_accuracy", ""])
def test_unknown_monitor_is_refused(monitor: str, tmp_path) -> None:
    with pytest.raises(ConfigError) as error:
        Checkpoint(best_path=tmp_path / "best.npz", monitor=monitor)
    assert error.value.path == ("monitor",)
    assert str(error.value).startswith(f"monitor: can only be 'loss' or 'val_loss', got {monitor!r}")


def test_valid_checkpoints(tmp_path) -> None:
    assert Checkpoint(tmp_path / "a.npz").every == 1
    assert Checkpoint(best_path=str(tmp_path / "b.npz")).path is None
    assert "every=3" in repr(Checkpoint(tmp_path / "a.npz", every=3, best_path=tmp_path / "b.npz"))


def test_unknown_placeholder_in_the_path_is_refused_at_once(tmp_path) -> None:
    with pytest.raises(ConfigError, match="path"):
        checkpoint = Checkpoint(tmp_path / "{name}-{epoch}.npz")
        small_network().train(*dataset(), epochs=1, verbose=False, checkpoint=checkpoint)


# -- every K epochs --------------------------------------------------------------------------------


def test_every_k_epochs_with_a_placeholder_keeps_one_file_per_save(tmp_path) -> None:
    set_seed(SEED)
    network = small_network()
    checkpoint = Checkpoint(tmp_path / "run" / "epoch-{epoch}.npz", every=3)
    (tmp_path / "run").mkdir()
    network.train(*dataset(), epochs=10, verbose=False, checkpoint=checkpoint)

    expected = [tmp_path / "run" / f"epoch-{k}.npz" for k in (3, 6, 9)]
    assert checkpoint.saved == expected
    assert sorted((tmp_path / "run").iterdir()) == sorted(expected)  # nothing else: no temporary files
    X = dataset()[0]
    for k, path in zip((3, 6, 9), expected, strict=True):
        assert read_archive(path)[0]["epochs_trained"] == k
        assert_same_network(load_network(path), trained(k), X)


def test_placeholder_with_a_format_spec(tmp_path) -> None:
    checkpoint = Checkpoint(tmp_path / "epoch-{epoch:03d}.npz", every=2)
    small_network().train(*dataset(), epochs=4, verbose=False, checkpoint=checkpoint)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch-002.npz", "epoch-004.npz"]


def test_every_k_epochs_without_a_placeholder_replaces_one_file(tmp_path) -> None:
    set_seed(SEED)
    network = small_network()
    checkpoint = Checkpoint(tmp_path / "latest.npz", every=2)
    network.train(*dataset(), epochs=7, verbose=False, checkpoint=checkpoint)

    assert checkpoint.saved == [tmp_path / "latest.npz"] * 3  # after epochs 2, 4 and 6
    assert [p.name for p in tmp_path.iterdir()] == ["latest.npz"]
    assert_same_network(load_network(tmp_path / "latest.npz"), trained(6), dataset()[0])


def test_every_one_saves_after_each_epoch(tmp_path) -> None:
    checkpoint = Checkpoint(tmp_path / "e{epoch}.npz")
    small_network().train(*dataset(), epochs=3, verbose=False, checkpoint=checkpoint)
    assert [p.name for p in checkpoint.saved] == ["e1.npz", "e2.npz", "e3.npz"]


# -- the best weights ------------------------------------------------------------------------------


def oscillating_run(tmp_path: Path, checkpoint: Checkpoint) -> tuple[list[float], np.ndarray, np.ndarray]:
    """Adam with a large step on 20 samples: the loss falls, rises, falls again; best at epoch 7 of 10."""
    X, y = dataset(n_samples=20)
    set_seed(SEED)
    network = small_network({"type": "adam", "learning_rate": 1.0})
    history = network.train(X, y, epochs=10, verbose=False, checkpoint=checkpoint)
    return history, X, y


def test_best_path_holds_the_weights_that_scored_the_minimum_loss(tmp_path) -> None:
    checkpoint = Checkpoint(best_path=tmp_path / "best.npz")
    history, X, y = oscillating_run(tmp_path, checkpoint)
    best_epoch = int(np.argmin(history)) + 1
    assert 1 < best_epoch < len(history) and history[-1] > min(history), history  # a real test of "best"

    best = load_network(tmp_path / "best.npz")
    assert best.loss_function(best.predict(X), MLArray(y)).item() == min(history)
    assert best.epochs_trained == best_epoch - 1
    assert checkpoint.best == min(history)

    set_seed(SEED)
    reference = small_network({"type": "adam", "learning_rate": 1.0})
    reference.train(X, y, epochs=best_epoch - 1, verbose=False)
    assert_same_network(best, reference, X)


def test_best_path_is_written_at_each_new_low_only(tmp_path) -> None:
    checkpoint = Checkpoint(best_path=tmp_path / "best.npz")
    history, _, _ = oscillating_run(tmp_path, checkpoint)
    new_lows = [i for i, loss in enumerate(history) if loss < min(history[:i], default=np.inf)]
    assert len(checkpoint.saved) == len(new_lows) < len(history)
    assert [p.name for p in tmp_path.iterdir()] == ["best.npz"]


def test_path_and_best_path_together(tmp_path) -> None:
    checkpoint = Checkpoint(tmp_path / "every-{epoch}.npz", every=5, best_path=tmp_path / "best.npz")
    history, _, _ = oscillating_run(tmp_path, checkpoint)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.npz", "every-10.npz", "every-5.npz"]
    assert load_network(tmp_path / "every-10.npz").epochs_trained == 10
    assert load_network(tmp_path / "best.npz").epochs_trained == int(np.argmin(history))
