"""The registry: the one road from a name to a component.

Names are kept per kind (activation, loss, optimizer, initializer, layer; and
metric, schedule, callback for training runs) and looked up case-insensitively,
aliases included. Each entry remembers which plugin, and which installed
distribution, provided it. Plugins are discovered from entry points on the
first lookup, not at import time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError, DuplicateComponentError, UnknownComponentError
from ..wording import a_or_an, did_you_mean
from .hookspecs import HOOKS, NETWORK_KINDS

__all__ = [
    "KINDS",
    "NETWORK_KINDS",
    "USER_PLUGIN",
    "Component",
    "Registry",
    "get_registry",
    "register",
    "use_registry",
]

KINDS: tuple[str, ...] = tuple(HOOKS)
USER_PLUGIN = "__main__"
"""The plugin name recorded for components registered directly from code."""

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")


@dataclass(frozen=True)
class Component:
    """One registered component and where it came from."""

    kind: str
    name: str
    obj: Any
    aliases: tuple[str, ...] = ()
    plugin: str = USER_PLUGIN
    distribution: str | None = None
    version: str | None = None
    example: Mapping[str, Any] | None = None
    """Parameters that build a working instance (``{"size": 4}``), for the test kit and the docs."""

    @property
    def provider(self) -> str:
        """Who provided it, for messages: plugin name and distribution."""
        if self.plugin == USER_PLUGIN:
            return "your code (smolml_core.register)"
        if self.distribution:
            return f"plugin {self.plugin!r} (distribution {self.distribution} {self.version or ''})".replace(" )", ")")
        return f"plugin {self.plugin!r}"


class Registry:
    """Components by kind and name, filled from plugins on first use.

    ``entry_points`` replaces the installed entry points (group ``smolml``),
    which is how tests give a registry exactly the plugins they want.
    """

    def __init__(self, entry_points: Iterable[Any] | Callable[[], Iterable[Any]] | None = None) -> None:
        self._entry_points = entry_points
        self._names: dict[str, dict[str, Component]] = {kind: {} for kind in KINDS}
        self._by_object: dict[int, Component] = {}
        self._loaded = False
        self._loading = False
        self.plugin_manager: Any = None

    # -- discovery -----------------------------------------------------------

    def load(self) -> None:
        """Discover and register the plugins once (later calls do nothing)."""
        if self._loaded or self._loading:
            return
        from .loader import load_plugins

        self._loading = True
        try:
            self.plugin_manager = load_plugins(self, self._entry_points)
            self._loaded = True
        finally:
            self._loading = False

    # -- adding --------------------------------------------------------------

    def register(
        self,
        kind: str,
        name: str,
        obj: Any,
        *,
        aliases: Iterable[str] = (),
        plugin: str = USER_PLUGIN,
        distribution: str | None = None,
        version: str | None = None,
        example: Mapping[str, Any] | None = None,
    ) -> Component:
        """Add a component under ``name`` (and ``aliases``) for ``kind``.

        A name another plugin already holds is refused with both providers
        named. Registering again from your own code replaces your earlier entry,
        so re-running a script or notebook cell works.
        """
        self.load()
        self._check_kind(kind)
        aliases = (aliases,) if isinstance(aliases, str) else tuple(aliases)
        for label in (name, *aliases):
            if not isinstance(label, str) or not _NAME.fullmatch(label):
                raise ConfigError(
                    f"{label!r} cannot name {a_or_an(kind)}: use letters, digits, '_', '-' or '.', "
                    "starting with a letter or '_'"
                )
        if not callable(obj):
            raise ConfigError(f"the {kind} registered as {name!r} must be a function or a class, not {obj!r}")
        if example is not None and not isinstance(example, Mapping):
            raise ConfigError(f"the example for {kind} {name!r} must be a dict of parameters, not {example!r}")
        example = dict(example) if example is not None else None
        entry = Component(kind, name, obj, aliases, plugin, distribution, version, example)
        table = self._names[kind]
        for label in (name, *aliases):
            held = table.get(label.lower())
            if held is not None and not (held.plugin == plugin == USER_PLUGIN):
                raise DuplicateComponentError(
                    f"{kind} {label!r} is registered twice: by {held.provider} and by {entry.provider}; "
                    "rename one of them (or uninstall one of the plugins)"
                )
        for label in (name, *aliases):
            replaced = table.get(label.lower())
            if replaced is not None:
                self._forget(replaced)
            table[label.lower()] = entry
        self._by_object.setdefault(id(obj), entry)
        return entry

    def _forget(self, entry: Component) -> None:
        table = self._names[entry.kind]
        for label in (entry.name, *entry.aliases):
            if table.get(label.lower()) is entry:
                del table[label.lower()]
        if self._by_object.get(id(entry.obj)) is entry:
            del self._by_object[id(entry.obj)]

    # -- looking up ----------------------------------------------------------

    def get(self, kind: str, name: str) -> Component:
        """The component registered as ``name`` (any case, or an alias)."""
        self.load()
        self._check_kind(kind)
        if not isinstance(name, str):
            raise ConfigError(f"{a_or_an(kind)} name must be a string, not {name!r}")
        entry = self._names[kind].get(name.lower())
        if entry is None:
            raise self._unknown(kind, name)
        return entry

    def components(self, kind: str | None = None) -> list[Component]:
        """Every registered component (of one kind, if given), each listed once, by name."""
        self.load()
        kinds = KINDS if kind is None else (self._check_kind(kind),)
        unique = {id(c): c for k in kinds for c in self._names[k].values()}
        return sorted(unique.values(), key=lambda c: (KINDS.index(c.kind), c.name))

    def names(self, kind: str) -> list[str]:
        """The registered names (not aliases) of one kind, sorted."""
        return [c.name for c in self.components(kind)]

    def find_object(self, obj: Any) -> Component | None:
        """The component whose registered object *is* ``obj``, if any."""
        self.load()
        return self._by_object.get(id(obj))

    def __iter__(self) -> Iterator[Component]:
        return iter(self.components())

    # -- messages ------------------------------------------------------------

    def _check_kind(self, kind: str) -> str:
        if kind not in self._names:
            hint = did_you_mean(kind, KINDS)
            raise ConfigError(f"there is no component kind {kind!r}{hint}; the kinds are {', '.join(KINDS)}")
        return kind

    def _unknown(self, kind: str, name: str) -> UnknownComponentError:
        labels = sorted(self._names[kind])
        known = ", ".join(self.names(kind)) or "(none registered)"
        return UnknownComponentError(
            f"unknown {kind} {name!r}{did_you_mean(name.lower(), labels)}; available: {known}",
            kind=kind,
            name=name,
        )


_current: Registry | None = None


def get_registry() -> Registry:
    """The registry in use: the default one, made on first call, unless ``use_registry`` says otherwise."""
    global _current
    if _current is None:
        _current = Registry()
    return _current


@contextmanager
def use_registry(registry: Registry) -> Iterator[Registry]:
    """Use ``registry`` for every lookup inside the ``with`` block, then put the old one back."""
    global _current
    previous = _current
    _current = registry
    try:
        yield registry
    finally:
        _current = previous


def register(
    kind: str, name: str, obj: Any = None, *, aliases: Iterable[str] = (), example: Mapping[str, Any] | None = None
) -> Any:
    """Register a component from your own code, then use it by name anywhere.

    Call it directly, ``register("activation", "swish", swish)``, or use it as a
    decorator, ``@register("activation", "swish")``; either way the object is
    returned unchanged. ``example`` holds parameters that build a working
    instance, for components that need some (a layer's sizes).
    """
    if obj is None:
        return lambda target: register(kind, name, target, aliases=aliases, example=example)
    get_registry().register(kind, name, obj, aliases=aliases, example=example)
    return obj
