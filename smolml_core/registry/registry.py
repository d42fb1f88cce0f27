"""The registry: the one road from a name to a component.

Names are kept per kind (activation, loss, optimizer, initializer, layer; and
metric, schedule, callback for training runs) and looked up case-insensitively,
aliases included. Each entry remembers which plugin, and which installed
distribution, provided it, and can always be reached by its qualified name
``plugin:name``. A short name that two plugins provide is ambiguous: looking it
up is an error that lists both qualified names, so no plugin silently shadows
another. Plugins are discovered from entry points on the first lookup, not at
import time; one that fails is reported and left out, and the rest keep working.
"""

from __future__ import annotations

import copy
import dataclasses
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from ..errors import ConfigError, DuplicateComponentError, PluginError, PluginWarning, UnknownComponentError
from ..wording import a_or_an, did_you_mean, quote
from .kinds import KINDS, NETWORK_KINDS, base_class, row
from .loader import load_plugins
from .plugins import DISABLED, FAILED, LOADED, PluginInfo, PluginProblem, describe_plugin
from .selection import Selection, strict_from_environment

__all__ = [
    "KINDS",
    "NETWORK_KINDS",
    "USER_PLUGIN",
    "Component",
    "Registry",
    "get_registry",
    "register",
    "scoped_registry",
    "use_registry",
]

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
    def qualified_name(self) -> str:
        """``plugin:name``, which finds this component even when another plugin uses the same short name."""
        return f"{self.plugin}:{self.name}"

    @property
    def provider(self) -> str:
        """Who provided it, for messages: plugin name and distribution."""
        if self.plugin == USER_PLUGIN:
            return "your code (smolml_core.register)"
        return describe_plugin(self.plugin, self.distribution, self.version)


