"""Find plugins through entry points and let each one register its components.

Every distribution that declares an entry point in the group ``smolml`` is a
plugin; the entry point names a module or object carrying ``@hookimpl``
functions. Each hook of each plugin is called on its own, with a ``register``
bound to that plugin, so every component knows who provided it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import pluggy

from ..errors import PluginError, SmolMLError
from ..wording import did_you_mean
from . import hookspecs
from .hookspecs import HOOKS

if TYPE_CHECKING:
    from .registry import Registry

__all__ = ["ENTRY_POINT_GROUP", "installed_entry_points", "load_plugins"]

ENTRY_POINT_GROUP = "smolml"
_HOOK_PREFIX = "smolml_"


def installed_entry_points() -> list[Any]:
    """The entry points of every installed distribution in the ``smolml`` group."""
    import importlib_metadata

    return sorted(importlib_metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)


def load_plugins(
    registry: Registry, entry_points: Iterable[Any] | Callable[[], Iterable[Any]] | None
) -> pluggy.PluginManager:
    """Import every plugin, check its hooks, and call them to fill ``registry``."""
    manager = pluggy.PluginManager(ENTRY_POINT_GROUP)
    manager.add_hookspecs(hookspecs)
    if entry_points is None:
        entry_points = installed_entry_points()
    elif callable(entry_points):
        entry_points = entry_points()

    origins: dict[str, tuple[str | None, str | None]] = {}
    for ep in entry_points:
        dist_name, dist_version = _distribution(ep)
        where = f"plugin {ep.name!r}" + (f" (distribution {dist_name} {dist_version})" if dist_name else "")
        try:
            plugin = ep.load()
        except Exception as exc:
            raise PluginError(
                f"{where} could not be imported from {ep.value!r}: {type(exc).__name__}: {exc}. "
                f"Reinstall or fix that package, or uninstall it"
            ) from exc
        _check_hook_names(plugin, where)
        try:
            manager.register(plugin, name=ep.name)
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"{where} implements a hook wrongly: {exc}") from exc
        except ValueError as exc:
            raise PluginError(f"{where} is declared twice: {exc}") from exc
        origins[ep.name] = (dist_name, dist_version)

    for kind, hook_name in HOOKS.items():
        for impl in getattr(manager.hook, hook_name).get_hookimpls():
            dist_name, dist_version = origins.get(impl.plugin_name, (None, None))

            def register(
                name: str,
                obj: Any,
                *,
                aliases: Iterable[str] = (),
                example: Any = None,
                _kind: str = kind,
                _plugin: str = impl.plugin_name,
                _dist: Any = dist_name,
                _ver: Any = dist_version,
            ) -> None:
                registry.register(
                    _kind, name, obj, aliases=aliases, example=example, plugin=_plugin, distribution=_dist, version=_ver
                )

            try:
                impl.function(register=register)
            except SmolMLError:
                raise
            except Exception as exc:
                raise PluginError(
                    f"plugin {impl.plugin_name!r} failed in {hook_name}: {type(exc).__name__}: {exc}"
                ) from exc
    return manager


def _check_hook_names(plugin: Any, where: str) -> None:
    """Refuse hook-like functions that SmolML would silently never call."""
    for attr, value in inspect.getmembers(plugin):
        if not attr.startswith(_HOOK_PREFIX) or not callable(value):
            continue
        marked = hasattr(value, f"{ENTRY_POINT_GROUP}_impl")
        if attr not in HOOKS.values():
            if marked or attr.startswith("smolml_register"):
                raise PluginError(
                    f"{where} defines {attr!r}, which is not a SmolML hook"
                    f"{did_you_mean(attr, HOOKS.values())}; the hooks are: {', '.join(HOOKS.values())}"
                )
        elif not marked:
            raise PluginError(f"{where} defines {attr!r} without marking it; decorate it with @smolml_core.hookimpl")


def _distribution(ep: Any) -> tuple[str | None, str | None]:
    """Name and version of the distribution that declared ``ep`` (None when unknown)."""
    dist = getattr(ep, "dist", None)
    if dist is None:
        return None, None
    try:
        return dist.name, dist.version
    except Exception:
        return None, None
