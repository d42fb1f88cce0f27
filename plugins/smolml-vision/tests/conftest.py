"""Every test gets a fresh registry holding the standard plugin and this one, and a fixed seed.

Other installed plugins are left out, so nothing else in the environment (a
broken plugin, a rival name) can change what these tests see. The tests run
whether or not smolml-vision is installed. When it is not, the package folder
goes on ``sys.path`` and its entry point is added, so SmolML loads it exactly
as it would load the installed distribution: by importing
``smolml_vision.plugin`` and calling its hooks.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

import pytest

import smolml_core
from smolml_core.testing import kit_cases

PLUGIN_ROOT = Path(__file__).resolve().parents[1]


def _entry_points() -> list[EntryPoint]:
    installed = [ep for ep in entry_points(group="smolml") if ep.name in ("std", "vision")]
    if any(ep.name == "vision" for ep in installed):
        return installed
    if importlib.util.find_spec("smolml_vision") is None:
        sys.path.insert(0, str(PLUGIN_ROOT))
    return [*installed, EntryPoint(name="vision", value="smolml_vision.plugin", group="smolml")]


ENTRY_POINTS = _entry_points()


@pytest.fixture(autouse=True)
def registry() -> Iterator[smolml_core.Registry]:
    """A registry of its own for each test, so nothing one test registers reaches another."""
    with smolml_core.use_registry(smolml_core.Registry(entry_points=ENTRY_POINTS)) as fresh:
        yield fresh


@pytest.fixture(autouse=True)
def _seeded() -> None:
    smolml_core.set_seed(0)


@pytest.fixture(params=smolml_core.ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Each engine in turn: numpy arrays, then ``Value`` objects."""
    return str(request.param)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``kit_case``: one case of SmolML's component test kit per vision component and check."""
    if "kit_case" in metafunc.fixturenames:
        with smolml_core.use_registry(smolml_core.Registry(entry_points=ENTRY_POINTS)):
            cases = kit_cases("vision")
        metafunc.parametrize("kit_case", cases, ids=str)
