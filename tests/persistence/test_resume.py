"""Training resumed from a file in a new process ends exactly where an uninterrupted run does.

N epochs here, save; load in a fresh Python process (tests/persistence/resume_helper.py),
train M more, save; then compare with N + M epochs in one go: every weight,
every optimizer buffer and step counter, the losses and the random state, bit
for bit.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from smolml_core import Checkpoint, NeuralNetwork, get_rng, load_network, set_seed

from .helpers import assert_same_network, dataset, installed_registry, read_archive, small_network

HELPER = Path(__file__).with_name("resume_helper.py")
OPTIMIZERS = [c.name for c in installed_registry().components("optimizer") if c.plugin == "std"]
N, M = 3, 4
SEED = 3


def train_elsewhere(source: Path, target: Path, X: np.ndarray, y: np.ndarray, epochs: int) -> list[float]:
    """Load ``source`` in a new Python process, train ``epochs`` more, save to ``target``; the losses there."""
    data = target.with_name("data.npz")
    np.savez(data, X=X, y=y)
    done = subprocess.run(
        [sys.executable, str(HELPER), str(source), str(target), str(data), str(epochs)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=target.parent,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def uninterrupted(build: Any, X: np.ndarray, y: np.ndarray, epochs: int) -> tuple[NeuralNetwork, list[float]]:
    set_seed(SEED)
    network = build()
    return network, network.train(X, y, epochs=epochs, verbose=False)


def assert_resumed_matches(resumed_file: Path, straight: NeuralNetwork, X: np.ndarray) -> None:
    """The resumed file holds what the uninterrupted run holds now, random state included."""
    assert read_archive(resumed_file)[0]["rng"] == get_rng().bit_generator.state
    assert_same_network(load_network(resumed_file), straight, X)


def test_every_standard_optimizer_is_checked() -> None:
    assert set(OPTIMIZERS) == {"sgd", "sgd_momentum", "adagrad", "adam"}


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_resume_in_a_new_process_matches_training_without_stopping(optimizer: str, tmp_path) -> None:
    X, y = dataset()

    def build() -> NeuralNetwork:
        return small_network({"type": optimizer, "learning_rate": 0.2})

    set_seed(SEED)
    first = build()
    first_losses = first.train(X, y, epochs=N, verbose=False)
    first.save(tmp_path / "first.npz")
    later_losses = train_elsewhere(tmp_path / "first.npz", tmp_path / "resumed.npz", X, y, M)

    straight, straight_losses = uninterrupted(build, X, y, N + M)
    assert first_losses + later_losses == straight_losses
    assert_resumed_matches(tmp_path / "resumed.npz", straight, X)
    assert straight.epochs_trained == N + M
    if optimizer != "sgd":
        assert any(isinstance(v, np.ndarray) for s in straight.optimizer.state.values() for v in s.values())


def test_resume_on_the_scalar_engine(tmp_path) -> None:
    X, y = dataset(n_samples=4)

    def build() -> NeuralNetwork:
        return small_network({"type": "adam", "learning_rate": 0.2}, engine="scalar")

    set_seed(SEED)
    first = build()
    first_losses = first.train(X, y, epochs=2, verbose=False)
    first.save(tmp_path / "first.npz")
    later_losses = train_elsewhere(tmp_path / "first.npz", tmp_path / "resumed.npz", X, y, 2)

    straight, straight_losses = uninterrupted(build, X, y, 4)
    assert first_losses + later_losses == straight_losses
    assert_resumed_matches(tmp_path / "resumed.npz", straight, X)


def oscillating() -> NeuralNetwork:
    """On dataset(n_samples=20) its loss falls, rises, then reaches its best at epoch 7 of 10."""
    return small_network({"type": "adam", "learning_rate": 1.0})


def test_resume_from_the_best_checkpoint(tmp_path) -> None:
    X, y = dataset(n_samples=20)
    set_seed(SEED)
    network = oscillating()
    checkpoint = Checkpoint(best_path=tmp_path / "best.npz")
    losses = network.train(X, y, epochs=10, verbose=False, checkpoint=checkpoint)
    best_epoch = int(np.argmin(losses)) + 1
    assert 1 < best_epoch < 10, losses  # the best file is neither the first nor the last weights
    assert read_archive(tmp_path / "best.npz")[0]["epochs_trained"] == best_epoch - 1

    later_losses = train_elsewhere(tmp_path / "best.npz", tmp_path / "resumed.npz", X, y, M)
    straight, straight_losses = uninterrupted(oscillating, X, y, best_epoch - 1 + M)
    assert straight_losses[best_epoch - 1 :] == later_losses
    assert_resumed_matches(tmp_path / "resumed.npz", straight, X)


def test_resume_from_an_epoch_numbered_checkpoint(tmp_path) -> None:
    X, y = dataset()

    def build() -> NeuralNetwork:
        return small_network({"type": "sgd_momentum", "learning_rate": 0.2})

    set_seed(SEED)
    network = build()
    network.train(X, y, epochs=6, verbose=False, checkpoint=Checkpoint(tmp_path / "epoch-{epoch}.npz", every=2))
    assert sorted(p.name for p in tmp_path.glob("*.npz")) == ["epoch-2.npz", "epoch-4.npz", "epoch-6.npz"]

    later_losses = train_elsewhere(tmp_path / "epoch-4.npz", tmp_path / "resumed.npz", X, y, 3)
    straight, straight_losses = uninterrupted(build, X, y, 7)
    assert straight_losses[4:] == later_losses
    assert_resumed_matches(tmp_path / "resumed.npz", straight, X)
