"""The core never imports a plugin, and plugins use only the core's public names."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import smolml_core

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_PACKAGES = {p.name for p in (ROOT / "plugins").iterdir() if (p / "__init__.py").exists()}
PUBLIC_CORE_MODULES = {
    "smolml_core",
    "smolml_core.export",
    "smolml_core.registry",
    "smolml_core.testing",
    "smolml_core.validation",
}
# Plugin packages that live in a distribution of their own, like a third party's
SEPARATE_PLUGIN_PACKAGES = [
    ROOT / "plugins" / "smolml-extras" / "smolml_extras",
    ROOT / "plugins" / "smolml-vision" / "smolml_vision",
]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_core_imports_no_plugin() -> None:
    assert "smolml_std" in PLUGIN_PACKAGES
    for path in (ROOT / "smolml_core").rglob("*.py"):
        for module in imported_modules(path):
            assert module.split(".")[0] not in PLUGIN_PACKAGES, f"{path.relative_to(ROOT)} imports {module}"


def test_plugins_use_only_public_core_modules() -> None:
    packages = [ROOT / "plugins" / package for package in PLUGIN_PACKAGES] + SEPARATE_PLUGIN_PACKAGES
    for package in packages:
        assert (package / "__init__.py").exists(), f"{package.relative_to(ROOT)} is not a package"
        for path in package.rglob("*.py"):
            for module in imported_modules(path):
                if module.startswith("smolml_core"):
                    assert module in PUBLIC_CORE_MODULES, f"{path.relative_to(ROOT)} imports {module}"


def test_importing_the_core_loads_no_plugin() -> None:
    code = "import sys, smolml_core; print(sorted(m for m in sys.modules if m.startswith('smolml_std')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_public_names_are_all_exported() -> None:
    for name in smolml_core.__all__:
        assert hasattr(smolml_core, name), name
