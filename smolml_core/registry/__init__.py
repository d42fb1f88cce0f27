"""Plugins and the registry: how names become components.

What SmolML knows about each kind of component (its hook, its base class,
where a config names it...) is one table, ``kinds.py``.
"""

from .components import components_used, with_recorded_names
from .configurable import Configurable
from .factory import lookup, name_of, reference, resolve, to_plain
from .hookspecs import Register, hookimpl, hookspec
from .kinds import HOOKS, KINDS, NETWORK_KINDS
from .loader import ENTRY_POINT_GROUP
from .plugins import PluginInfo, PluginProblem
from .registry import (
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
    "components_used",
    "get_registry",
    "hookimpl",
    "hookspec",
    "lookup",
    "name_of",
    "reference",
    "register",
    "resolve",
    "scoped_registry",
    "to_plain",
    "use_registry",
    "with_recorded_names",
]
