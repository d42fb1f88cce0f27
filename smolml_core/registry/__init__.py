"""Plugins and the registry: how names become components."""

from .configurable import Configurable
from .factory import lookup, reference, resolve, to_plain
from .hookspecs import HOOKS, NETWORK_KINDS, Register, hookimpl, hookspec
from .loader import ENTRY_POINT_GROUP
from .registry import KINDS, USER_PLUGIN, Component, Registry, get_registry, register, use_registry

__all__ = [
    "ENTRY_POINT_GROUP",
    "HOOKS",
    "KINDS",
    "NETWORK_KINDS",
    "USER_PLUGIN",
    "Component",
    "Configurable",
    "Register",
    "Registry",
    "get_registry",
    "hookimpl",
    "hookspec",
    "lookup",
    "reference",
    "register",
    "resolve",
    "to_plain",
    "use_registry",
]
