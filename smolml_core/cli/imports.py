"""``-p``: import a Python file or module that registers components, before a command builds or loads a network.

Like ``pytest -p``: ``smolml train run.toml -p my_layers.py`` runs ``my_layers.py``
(its ``smolml_core.register(...)`` calls add its components by name), and
``-p my_package.layers`` imports a module. This is the only way code gets into
a command: a config file names components, it never imports anything.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import CommandError, place_of

__all__ = ["import_components"]


def import_components(specs: Sequence[str]) -> None:
    """Import each ``-p`` argument in order: a path ending in ``.py`` is run as a file, anything else imported."""
    for spec in specs:
        try:
            if spec.endswith(".py") or "/" in spec or "\\" in spec:
                _run_file(Path(spec))
            else:
                _import_module(spec)
        except CommandError:
            raise
        except Exception as exc:
            raise CommandError(
                f"error: -p {spec}: importing it raised {type(exc).__name__}: {exc}{place_of(exc)}"
            ) from exc


def _run_file(path: Path) -> None:
    if not path.is_file():
        raise CommandError(f"error: -p {path}: there is no such file; give a Python file or a module name")
    name = f"smolml_components_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CommandError(f"error: -p {path}: not a Python file that can be imported")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # so that pickling and dataclasses can find what it defines
    spec.loader.exec_module(module)


def _import_module(name: str) -> None:
    try:
        importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and name.startswith(exc.name):
            raise CommandError(
                f"error: -p {name}: no module named {exc.name!r}; give an importable module name, "
                "or a path to a file ending in .py"
            ) from exc
        raise
