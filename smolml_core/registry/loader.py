"""Find plugins through entry points and let each one register its components.

Every distribution that declares an entry point in the group ``smolml`` is a
plugin; the entry point names a module or object carrying ``@hookimpl``
functions. Plugins load one at a time, each all or nothing: its module is
imported, its hook functions checked, then each of its hooks is called with a
``register`` bound to that plugin and that kind. If any step fails, whatever the
plugin registered is withdrawn, the failure is recorded with the plugin's name,
distribution and version, and loading goes on with the next plugin.

Whatever a plugin's code raises while it loads fails that plugin only:
``SystemExit``, a lazy module ``__getattr__`` raising ``ImportError``, or any
other ``BaseException`` subclass. Only ``KeyboardInterrupt`` goes through, so
that Ctrl-C still stops a plugin that hangs. While plugins load, ``sys.stdout``
is ``sys.stderr``: what a plugin prints never lands in a command's output (a
CSV, a JSON report). How long each plugin took is recorded, so a slow one shows.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pluggy

from ..wording import INSTALL_SMOLML, did_you_mean, shorten
from .hookspecs import HOOKS, plugin_manager
from .plugins import DISABLED, FAILED, LOADED, PluginInfo, PluginProblem, describe_plugin
from .selection import DISABLE_VARIABLE, Selection

if TYPE_CHECKING:
    from .registry import Component, Registry

__all__ = ["ENTRY_POINT_GROUP", "installed_entry_points", "load_plugins"]

ENTRY_POINT_GROUP = "smolml"
_HOOK_PREFIX = "smolml_"


def installed_entry_points() -> list[Any]:
    """The entry points of every installed distribution in the ``smolml`` group."""
    import importlib_metadata

    return sorted(importlib_metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda ep: ep.name)


class _Failure(Exception):
    """One plugin could not be used: carries the problem to record."""

    def __init__(self, stage: str, error: str, hint: str, details: str = "") -> None:
        super().__init__(error)
        self.stage, self.error, self.hint, self.details = stage, error, hint, details


def load_plugins(
    registry: Registry,
    entry_points: Iterable[Any] | Callable[[], Iterable[Any]] | None,
    selection: Selection | None = None,
) -> pluggy.PluginManager:
    """Load every selected plugin into ``registry``, recording each one's outcome there."""
    selection = selection or Selection()
    manager = plugin_manager()
    # Plugins print to stderr: a command's stdout carries only its own output.
    with contextlib.redirect_stdout(sys.stderr if sys.stderr is not None else io.StringIO()):
        if entry_points is None:
            entry_points = installed_entry_points()
        elif callable(entry_points):
            entry_points = entry_points()
        seen: set[str] = set()
        recorded: set[str] = set()
        for ep in entry_points:
            _load_one(registry, manager, ep, selection, seen, recorded)

    if selection.only is not None:
        missing = sorted(selection.only - {name.lower() for name in recorded})
        problems = [
            PluginProblem(
                name,
                "selection",
                f"{selection.only_source} names {name!r}, but no installed plugin has that name",
                f"The installed plugins are: {', '.join(sorted(recorded)) or '(none)'}",
            )
            for name in missing
        ]
        registry.record_plugin(None, problems)
    return manager


def _load_one(
    registry: Registry,
    manager: pluggy.PluginManager,
    ep: Any,
    selection: Selection,
    seen: set[str],
    recorded: set[str],
) -> None:
    """Load one entry point's plugin, all or nothing, and record how it went and how long it took."""
    dist_name, dist_version = _distribution(ep)
    info = PluginInfo(ep.name, dist_name, dist_version, str(getattr(ep, "value", "")), LOADED)
    declared_before = ep.name in recorded
    recorded.add(ep.name)
    reason = selection.excluded(ep.name)
    if reason:
        registry.record_plugin(dataclasses.replace(info, status=DISABLED, reason=reason))
        return
    registered: list[Component] = []
    started = time.perf_counter()
    try:
        if ep.name in seen:
            raise _Failure(
                "import",
                f"two installed distributions declare a plugin named {ep.name!r}",
                "Uninstall one of them; only the first was loaded",
            )
        seen.add(ep.name)
        plugin = _import(ep, dist_name)
        try:
            with _contained("hooks", "could not be searched for hooks", _fix_hint(ep.name, "the plugin")):
                _check_hook_names(plugin)
                _add_to_manager(manager, plugin, ep.name)
            _call_hooks(registry, manager, ep.name, dist_name, dist_version, registered)
        except BaseException:
            if manager.get_plugin(ep.name) is plugin:
                manager.unregister(name=ep.name)
            raise
    except _Failure as failure:
        problem = PluginProblem(
            ep.name, failure.stage, failure.error, failure.hint, dist_name, dist_version, failure.details
        )
        lost = tuple((c.kind, label) for c in registered for label in (c.name, *c.aliases))
        failed = dataclasses.replace(
            info,
            status=FAILED,
            problems=(problem,),
            would_have_provided=lost,
            load_seconds=time.perf_counter() - started,
        )
        # A second declaration of a name adds its problem; the first plugin keeps its record.
        registry.record_plugin(None if declared_before else failed, [problem], withdraw=registered)
    except KeyboardInterrupt as interrupt:
        registry.record_plugin(None, withdraw=registered)
        who = describe_plugin(ep.name, dist_name, dist_version)
        note = f"while loading {who}; {DISABLE_VARIABLE}={ep.name} leaves it out"
        # ``add_note`` (Python 3.11+) appends to ``__notes__``; done by hand, it works on 3.10 too.
        setattr(interrupt, "__notes__", [*getattr(interrupt, "__notes__", []), note])  # noqa: B010
        raise
    else:
        registry.record_plugin(dataclasses.replace(info, load_seconds=time.perf_counter() - started))


