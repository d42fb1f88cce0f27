"""Stand-ins for installed plugins: entry points that load a given object."""

from __future__ import annotations

import types
from dataclasses import dataclass, field
from typing import Any

from smolml_core import hookimpl


@dataclass
class FakeDistribution:
    name: str
    version: str = "1.0"


@dataclass
class FakeEntryPoint:
    """Quacks like ``importlib_metadata.EntryPoint`` for the loader."""

    name: str
    target: Any
    dist: FakeDistribution | None = field(default=None)
    value: str = "fake.module"

    def load(self) -> Any:
        if isinstance(self.target, BaseException):
            raise self.target
        return self.target


def plugin_module(name: str, **hooks: Any) -> types.ModuleType:
    """A module carrying the given functions, as a plugin's module would."""
    module = types.ModuleType(name)
    for attr, value in hooks.items():
        setattr(module, attr, value)
    return module


def activation_plugin(*names: str) -> types.ModuleType:
    """A plugin registering one trivial activation per name."""

    @hookimpl
    def smolml_register_activations(register: Any) -> None:
        for n in names:
            register(n, lambda x: x)

    return plugin_module("fake_activations", smolml_register_activations=smolml_register_activations)
