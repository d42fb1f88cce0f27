"""Saving is atomic: the target holds the old file or the complete new one, never a part, never a mix.

``network.save`` writes a temporary ``.<name>.<random>.tmp`` beside the target,
syncs it, then renames it over the target. These tests check that a save
replaces the whole file, that a save failing at any point (before writing,
mid-write, at the sync, at the rename) leaves the old file byte for byte and no
temporary file, and that killing a process with SIGKILL while it saves, at
random moments, always leaves a target that loads as one of the two networks it
was writing.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from smolml_core import (
    ConfigError,
    Layer,
    ModelFileError,
    NeuralNetwork,
    Optimizer,
    load_network,
    register,
    set_seed,
    use_registry,
)
from smolml_std.layers import DenseLayer

from .helpers import assert_same_network, dataset, installed_registry, small_network

HELPER = Path(__file__).with_name("save_loop_helper.py")


def temporary_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_save_replaces_an_existing_file_completely(tmp_path) -> None:
    target, reference = tmp_path / "net.npz", tmp_path / "reference.npz"
    big = NeuralNetwork([DenseLayer(60, 50), DenseLayer(50, 2)], "mse", "adam")
    big.train(np.ones((3, 60)), np.zeros((3, 2)), epochs=1, verbose=False)
    big.save(target)
    old_size, old_inode = target.stat().st_size, target.stat().st_ino

    X, y = dataset()
    small = small_network()
    small.train(X, y, epochs=2, verbose=False)
    assert small.save(target) == target
    small.save(reference)

    assert target.stat().st_ino != old_inode, "the file was rewritten in place, not replaced"
    assert target.stat().st_size == reference.stat().st_size < old_size  # nothing of the old file is left
    assert_same_network(load_network(target), small, X)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.npz", "reference.npz"]


class Unregistered(Layer):
    def __init__(self, size: int) -> None:
        self.weights = DenseLayer(size, size).weights

    def forward(self, X: Any) -> Any:
        return X @ self.weights


class KeepsAList(Optimizer):
    """An optimizer whose state holds something that is neither an array nor a number."""

    def step(self, value: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        state.setdefault("history", []).append(float(grad.sum()))
        value -= self.learning_rate * grad


@pytest.fixture
def old_file(tmp_path) -> tuple[Path, bytes]:
    path = tmp_path / "net.npz"
    network = small_network()
    network.train(*dataset(), epochs=1, verbose=False)
    network.save(path)
    return path, path.read_bytes()


def assert_untouched(old_file: tuple[Path, bytes]) -> None:
    path, content = old_file
    assert path.read_bytes() == content
    assert temporary_files(path.parent) == []
    load_network(path)


def test_unregistered_layer_fails_before_writing(old_file) -> None:
    network = NeuralNetwork([Unregistered(3)], "mse")
    with pytest.raises(ConfigError, match=r"layers\[0\]: .* is not registered"):
        network.save(old_file[0])
    assert_untouched(old_file)


def test_optimizer_state_that_cannot_be_saved_fails_before_writing(old_file) -> None:
    register("optimizer", "keeps_a_list", KeepsAList)
    network = small_network("keeps_a_list")
    network.train(*dataset(), epochs=1, verbose=False)
    with pytest.raises(ModelFileError, match="the optimizer keeps list 'history'"):
        network.save(old_file[0])
    assert_untouched(old_file)


class Boom(Exception):
    pass


def savez_writing_half(real_savez: Any) -> Any:
    """np.savez that writes the first half of the archive, then fails."""

    def savez(file: Any, **arrays: Any) -> None:
        import io

        buffer = io.BytesIO()
        real_savez(buffer, **arrays)
        file.write(buffer.getvalue()[: len(buffer.getvalue()) // 2])
        file.flush()
        raise Boom("disk full")

    return savez


def fail(error: BaseException) -> Any:
    def failing(*args: Any, **kwargs: Any) -> None:
        raise error

    return failing


@pytest.mark.parametrize(
    "where",
    ["savez raises mid-write", "KeyboardInterrupt mid-write", "fsync fails", "rename fails"],
)
def test_save_failing_mid_way_leaves_the_old_file_and_no_temporary(where: str, old_file, monkeypatch) -> None:
    network = small_network("sgd")  # different from the saved one
    if where == "savez raises mid-write":
        monkeypatch.setattr(np, "savez", savez_writing_half(np.savez))
        expected: type[BaseException] = Boom
    elif where == "KeyboardInterrupt mid-write":
        monkeypatch.setattr(np, "savez", fail(KeyboardInterrupt()))
        expected = KeyboardInterrupt
    elif where == "fsync fails":
        monkeypatch.setattr(os, "fsync", fail(OSError(5, "Input/output error")))
        expected = OSError
    else:
        monkeypatch.setattr(os, "replace", fail(PermissionError(13, "Permission denied")))
        expected = PermissionError
    with pytest.raises(expected):
        network.save(old_file[0])
    monkeypatch.undo()
    assert_untouched(old_file)


def test_failed_first_save_leaves_nothing(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(np, "savez", savez_writing_half(np.savez))
    with pytest.raises(Boom):
        small_network().save(tmp_path / "net.npz")
    assert list(tmp_path.iterdir()) == []


# -- killed while saving ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_big_networks(tmp_path_factory) -> tuple[list[Path], list[NeuralNetwork]]:
    """Two networks of ~36 MB each (a 1500 x 1500 dense layer and its momentum), so a save takes a while."""
    folder = tmp_path_factory.mktemp("big")
    paths, networks = [], []
    with use_registry(installed_registry()):
        for seed in (1, 2):
            set_seed(seed)
            network = NeuralNetwork([DenseLayer(1500, 1500), DenseLayer(1500, 1)], "mse", "sgd_momentum")
            rng = np.random.default_rng(seed)
            network.train(rng.normal(size=(4, 1500)), rng.normal(size=(4, 1)), epochs=seed, verbose=False)
            paths.append(folder / f"network-{seed}.npz")
            network.save(paths[-1])
            networks.append(network)
    return paths, networks


def which(path: Path, networks: list[NeuralNetwork]) -> int:
    """Which of ``networks`` the file holds, exactly; fails if it holds neither (a mix, or damage)."""
    loaded = load_network(path)  # a ModelFileError here is a damaged target: the failure looked for
    for index, network in enumerate(networks):
        try:
            assert_same_network(loaded, network)
        except AssertionError:
            continue
        return index
    pytest.fail(f"{path} loads, but holds neither of the two networks being saved")


def kill_while_saving(kills: int, seed: int, folder: Path, two_big_networks) -> dict[str, Any]:
    paths, networks = two_big_networks
    target = folder / "target.npz"
    shutil.copyfile(paths[0], target)
    rng = random.Random(seed)
    found, interrupted = [], 0
    for _ in range(kills):
        child = subprocess.Popen(
            [sys.executable, str(HELPER), str(paths[0]), str(paths[1]), str(target)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            ready = child.stdout.readline() if child.stdout else ""
            assert ready.strip() == "ready", child.stderr.read() if child.stderr else ""
            time.sleep(rng.uniform(0.0, 0.5))  # a few saves of ~100 ms each: lands anywhere in one
            os.kill(child.pid, signal.SIGKILL)
        finally:
            if child.poll() is None:
                child.kill()
            child.communicate()
        assert child.returncode == -signal.SIGKILL
        found.append(which(target, networks))
        # A kill mid-save leaves its temporary file behind: acceptable (nothing can clean up after
        # SIGKILL, and the name says what it is), as long as the target itself is whole.
        leftovers = temporary_files(folder)
        assert all(name.startswith(".target.npz.") for name in leftovers), leftovers
        interrupted += len(leftovers)
        for name in leftovers:
            (folder / name).unlink()
    return {"found": found, "interrupted": interrupted}


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_while_saving_leaves_a_loadable_target(tmp_path, two_big_networks) -> None:
    result = kill_while_saving(1, seed=0, folder=tmp_path, two_big_networks=two_big_networks)
    print(f"\n1 kill: target held network {result['found']}, {result['interrupted']} killed mid-save")


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_many_times_while_saving_leaves_a_loadable_target(tmp_path, two_big_networks) -> None:
    kills = 25
    result = kill_while_saving(kills, seed=1, folder=tmp_path, two_big_networks=two_big_networks)
    print(f"\n{kills} kills: target held network {result['found']}, {result['interrupted']} killed mid-save")
    # The child spends most of its time (about 60%) between creating the temporary file and
    # renaming it, so many kills interrupt a write: proof that the kills really landed mid-save.
    # (At least 3 of 25 leaves a wide margin: fewer would happen about once in ten million runs.)
    assert result["interrupted"] >= 3
    assert set(result["found"]) == {0, 1}