@contextlib.contextmanager
def _contained(stage: str, doing: str, hint: str) -> Iterator[None]:
    """Whatever the plugin's code raises inside becomes its ``_Failure``; only Ctrl-C goes through.

    ``SystemExit`` and every other ``BaseException`` subclass a plugin may raise
    (its own, ``GeneratorExit``...) are caught too: one plugin cannot end or
    break a command that does not need it.
    """
    try:
        yield
    except (_Failure, KeyboardInterrupt):
        raise
    except BaseException as exc:
        raise _Failure(stage, f"{doing}: {_exception_text(exc)}", hint, traceback.format_exc()) from exc


def _exception_text(exc: BaseException) -> str:
    """``Type: message``, even for an exception whose ``str()`` itself raises; a long message is cut."""
    try:
        message = shorten(str(exc), 500)  # a whole sentence of ours fits; a megabyte of theirs does not
    except Exception:
        message = "(its message cannot be shown)"
    return f"{type(exc).__name__}: {message}"


def _fix_hint(plugin: str, part: str) -> str:
    return (
        f"Nothing it registered is kept. Fix {part} (the traceback is in `smolml plugins --traceback`) "
        f"or report it to the plugin's authors; meanwhile {DISABLE_VARIABLE}={plugin} leaves it out"
    )


def _import(ep: Any, dist_name: str | None) -> Any:
    """The object an entry point names, or a ``_Failure`` saying why it could not be imported."""
    try:
        return ep.load()
    except KeyboardInterrupt:
        raise
    except BaseException as exc:
        disable = f"meanwhile {DISABLE_VARIABLE}={ep.name} leaves it out"
        package = dist_name or "the package that declares it"
        if dist_name == "smolml":  # the standard plugin comes with SmolML, which may not come from an index
            hint = f"Reinstall SmolML ({INSTALL_SMOLML}); {disable}"
        elif dist_name:
            hint = (
                f"Fix or reinstall {package} (pip install --force-reinstall {package}), "
                f"or uninstall it (pip uninstall {package}); {disable}"
            )
        else:
            hint = f"Fix the module, or uninstall the package that declares it; {disable}"
        if isinstance(exc, ModuleNotFoundError) and exc.name and str(getattr(ep, "value", "")).startswith(exc.name):
            hint = (
                f"Its entry point names the module {ep.value!r}, which is not installed: check the "
                f"[project.entry-points.smolml] table of {package}'s pyproject.toml and reinstall it; {disable}"
            )
        raise _Failure(
            "import",
            f"could not be imported from {getattr(ep, 'value', '?')!r}: {_exception_text(exc)}",
            hint,
            traceback.format_exc(),
        ) from exc


def _add_to_manager(manager: pluggy.PluginManager, plugin: Any, name: str) -> None:
    try:
        manager.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        raise _Failure(
            "hooks",
            f"implements a hook wrongly: {exc}",
            "Each hook takes exactly one argument, register; see docs/plugin-authors.md",
        ) from exc
    except ValueError as exc:
        raise _Failure("hooks", f"could not be added: {exc}", "Declare the plugin once") from exc


def _call_hooks(
    registry: Registry,
    manager: pluggy.PluginManager,
    plugin: str,
    dist_name: str | None,
    dist_version: str | None,
    registered: list[Component],
) -> None:
    """Call each of one plugin's hooks, collecting what it registers into ``registered``."""
    for kind, hook_name in HOOKS.items():
        for impl in getattr(manager.hook, hook_name).get_hookimpls():
            if impl.plugin_name != plugin:
                continue

            register = _registrar(registry, kind, plugin, dist_name, dist_version, registered)
            with _contained("register", f"failed in {hook_name}", _fix_hint(plugin, "the hook")):
                impl.function(register=register)


def _registrar(
    registry: Registry,
    kind: str,
    plugin: str,
    dist_name: str | None,
    dist_version: str | None,
    registered: list[Component],
) -> Callable[..., None]:
    """The ``register`` one hook receives: bound to its kind and plugin, remembering what it adds."""

    def register(name: str, obj: Any, *, aliases: Iterable[str] = (), example: Any = None) -> None:
        entry = registry.register(
            kind,
            name,
            obj,
            aliases=aliases,
            example=example,
            plugin=plugin,
            distribution=dist_name,
            version=dist_version,
        )
        registered.append(entry)

    return register


def _check_hook_names(plugin: Any) -> None:
    """Refuse hook-like functions that SmolML would silently never call.

    Only names with the hooks' prefix are read, so a module's lazy ``__getattr__``
    never runs for its other names (an optional dependency stays unimported).
    """
    hooks = ", ".join(HOOKS.values())
    for attr in sorted(dir(plugin)):
        if not attr.startswith(_HOOK_PREFIX):
            continue
        value = getattr(plugin, attr)
        if not callable(value):
            continue
        marked = hasattr(value, f"{ENTRY_POINT_GROUP}_impl")
        if attr not in HOOKS.values():
            if marked or attr.startswith("smolml_register"):
                raise _Failure(
                    "hooks",
                    f"defines {attr!r}, which is not a SmolML hook{did_you_mean(attr, HOOKS.values())}",
                    f"Rename it to one of the hooks: {hooks}",
                )
        elif not marked:
            raise _Failure("hooks", f"defines {attr!r} without marking it", "Decorate it with @smolml_core.hookimpl")


def _distribution(ep: Any) -> tuple[str | None, str | None]:
    """Name and version of the distribution that declared ``ep`` (None when unknown)."""
    dist = getattr(ep, "dist", None)
    if dist is None:
        return None, None
    try:
        return dist.name, dist.version
    except Exception:
        return None, None
