"""Model files written by an earlier SmolML still load, predict and resume bit for bit.

The files in tests/fixtures/saved_models were saved once and are never rewritten
(see make.py there). Each holds a trained network with its optimizer state; loading
it must give back exactly the predictions it made when saved, and training it on
from a fixed seed must give exactly the numbers it gave then, which fails if a
parameter, a buffer (batch norm's running statistics) or a piece of optimizer
state is read under another name or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import numpy as np
import pytest

import smolml_core
from smolml_core import load_network

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "saved_models"
EXTRAS = Path(__file__).resolve().parents[2] / "plugins" / "smolml-extras"
CASES = ["dense_adam", "scalar_momentum", "extras_batch_norm"]


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[smolml_core.Registry]:
    """The standard plugin and smolml-extras from this checkout, nothing else."""
    monkeypatch.syspath_prepend(str(EXTRAS))
    eps = [ep for ep in entry_points(group="smolml") if ep.name == "std"]
    eps.append(EntryPoint(name="extras", value="smolml_extras.plugin", group="smolml"))
    with smolml_core.use_registry(smolml_core.Registry(entry_points=eps)) as fresh:
        yield fresh


def _load(name: str, what: str) -> np.ndarray:
    return np.load(FIXTURES / f"{name}.{what}.npy")


@pytest.mark.parametrize("name", CASES)
def test_an_old_file_predicts_exactly_as_when_saved(name: str, registry: smolml_core.Registry) -> None:
    network = load_network(FIXTURES / f"{name}.npz")
    predicted = network.predict(_load(name, "inputs")).numpy()
    np.testing.assert_array_equal(predicted, _load(name, "predictions"))


@pytest.mark.parametrize("name", CASES)
def test_an_old_file_resumes_training_exactly(name: str, registry: smolml_core.Registry) -> None:
    network = load_network(FIXTURES / f"{name}.npz")
    assert network.optimizer.state, "the saved optimizer state was not restored"
    smolml_core.set_seed(11)
    network.train(_load(name, "inputs"), _load(name, "targets"), epochs=2, verbose=False, batch_size=5)
    np.testing.assert_array_equal(network.predict(_load(name, "inputs")).numpy(), _load(name, "resumed"))


def test_an_old_file_keeps_its_running_statistics(registry: smolml_core.Registry) -> None:
    network = load_network(FIXTURES / "extras_batch_norm.npz")
    mean = network.layers[1].running_mean.numpy()
    assert np.all(mean != 0.0), "batch norm's running mean was not restored"
