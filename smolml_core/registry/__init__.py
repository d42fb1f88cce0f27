"""Plugins and the registry: how names become components."""

from .configurable import Configurable
from .factory import lookup, reference, resolve, to_plain
from .hookspecs import HOOKS, NETWORK_KINDS, Register, hookimpl, hookspec
from .loader import ENTRY_POINT_GROUP
from .plugins import PluginInfo, PluginProblem
from .registry import (
    KINDS,
    USER_PLUGIN,
    Component,
    Registry,
    get_registry,
    register,
    scoped_registry,
    use_registry,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "HOOKS",
    "KINDS",
    "NETWORK_KINDS",
    "USER_PLUGIN",
    "Component",
    "Configurable",
    "PluginInfo",
    "PluginProblem",
    "Register",
    "Registry",
    "get_registry",
    "hookimpl",
    "hookspec",
    "lookup",
    "reference",
    "register",
    "resolve",
    "scoped_registry",
    "to_plain",
    "use_registry",
]
