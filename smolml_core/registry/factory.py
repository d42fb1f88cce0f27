"""Turning references into components and components back into references.

A *reference* is what a user writes: a registered name (``"adam"``), or a table
with ``type`` plus parameters (``{"type": "adam", "learning_rate": 0.01}``), or
the component object itself. ``resolve`` builds the component from any of
them; ``reference`` writes a component back as a name or table. Config files,
``get_config()`` and "build by name" all go through these two functions.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import ConfigError, SmolMLError
from ..wording import a_or_an, did_you_mean
from .registry import Component, get_registry

__all__ = ["lookup", "reference", "resolve", "to_plain"]


def lookup(kind: str, name: str) -> Any:
    """The object registered under ``name`` for ``kind`` (the function or class itself)."""
    return get_registry().get(kind, name).obj


def resolve(kind: str, ref: Any, *, param: str | None = None) -> Any:
    """The ready-to-use component that ``ref`` describes.

    A name or ``{"type": name, ...}`` table is looked up in the registry; a class
    (registered or not) is instantiated with the parameters; a function is used
    as it is, with parameters bound by keyword. Anything else is taken to be a
    component already. ``param`` names the argument being resolved, for errors.
    """
    try:
        if isinstance(ref, str):
            return _build(get_registry().get(kind, ref), {})
        if isinstance(ref, Mapping):
            params = dict(ref)
            if "type" not in params:
                raise ConfigError(
                    f"{a_or_an(kind)} given as a table needs a 'type' key naming it, e.g. "
                    f"{{'type': {(get_registry().names(kind) or ['name'])[0]!r}, ...}}; got keys {sorted(params)}"
                )
            name = params.pop("type")
            return _build(get_registry().get(kind, name), params)
        if isinstance(ref, type):
            entry = get_registry().find_object(ref)
            return _build(entry or Component(kind, ref.__name__, ref), {})
        if ref is None or isinstance(ref, (bool, int, float, list, tuple, set)):
            raise ConfigError(
                f"expected {a_or_an(kind)}: a registered name, a {{'type': name, ...}} table or "
                f"{a_or_an(kind)} object, not {ref!r}"
            )
        return ref
    except SmolMLError as exc:
        if param:
            exc.at(param)
        raise


def _build(entry: Component, params: dict[str, Any]) -> Any:
    """Call a class with ``params``, or bind ``params`` to a function."""
    target = entry.obj
    _check_params(entry, params)
    if isinstance(target, type):
        try:
            return target(**params)
        except SmolMLError:
            raise
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{entry.kind} {entry.name!r} could not be built: {exc}") from exc
    return functools.partial(target, **params) if params else target


def _check_params(entry: Component, params: dict[str, Any]) -> None:
    """Unknown or missing parameters, reported with the valid ones."""
    try:
        signature = inspect.signature(entry.obj)
    except (TypeError, ValueError):
        return
    is_class = isinstance(entry.obj, type)
    accepted = [
        p
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
        and (is_class or p.default is not p.empty)  # a function's inputs have no defaults
    ]
    open_ended = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
    names = [p.name for p in accepted]
    if not open_ended:
        for key in params:
            if key not in names:
                listed = ", ".join(names) or "none"
                raise ConfigError(
                    f"{entry.kind} {entry.name!r} has no parameter {key!r}"
                    f"{did_you_mean(key, names)}; its parameters are: {listed}",
                    path=(key,),
                )
    if is_class:
        missing = [p.name for p in accepted if p.default is p.empty and p.name not in params]
        if missing:
            raise ConfigError(f"{entry.kind} {entry.name!r} needs {', '.join(repr(m) for m in missing)}")


def reference(kind: str, obj: Any) -> Any:
    """Write a component as its name, or as ``{"type": name, **parameters}``."""
    registry = get_registry()
    entry = registry.find_object(obj)
    if entry is not None:
        return entry.name
    if isinstance(obj, functools.partial) and not obj.args:
        entry = registry.find_object(obj.func)
        if entry is not None:
            return {"type": entry.name, **to_plain(obj.keywords)}
    entry = registry.find_object(type(obj))
    if entry is not None and hasattr(obj, "get_config"):
        config = obj.get_config()
        return {"type": entry.name, **config} if config else entry.name
    raise ConfigError(
        f"this {kind} ({obj!r}) is not registered, so it cannot be written down by name; "
        f"register it first, e.g. smolml_core.register({kind!r}, 'my_{kind}', ...)"
    )


def to_plain(value: Any) -> Any:
    """``value`` as JSON-compatible data: components become references, tuples lists."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, np.dtype) or (isinstance(value, type) and issubclass(value, np.generic)):
        return np.dtype(value).name
    entry = get_registry().find_object(value)
    kind = entry.kind if entry else _kind_of_instance(value)
    return reference(kind, value)


def _kind_of_instance(value: Any) -> str:
    registry = get_registry()
    for candidate in (type(value), getattr(value, "func", None)):
        entry = registry.find_object(candidate) if candidate is not None else None
        if entry is not None:
            return entry.kind
    return "component"
