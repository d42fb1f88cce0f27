"""What the registry knows about each plugin: where it came from, what it added, what went wrong.

A plugin that cannot be used is not fatal. Its problem is written down as a
``PluginProblem`` (which plugin, which distribution, what failed, what to do),
its components are withdrawn, and every other plugin keeps working.
``smolml plugins`` prints these records; strict mode turns them into errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .registry import Component

__all__ = ["DISABLED", "FAILED", "LOADED", "PluginInfo", "PluginProblem", "describe_plugin"]

LOADED = "loaded"
FAILED = "failed"
DISABLED = "disabled"


def describe_plugin(plugin: str, distribution: str | None, version: str | None) -> str:
    """``plugin 'name' (distribution dist 1.0)``: how messages name a plugin."""
    if distribution:
        return f"plugin {plugin!r} (distribution {distribution}{' ' + version if version else ''})"
    return f"plugin {plugin!r}"


@dataclass(frozen=True)
class PluginProblem:
    """One thing that went wrong with one plugin, and what to do about it.

    ``stage`` says when: ``"import"`` (its module could not be imported),
    ``"hooks"`` (its hook functions are malformed), ``"register"`` (a hook raised
    or registered something invalid), ``"collision"`` (it provides a short name
    another plugin provides too) or ``"selection"`` (a plugin-selection
    environment variable names a plugin that is not installed).
    """

    plugin: str
    stage: str
    error: str
    hint: str
    distribution: str | None = None
    version: str | None = None
    details: str = ""
    """The full traceback, where there is one."""

    @property
    def fatal(self) -> bool:
        """Whether the plugin could not be used at all (a collision leaves it usable by qualified names)."""
        return self.stage in ("import", "hooks", "register")

    def __str__(self) -> str:
        return f"{describe_plugin(self.plugin, self.distribution, self.version)}: {self.error}. {self.hint}"


@dataclass(frozen=True)
class PluginInfo:
    """One plugin as the registry sees it: identity, status, components and problems."""

    name: str
    distribution: str | None
    version: str | None
    source: str
    """What its entry point names (``"smolml_std.plugin"``); empty for components registered from code."""
    status: str
    """``"loaded"``, ``"failed"`` (nothing it registered is kept) or ``"disabled"`` (not imported at all)."""
    components: tuple[Component, ...] = ()
    problems: tuple[PluginProblem, ...] = ()
    reason: str = ""
    """Why a disabled plugin was left out (which environment variable or setting)."""
    would_have_provided: tuple[tuple[str, str], ...] = field(default=())
    """``(kind, name)`` pairs a failed plugin registered before it failed, all withdrawn."""
    load_seconds: float | None = None
    """How long importing it and calling its hooks took (until it failed, for a failed one); None if not loaded."""

    @property
    def description(self) -> str:
        return describe_plugin(self.name, self.distribution, self.version)
