"""Shared fixtures: every test gets its own registry and a fixed random seed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import smolml_core
from smolml_core.registry.loader import installed_entry_points

_ENTRY_POINTS = installed_entry_points()


@pytest.fixture(autouse=True)
def registry() -> Iterator[smolml_core.Registry]:
    """A fresh registry holding the installed plugins, so nothing registered leaks between tests."""
    with smolml_core.use_registry(smolml_core.Registry(entry_points=_ENTRY_POINTS)) as fresh:
        yield fresh


@pytest.fixture(autouse=True)
def _no_plugin_settings_from_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plugin selection and strict mode come from each test, never from the shell that runs the suite."""
    for variable in (
        "SMOLML_PLUGINS",
        "SMOLML_DISABLE_PLUGINS",
        "SMOLML_DISABLE_PLUGIN_AUTOLOAD",
        "SMOLML_STRICT_PLUGINS",
    ):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture(autouse=True)
def _seeded() -> None:
    smolml_core.set_seed(0)
