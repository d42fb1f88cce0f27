"""A model saved before a plugin that shares its names was installed still loads, with the components it was saved with.

The files in tests/fixtures/saved_models record which plugin provided each
component. A rival plugin registering every short name they use makes each of
those names ambiguous; loading must follow the file's record instead.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from smolml_core import DuplicateComponentError, PluginWarning, Registry, hookimpl, load_network, lookup, use_registry
from smolml_core.registry import with_recorded_names
from smolml_core.registry.loader import installed_entry_points

from .fakes import FakeEntryPoint, plugin_module

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "saved_models"
STD = [ep for ep in installed_entry_points() if ep.name == "std"]
HOOK_OF_KIND = {
    "activation": "smolml_register_activations",
    "loss": "smolml_register_losses",
    "optimizer": "smolml_register_optimizers",
    "initializer": "smolml_register_initializers",
    "layer": "smolml_register_layers",
}


def recorded(name: str) -> list[dict[str, Any]]:
    with np.load(FIXTURES / f"{name}.npz") as archive:
        meta: dict[str, Any] = json.loads(archive["meta"].tobytes())
    return meta["plugins"]


def rival_of(names: list[tuple[str, str]]) -> FakeEntryPoint:
    """A plugin registering, under each of ``names``, std's component of that name (so every one is valid)."""

    def hook(kind: str) -> Any:
        @hookimpl
        def register_all(register: Any) -> None:
            for k, name in names:
                if k == kind:
                    register(name, _std("activation", "linear") if kind == "activation" else _std(k, name))

        return register_all

    kinds = {kind for kind, _ in names}
    return FakeEntryPoint("rival", plugin_module("rival", **{HOOK_OF_KIND[k]: hook(k) for k in kinds}))


def _std(kind: str, name: str) -> Any:
    with use_registry(Registry(STD)):
        return lookup(kind, name)


@pytest.fixture
def rival_installed() -> Iterator[Registry]:
    names = sorted({(kind, name) for record in recorded("dense_adam") for kind, name in record["components"]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginWarning)  # the shared names are reported; that is expected
        with use_registry(Registry([*STD, rival_of(names)])) as registry:
            yield registry


def test_every_name_the_saved_model_uses_is_ambiguous_now(rival_installed: Registry) -> None:
    with pytest.raises(DuplicateComponentError, match="the activation name 'relu' is ambiguous"):
        lookup("activation", "relu")
    assert {p.stage for p in rival_installed.problems()} == {"collision"}


def test_a_model_saved_earlier_loads_with_the_plugin_it_recorded(rival_installed: Registry, tmp_path: Path) -> None:
    network = load_network(FIXTURES / "dense_adam.npz")
    inputs = np.load(FIXTURES / "dense_adam.inputs.npy")
    np.testing.assert_array_equal(network.predict(inputs).numpy(), np.load(FIXTURES / "dense_adam.predictions.npy"))
    layer = network.to_config()["layers"][0]
    assert (layer["type"], layer["activation_function"]) == ("std:dense", "std:relu")

    # Saved again, the file names what it uses unambiguously, and loads again.
    network.save(tmp_path / "again.npz")
    again = load_network(tmp_path / "again.npz")
    np.testing.assert_array_equal(again.predict(inputs).numpy(), network.predict(inputs).numpy())


def test_only_names_the_file_records_are_rewritten() -> None:
    with use_registry(Registry(STD)) as registry:
        relu = registry.get("activation", "relu")
        config = {
            "layers": [{"type": "dense", "activation_function": "relu", "name": "relu"}],
            "loss_function": "mse",
        }
        # Without a rival, the short names already find the recorded components: nothing changes.
        assert with_recorded_names(config, [relu]) == config
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginWarning)
        with use_registry(Registry([*STD, rival_of([("activation", "relu"), ("loss", "mse_loss")])])) as registry:
            relu = registry.get("activation", "std:relu")
            assert with_recorded_names(config, [relu]) == {
                "layers": [{"type": "dense", "activation_function": "std:relu", "name": "relu"}],
                "loss_function": "mse",  # not recorded: left for the registry to judge
            }
