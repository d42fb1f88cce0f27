"""Acceptance: a broken plugin installed beside smolml-extras leaves every other component usable.

These tests need the distributions really installed (``nox -s extras`` installs
the core, ``plugins/smolml-extras`` and ``tests/fixtures/smolml-broken``), so
they carry the ``installed`` mark and the default suite leaves them out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from smolml_core import Registry, UnknownComponentError, resolve, use_registry

pytestmark = pytest.mark.installed

ROOT = Path(__file__).resolve().parents[2]
EXTRAS_EXAMPLES = ROOT / "plugins" / "smolml-extras" / "examples"


def smolml(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "smolml_core.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ, **env}, timeout=300)


@pytest.fixture(scope="module")
def installed() -> Registry:
    registry = Registry()
    names = {p.name: p.status for p in registry.plugins()}
    missing = {"std", "extras", "broken_import", "broken_hook"} - set(names)
    if missing:
        pytest.fail(f"this check needs the plugins {sorted(missing)} installed; run it with `nox -s extras`")
    return registry


def test_the_broken_plugins_are_reported_and_the_others_loaded(installed: Registry) -> None:
    status = {p.name: p for p in installed.plugins()}
    assert status["std"].status == status["extras"].status == "loaded"
    assert status["broken_import"].status == status["broken_hook"].status == "failed"
    [import_problem] = status["broken_import"].problems
    assert import_problem.distribution == "smolml-broken" and import_problem.version == "0.0.1"
    assert "smolml_fictional_dependency" in import_problem.error
    assert status["broken_hook"].would_have_provided == (("activation", "halfway"),)


def test_every_other_component_is_usable(installed: Registry) -> None:
    with use_registry(installed):
        components = [c for c in installed.components() if c.plugin in ("std", "extras")]
        assert {c.plugin for c in components} == {"std", "extras"}
        for component in components:
            name = installed.name_for(component)
            assert installed.get(component.kind, name) is component
            if component.kind in ("activation", "loss", "metric"):
                continue
            resolve(component.kind, {"type": name, **(component.example or {})})


def test_a_name_from_the_broken_plugin_says_where_it_would_have_come_from(installed: Registry) -> None:
    with pytest.raises(UnknownComponentError, match=r"It comes from plugin 'broken_hook' \(distribution smolml-broken"):
        installed.get("activation", "halfway")


def test_smolml_plugins_shows_what_went_wrong() -> None:
    result = smolml("plugins")
    assert result.returncode == 0, result.stderr
    for expected in ("broken_import", "broken_hook", "smolml_fictional_dependency", "this layer hook always fails"):
        assert expected in result.stdout
    as_json = smolml("plugins", "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert "smolml_fictional_dependency" in as_json.stdout
    json.loads(as_json.stdout)


def test_training_with_extras_components_works_beside_the_broken_plugin(tmp_path: Path) -> None:
    [config] = sorted(EXTRAS_EXAMPLES.glob("*.toml"))[:1]
    result = smolml("train", str(config), "--quiet", "--save", str(tmp_path / "model.npz"))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "model.npz").exists()


def test_strict_mode_refuses_to_run_and_disabling_the_broken_plugins_fixes_it() -> None:
    strict = smolml("components", SMOLML_STRICT_PLUGINS="1")
    assert strict.returncode == 2
    assert "broken_import" in strict.stderr and "broken_hook" in strict.stderr
    fixed = smolml("plugins", "--check", SMOLML_STRICT_PLUGINS="1", SMOLML_DISABLE_PLUGINS="broken_import,broken_hook")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
