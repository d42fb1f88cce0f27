"""The plugin package the author's guide builds is complete, loads, passes the kit and trains.

``nox -s extras`` goes further and installs it with pip, as a reader would.
"""

from __future__ import annotations

import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import pytest

from smolml_core import Registry, use_registry
from smolml_core.cli import main
from smolml_core.registry.loader import installed_entry_points
from smolml_core.testing import check_component

from .plugin_guide import guide_files, write_guide_plugin

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

EXPECTED = {
    "smolml-softsign/pyproject.toml",
    "smolml-softsign/smolml_softsign/__init__.py",
    "smolml-softsign/smolml_softsign/plugin.py",
    "smolml-softsign/tests/test_softsign.py",
    "smolml-softsign/examples/xor_softsign.toml",
}


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = write_guide_plugin(tmp_path)
    monkeypatch.syspath_prepend(str(folder))
    yield folder
    for name in [m for m in sys.modules if m.startswith("smolml_softsign")]:
        del sys.modules[name]


def entry_points(folder: Path) -> list[EntryPoint]:
    """The entry points the package's pyproject.toml declares, plus the standard set."""
    declared = tomllib.loads((folder / "pyproject.toml").read_text())["project"]["entry-points"]["smolml"]
    std = [ep for ep in installed_entry_points() if ep.name == "std"]
    return [*std, *(EntryPoint(name=k, value=v, group="smolml") for k, v in declared.items())]


def test_the_guide_shows_every_file_of_the_folder_tree() -> None:
    assert set(guide_files()) == EXPECTED


def test_the_pyproject_declares_the_package_the_guide_writes(package: Path) -> None:
    project = tomllib.loads((package / "pyproject.toml").read_text())
    [module] = project["project"]["entry-points"]["smolml"].values()
    assert project["tool"]["setuptools"]["packages"] == ["smolml_softsign"]
    assert (package / (module.replace(".", "/") + ".py")).is_file()


def test_every_component_passes_the_kit(package: Path) -> None:
    with use_registry(Registry(entry_points(package))) as registry:
        mine = [c for c in registry.components() if c.plugin == "softsign"]
        assert {(c.kind, c.name) for c in mine} == {
            ("activation", "softsign"),
            ("loss", "log_cosh"),
            ("layer", "scale"),
        }
        for component in mine:
            outcomes = check_component(component.kind, component)
            failed = {k: v for k, v in outcomes.items() if v != "passed" and not v.startswith("not applicable")}
            assert not failed, (component.name, failed)


def test_the_example_config_trains(package: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = package / "examples" / "xor_softsign.toml"
    with use_registry(Registry(entry_points(package))):
        status = main(["train", str(config), "--quiet", "--save", str(tmp_path / "model.npz")])
    assert status == 0, capsys.readouterr().err
    assert (tmp_path / "model.npz").is_file()