class Registry:
    """Components by kind and name, filled from plugins on first use.

    ``entry_points`` replaces the installed entry points (group ``smolml``),
    which is how tests give a registry exactly the plugins they want. ``only``,
    ``disable`` and ``autoload`` choose among them, and ``strict=True`` makes
    any plugin problem an error; each defaults to its environment variable
    (see ``smolml_core.registry.selection``).
    """

    def __init__(
        self,
        entry_points: Iterable[Any] | Callable[[], Iterable[Any]] | None = None,
        *,
        strict: bool | None = None,
        only: Iterable[str] | None = None,
        disable: Iterable[str] | None = None,
        autoload: bool | None = None,
    ) -> None:
        self._entry_points = entry_points
        self._choice = (only, disable, autoload)
        self.strict = strict
        """True: plugin problems raise ``PluginError``; None: ask ``SMOLML_STRICT_PLUGINS`` when loading."""
        self._short: dict[str, dict[str, list[Component]]] = {kind: {} for kind in KINDS}
        self._qualified: dict[str, dict[str, Component]] = {kind: {} for kind in KINDS}
        self._by_object: dict[int, Component] = {}
        self._plugins: dict[str, PluginInfo] = {}
        self._problems: list[PluginProblem] = []
        self._loaded = False
        self._loading = False
        self.plugin_manager: Any = None

    # -- discovery -----------------------------------------------------------

    def load(self) -> None:
        """Discover and register the plugins once; in strict mode, raise while any plugin has a problem."""
        self._ensure_loaded()
        if self.strict and not self._loading:
            self.check()

    def _ensure_loaded(self) -> None:
        if self._loaded or self._loading:
            return
        self._loading = True
        try:
            selection = Selection.build(*self._choice)
            self.plugin_manager = load_plugins(self, self._entry_points, selection)
            self._loaded = True
        finally:
            self._loading = False
        if self.strict is None:
            self.strict = strict_from_environment()
        if not self.strict:
            for problem in self._problems:
                warnings.warn(
                    f"{problem} (`smolml plugins` lists every plugin and its problems)", PluginWarning, stacklevel=4
                )

    def check(self) -> None:
        """Raise ``PluginError`` describing every plugin problem, if there is any (what strict mode does)."""
        problems = self.problems()
        if problems:
            listed = "\n".join(f"  - {problem}" for problem in problems)
            count = f"{len(problems)} plugin problem{'s' if len(problems) > 1 else ''}"
            raise PluginError(f"{count} (strict mode):\n{listed}")

    def record_plugin(
        self,
        info: PluginInfo | None,
        problems: Iterable[PluginProblem] = (),
        *,
        withdraw: Iterable[Component] = (),
    ) -> None:
        """What the loader reports about one plugin: the loader's only way to change the registry's records.

        ``withdraw`` lists what a failing plugin registered, which is taken back
        (latest first); ``info`` is then recorded as the plugin's entry, and
        ``problems`` are added to the list ``problems()`` returns. ``info`` None
        adds problems only: those of a second plugin declared under a name already
        recorded (the first keeps its record), or of a plugin selection that names
        no installed plugin.
        """
        for entry in reversed(list(withdraw)):
            self._forget(entry)
        if info is not None:
            self._plugins[info.name] = info
        self._problems.extend(problems)

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

        A plugin may use a short name another plugin uses too: both stay
        reachable by their qualified names, and the short name becomes an
        error listing them. Your own code may not take a plugin's name, but
        registering one of its own names again replaces the earlier entry, so
        re-running a script or a notebook cell works.
        """
        self.load()
        self._check_kind(kind)
        aliases = (aliases,) if isinstance(aliases, str) else tuple(aliases)
        labels = (name, *aliases)
        for label in labels:
            if not isinstance(label, str) or not _NAME.fullmatch(label):
                raise ConfigError(
                    f"{label!r} cannot name {a_or_an(kind)}: use letters, digits, '_', '-' or '.', "
                    "starting with a letter or '_'"
                )
        if len({label.lower() for label in labels}) < len(labels):
            raise ConfigError(f"the {kind} {name!r} lists the same name twice among its name and aliases {labels}")
        _check_contract(kind, name, obj)
        if example is not None and not isinstance(example, Mapping):
            raise ConfigError(f"the example for {kind} {name!r} must be a dict of parameters, not {example!r}")
        example = dict(example) if example is not None else None
        entry = Component(kind, name, obj, aliases, plugin, distribution, version, example)
        short = self._short[kind]
        replaced: list[Component] = []
        for label in labels:
            for held in short.get(label.lower(), ()):
                if held.plugin == plugin == USER_PLUGIN:
                    replaced.append(held)
                elif held.plugin == plugin:
                    raise DuplicateComponentError(
                        f"{entry.provider} registers the {kind} {label!r} twice; each name and alias may be "
                        "registered once per plugin"
                    )
                elif plugin == USER_PLUGIN:
                    raise DuplicateComponentError(
                        f"{kind} {label!r} is registered twice: by {held.provider} and by {entry.provider}; "
                        f"choose another name for yours ({held.qualified_name!r} is the plugin's)"
                    )
        for old in replaced:
            self._forget(old)
        for label in labels:
            short.setdefault(label.lower(), []).append(entry)
            self._qualified[kind][f"{plugin}:{label}".lower()] = entry
        self._by_object.setdefault(id(obj), entry)
        return entry

    def _forget(self, entry: Component) -> None:
        """Withdraw ``entry`` under every one of its names."""
        for label in (entry.name, *entry.aliases):
            holders = self._short[entry.kind].get(label.lower(), [])
            if entry in holders:
                holders.remove(entry)
                if not holders:
                    del self._short[entry.kind][label.lower()]
            if self._qualified[entry.kind].get(f"{entry.plugin}:{label}".lower()) is entry:
                del self._qualified[entry.kind][f"{entry.plugin}:{label}".lower()]
        if self._by_object.get(id(entry.obj)) is entry:
            del self._by_object[id(entry.obj)]
            for other in self._entries():
                if other.obj is entry.obj:
                    self._by_object[id(other.obj)] = other
                    break

    # -- looking up ----------------------------------------------------------

    def get(self, kind: str, name: str) -> Component:
        """The component registered as ``name``: any case, an alias, or qualified as ``plugin:name``."""
        self.load()
        self._check_kind(kind)
        if not isinstance(name, str):
            raise ConfigError(f"{a_or_an(kind)} name must be a string, not {quote(name)}")
        if ":" in name:
            entry = self._qualified[kind].get(name.lower())
            if entry is None:
                raise self._unknown_qualified(kind, name)
            return entry
        holders = self._short[kind].get(name.lower())
        if not holders:
            raise self._unknown(kind, name)
        if len(holders) > 1:
            raise self._ambiguous(kind, name, holders)
        return holders[0]

    def components(self, kind: str | None = None) -> list[Component]:
        """Every registered component (of one kind, if given), each listed once, by name then plugin."""
        self.load()
        return self._listing(KINDS if kind is None else (self._check_kind(kind),))

    def _listing(self, kinds: Iterable[str] = KINDS) -> list[Component]:
        unique = {id(c): c for k in kinds for c in self._qualified[k].values()}
        return sorted(unique.values(), key=lambda c: (KINDS.index(c.kind), c.name, c.plugin))

    def names(self, kind: str) -> list[str]:
        """The names (not aliases) of one kind, sorted; a short name two plugins share is given qualified."""
        return sorted(self.name_for(c) for c in self.components(kind))

    def name_for(self, entry: Component) -> str:
        """The shortest name that finds ``entry``: its own name, or ``plugin:name`` when that is ambiguous."""
        holders = self._short[entry.kind].get(entry.name.lower(), [])
        return entry.name if holders == [entry] else entry.qualified_name

    def find_object(self, obj: Any) -> Component | None:
        """The component whose registered object *is* ``obj``, if any."""
        self.load()
        return self._by_object.get(id(obj))

    def __iter__(self) -> Iterator[Component]:
        return iter(self.components())

    def _entries(self) -> Iterator[Component]:
        for table in self._qualified.values():
            yield from table.values()

    # -- plugins -------------------------------------------------------------

    def plugins(self) -> list[PluginInfo]:
        """Every plugin found (loaded, failed or disabled), then your own code's components, if any."""
        self._ensure_loaded()
        collisions = self._collision_problems()
        infos = []
        for info in self._plugins.values():
            components = tuple(c for c in self._listing() if c.plugin == info.name)
            clashes = tuple(p for p in collisions if p.plugin == info.name)
            infos.append(dataclasses.replace(info, components=components, problems=info.problems + clashes))
        own = tuple(c for c in self._listing() if c.plugin == USER_PLUGIN)
        if own:
            infos.append(PluginInfo(USER_PLUGIN, None, None, "", LOADED, own))
        return infos

    def problems(self) -> list[PluginProblem]:
        """Everything that went wrong while loading plugins, and every short name two plugins share."""
        self._ensure_loaded()
        return [*self._problems, *self._collision_problems()]

    def _collision_problems(self) -> list[PluginProblem]:
        problems = []
        for kind in KINDS:
            for label, holders in sorted(self._short[kind].items()):
                if len(holders) < 2:
                    continue
                qualified = [f"{h.plugin}:{label}" for h in holders]
                for holder in holders:
                    problems.append(
                        PluginProblem(
                            plugin=holder.plugin,
                            stage="collision",
                            error=f"the {kind} name {label!r} is provided by {len(holders)} plugins "
                            f"({', '.join(qualified)})",
                            hint="Configs must use the qualified name they mean; or disable one plugin "
                            "(SMOLML_DISABLE_PLUGINS)",
                            distribution=holder.distribution,
                            version=holder.version,
                        )
                    )
        return problems

    # -- copies ----------------------------------------------------------------

    def copy(self) -> Registry:
        """An independent registry holding the same components (plugins loaded first)."""
        self.load()
        twin = copy.copy(self)
        twin._short = {
            kind: {label: list(holders) for label, holders in table.items()} for kind, table in self._short.items()
        }
        twin._qualified = {kind: dict(table) for kind, table in self._qualified.items()}
        twin._by_object = dict(self._by_object)
        twin._plugins = dict(self._plugins)
        twin._problems = list(self._problems)
        return twin

    # -- messages ------------------------------------------------------------

    def _check_kind(self, kind: str) -> str:
        if kind not in self._short:
            hint = did_you_mean(kind, KINDS)
            raise ConfigError(f"there is no component kind {kind!r}{hint}; the kinds are {', '.join(KINDS)}")
        return kind

    def _unknown(self, kind: str, name: str) -> UnknownComponentError:
        labels = sorted(self._short[kind])
        known = ", ".join(self.names(kind)) or "(none registered)"
        message = f"unknown {kind} {quote(name)}{did_you_mean(name.lower(), labels)}; available: {known}"
        return UnknownComponentError(message + self._missing_plugins_note(kind, name), kind=kind, name=name)

    def _unknown_qualified(self, kind: str, name: str) -> UnknownComponentError:
        plugin, _, short = name.partition(":")
        info = next((p for p in self._plugins.values() if p.name.lower() == plugin.lower()), None)
        if plugin.lower() == USER_PLUGIN:
            info = PluginInfo(USER_PLUGIN, None, None, "", LOADED)
        if info is None:
            plugins = ", ".join(sorted(self._plugins)) or "(none)"
            message = f"unknown {kind} {quote(name)}: there is no plugin {plugin!r}; the plugins are {plugins}"
        elif info.status != LOADED:
            message = f"unknown {kind} {quote(name)}: {info.description} {_not_loaded(info)}"
        else:
            own = sorted(c.name for c in self._qualified[kind].values() if c.plugin == info.name)
            provided = ", ".join(own) or f"no {kind}"
            hint = did_you_mean(short.lower(), own)
            message = f"unknown {kind} {quote(name)}{hint}: {info.description} provides {provided}"
        return UnknownComponentError(message, kind=kind, name=name)

    def _ambiguous(self, kind: str, name: str, holders: list[Component]) -> DuplicateComponentError:
        listed = ", ".join(f"{h.plugin}:{name.lower()} from {h.provider}" for h in holders)
        first = f"{holders[0].plugin}:{name.lower()}"
        return DuplicateComponentError(
            f"the {kind} name {quote(name)} is ambiguous: {len(holders)} plugins provide it ({listed}); "
            f"write the qualified name you mean, e.g. {first!r}, or disable one plugin with SMOLML_DISABLE_PLUGINS"
        )

    def _missing_plugins_note(self, kind: str, name: str) -> str:
        """Why a name may be missing: a failed plugin registered it before failing, or some plugin is not loaded."""
        for info in self._plugins.values():
            if (kind, name.lower()) in {(k, n.lower()) for k, n in info.would_have_provided}:
                return f". It comes from {info.description}, which {_not_loaded(info)}"
        absent = [p for p in self._plugins.values() if p.status != LOADED]
        if not absent:
            return ""
        listed = "; ".join(f"{p.description} {_not_loaded(p)}" for p in absent)
        return f". Not loaded, so it may come from one of these: {listed}"


