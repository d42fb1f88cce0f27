"""Start-up stays cheap: importing SmolML finds and loads no plugin; the commands import only what they use.

Plugins are discovered (entry points read from every installed distribution's
metadata) and loaded on the first registry lookup, never at import time. Each
check runs in a fresh interpreter, since this test process has long imported
everything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from smolml_core.registry.loader import installed_entry_points

# What no plugin listing needs: scikit-learn (the datasets), matplotlib (the plots) and the modules that use them.
NOT_NEEDED = ("sklearn", "scipy", "matplotlib", "smolml_core.datasets", "smolml_core.plotting")


def fresh(code: str) -> Any:
    """Run ``code`` in a new interpreter (no plugin settings from outside); what it printed last, as JSON."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMOLML_")}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def plugin_packages() -> set[str]:
    """The top-level packages the installed plugins' entry points name (``smolml_std`` for ``std``)."""
    return {ep.value.split(":")[0].split(".")[0] for ep in installed_entry_points()}


def test_importing_the_core_reads_no_entry_point_and_imports_no_plugin() -> None:
    modules = set(fresh("import json, sys, smolml_core; print(json.dumps(sorted(sys.modules)))"))
    assert "smolml_std" in plugin_packages()
    assert not {m for m in modules if m.split(".")[0] in plugin_packages()}
    # importlib_metadata is what discovery uses: not even imported means not called
    assert "importlib_metadata" not in modules
    assert "importlib.metadata" not in modules


def test_entry_points_are_read_once_on_the_first_lookup() -> None:
    code = """
import json
import importlib_metadata

calls = []
real = importlib_metadata.entry_points

def counting(*args, **kwargs):
    calls.append(kwargs.get("group"))
    return real(*args, **kwargs)

importlib_metadata.entry_points = counting
import smolml_core
at_import = list(calls)
smolml_core.lookup("activation", "relu")
smolml_core.lookup("optimizer", "adam")
print(json.dumps({"at_import": at_import, "after_lookups": calls}))
"""
    assert fresh(code) == {"at_import": [], "after_lookups": ["smolml"]}


def test_the_command_imports_no_plugin_until_it_runs_and_then_nothing_it_does_not_use() -> None:
    code = """
import contextlib, io, json, sys
import smolml_core.cli
imported = sorted(sys.modules)
with contextlib.redirect_stdout(io.StringIO()):
    for argv in (["plugins"], ["plugins", "--json"], ["components"], ["components", "show", "layer", "dense"]):
        assert smolml_core.cli.main(argv) == 0, argv
print(json.dumps({"imported": imported, "after": sorted(sys.modules)}))
"""
    found = fresh(code)
    at_import, after = set(found["imported"]), set(found["after"])
    assert not {m for m in at_import if m.split(".")[0] in plugin_packages()}
    assert "importlib_metadata" not in at_import
    assert "smolml_core.cli.train" not in at_import and "smolml_core.cli.plugins" not in at_import
    assert "smolml_std.plugin" in after  # running the commands loads the plugins: that is their job
    for name in NOT_NEEDED:
        assert not {m for m in after if m == name or m.startswith(name + ".")}, name
