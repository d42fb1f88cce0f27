"""Plugins and the registry: how names become components."""

from .configurable import Configurable
from .factory import lookup, reference, resolve, to_plain
from .hookspecs import HOOKS, Register, hookimpl, hookspec
from .loader import ENTRY_POINT_GROUP
from .registry import KINDS, USER_PLUGIN, Component, Registry, get_registry, register, use_registry

__all__ = [
    "Configurable",
    "Component",
    "Registry",
    "KINDS",
    "HOOKS",
    "ENTRY_POINT_GROUP",
    "USER_PLUGIN",
    "hookimpl",
    "hookspec",
    "Register",
    "get_registry",
    "use_registry",
    "register",
    "lookup",
    "resolve",
    "reference",
    "to_plain",
]