def _not_loaded(info: PluginInfo) -> str:
    if info.status == DISABLED:
        return f"is not loaded ({info.reason})"
    if info.status == FAILED and info.problems:
        return f"failed to load ({info.problems[0].error}); run `smolml plugins` for details"
    return "is not loaded"


def _check_contract(kind: str, name: str, obj: Any) -> None:
    """Refuse a component that cannot work as its kind: not callable, or a class that is not the kind's subclass."""
    if not callable(obj):
        raise ConfigError(f"the {kind} registered as {name!r} must be a function or a class, not {obj!r}")
    if kind == "primitive" and not hasattr(obj, "vjps"):
        raise ConfigError(
            f"the primitive registered as {name!r} must be an operation made by smolml_core.primitive(name, forward, "
            f"*vjps), not {obj!r}"
        )
    base = base_class(kind)
    if base is not None and not (isinstance(obj, type) and issubclass(obj, base)):
        raise ConfigError(
            f"the {kind} registered as {name!r} must be a subclass of smolml_core.{row(kind).base}, not {obj!r}"
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


@contextmanager
def scoped_registry() -> Iterator[Registry]:
    """A temporary copy of the registry in use: register freely inside the ``with`` block; it is all undone after.

    Everything already registered stays available inside, so a test or a
    notebook cell can add a component, use it by name, and leave nothing behind.
    """
    with use_registry(get_registry().copy()) as registry:
        yield registry


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
