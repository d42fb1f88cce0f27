"""Which installed plugins to load: every one, only some, or none, set in code or by environment variables.

``SMOLML_PLUGINS=std,extras`` loads only the plugins named (set but empty: none).
``SMOLML_DISABLE_PLUGINS=broken`` leaves the plugins named out.
``SMOLML_DISABLE_PLUGIN_AUTOLOAD=1`` loads no installed plugin unless ``SMOLML_PLUGINS`` names it.
``SMOLML_STRICT_PLUGINS=1`` turns every plugin problem into a ``PluginError``.
Names are plugin names (the entry point keys), matched without regard to case.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "AUTOLOAD_VARIABLE",
    "DISABLE_VARIABLE",
    "ONLY_VARIABLE",
    "STRICT_VARIABLE",
    "Selection",
]

ONLY_VARIABLE = "SMOLML_PLUGINS"
DISABLE_VARIABLE = "SMOLML_DISABLE_PLUGINS"
AUTOLOAD_VARIABLE = "SMOLML_DISABLE_PLUGIN_AUTOLOAD"
STRICT_VARIABLE = "SMOLML_STRICT_PLUGINS"

_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Selection:
    """The plugin choice: ``only`` (None: no restriction), ``disable``, ``autoload``; with where each came from."""

    only: frozenset[str] | None = None
    disable: frozenset[str] = frozenset()
    autoload: bool = True
    only_source: str = "only="
    disable_source: str = "disable="

    @classmethod
    def build(
        cls,
        only: Iterable[str] | None,
        disable: Iterable[str] | None,
        autoload: bool | None,
        environ: Mapping[str, str] | None = None,
    ) -> Selection:
        """Arguments given in code win; the environment fills in the rest."""
        env = os.environ if environ is None else environ
        only_source = "only="
        if only is None and ONLY_VARIABLE in env:
            only, only_source = _names(env[ONLY_VARIABLE]), ONLY_VARIABLE
        disable_source = "disable="
        if disable is None and DISABLE_VARIABLE in env:
            disable, disable_source = _names(env[DISABLE_VARIABLE]), DISABLE_VARIABLE
        if autoload is None:
            autoload = not is_true(env.get(AUTOLOAD_VARIABLE, ""))
        return cls(
            only=None if only is None else frozenset(n.lower() for n in _as_names(only)),
            disable=frozenset(n.lower() for n in _as_names(disable or ())),
            autoload=autoload,
            only_source=only_source,
            disable_source=disable_source,
        )

    def excluded(self, plugin: str) -> str:
        """Why ``plugin`` is left out, or "" when it is to be loaded."""
        name = plugin.lower()
        if name in self.disable:
            return f"disabled by {self.disable_source}"
        if self.only is not None and name not in self.only:
            return f"not named in {self.only_source}"
        if self.only is None and not self.autoload:
            return f"auto-loading is off ({AUTOLOAD_VARIABLE}); name it in {ONLY_VARIABLE} to load it"
        return ""


def is_true(text: str) -> bool:
    """Whether an environment variable's text means yes."""
    return text.strip().lower() in _TRUE


def strict_from_environment(environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    return is_true(env.get(STRICT_VARIABLE, ""))


def _names(text: str) -> list[str]:
    return [part for part in re.split(r"[,\s]+", text) if part]


def _as_names(names: Iterable[str]) -> list[str]:
    return [names] if isinstance(names, str) else list(names)
