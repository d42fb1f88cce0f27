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
import types
import typing
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import ComponentError, ConfigError, SmolMLError
from ..wording import a_or_an, did_you_mean, quote, shorten
from .kinds import KINDS, base_class, row
from .registry import Component, get_registry

__all__ = ["lookup", "name_of", "reference", "resolve", "to_plain"]


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
        if not _is_component(kind, ref):
            raise ConfigError(
                f"expected {a_or_an(kind)}: a registered name, a {{'type': name, ...}} table or "
                f"{a_or_an(kind)} object, not {quote(ref)} ({type(ref).__name__})"
            )
        return ref
    except SmolMLError as exc:
        if param:
            exc.at(param)
        raise


def _is_component(kind: str, obj: Any) -> bool:
    """Whether ``obj`` can work as a component of ``kind``: an instance of the kind's base class, or callable.

    Kinds without a base class are functions; an object of a kind with one
    may also be written without subclassing it, as long as it has the method
    the kind's contract names (``forward`` for a layer).
    """
    if obj is None or isinstance(obj, (bool, int, float, str, bytes, list, tuple, set, Mapping)):
        return False
    base = base_class(kind) if kind in KINDS else None
    if base is None:
        return callable(obj)
    method = row(kind).contract.split("(")[0]
    return isinstance(obj, base) or callable(getattr(obj, method, None)) or not method.isidentifier()


def _build(entry: Component, params: dict[str, Any]) -> Any:
    """Call a class with ``params``, or bind ``params`` to a function.

    A constructor that raises something other than a ``SmolMLError``, a
    ``TypeError`` or a ``ValueError`` (which are taken to be about the
    parameters) has failed in its own code: that is a ``ComponentError``
    naming the component and its plugin.
    """
    target = entry.obj
    _check_params(entry, params)
    if isinstance(target, type):
        try:
            return target(**params)
        except SmolMLError:
            raise
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{entry.kind} {entry.name!r} could not be built: {exc}") from exc
        except MemoryError:
            raise
        except Exception as exc:
            raise ComponentError(
                f"{_describe_component(entry)} raised {type(exc).__name__} while being built: {shorten(str(exc))}"
            ) from exc
    return functools.partial(target, **params) if params else target


def _describe_component(entry: Component) -> str:
    """``layer 'dense' from plugin 'std' (smolml 0.1.0)``: a component as messages name it."""
    return f"{entry.kind} {entry.name!r} from {entry.provider}"


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
    _check_types(entry.obj, signature, params)


_DESCRIPTIONS: dict[Any, str] = {
    int: "a whole number (int)",
    float: "a number (float)",
    bool: "true or false (bool)",
    str: "a string (str)",
    type(None): "None",
}


def _check_types(target: Any, signature: inspect.Signature, params: dict[str, Any]) -> None:
    """Each parameter against its annotation, where that is int, float, bool, str or one of them | None.

    Other annotations (Any, classes, unions of components) are not checked, and
    annotations that cannot be resolved are skipped: the constructor still checks.
    """
    if not params:
        return
    try:
        hints = typing.get_type_hints(target.__init__ if isinstance(target, type) else target)  # type: ignore[misc]
    except Exception:  # a forward reference to a name that is not there, a local class...
        return
    extra = next((p.name for p in signature.parameters.values() if p.kind is p.VAR_KEYWORD), None)
    for key, value in params.items():
        # A key that is no named parameter goes to **kwargs, whose annotation types each value.
        owner = key if key in signature.parameters else extra
        allowed = _simple_types(hints.get(owner)) if owner else ()
        if allowed and not any(_fits(value, expected) for expected in allowed):
            wanted = " or ".join(_DESCRIPTIONS[t] for t in allowed)
            raise ConfigError(f"must be {wanted}, got {quote(value)} ({type(value).__name__})", path=(key,))


def _simple_types(annotation: Any) -> tuple[Any, ...]:
    """The types an annotation allows if it is a simple one (``float | None`` gives float and NoneType), else ()."""
    if any(annotation is simple for simple in (int, float, bool, str)):
        return (annotation,)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = typing.get_args(annotation)
        if all(any(member is simple for simple in _DESCRIPTIONS) for member in members):
            return members
    return ()


def _fits(value: Any, expected: Any) -> bool:
    """Whether ``value`` is of a simple type; a bool is not a number, and an int is a float."""
    if expected is type(None):
        return value is None
    if isinstance(value, (bool, np.bool_)):
        return expected is bool
    if expected is int:
        return isinstance(value, (int, np.integer))
    if expected is float:
        return isinstance(value, (int, float, np.integer, np.floating))
    return isinstance(value, expected)


def reference(kind: str, obj: Any) -> Any:
    """Write a component as its name, or as ``{"type": name, **parameters}``.

    The name is the short one unless another plugin provides it too; then it is
    the qualified ``plugin:name``, so the reference finds this very component.
    """
    registry = get_registry()
    entry = registry.find_object(obj)
    if entry is not None:
        return registry.name_for(entry)
    if isinstance(obj, functools.partial) and not obj.args:
        entry = registry.find_object(obj.func)
        if entry is not None:
            keywords = _without_default_nones(obj.func, to_plain(obj.keywords))
            name = registry.name_for(entry)
            return {"type": name, **keywords} if keywords else name
    entry = registry.find_object(type(obj))
    if entry is not None and hasattr(obj, "get_config"):
        config = _without_default_nones(type(obj), obj.get_config())
        name = registry.name_for(entry)
        return {"type": name, **config} if config else name
    raise ConfigError(
        f"this {kind} ({obj!r}) is not registered, so it cannot be written down by name; "
        f"register it first, e.g. smolml_core.register({kind!r}, 'my_{kind}', ...)"
    )


def name_of(kind: str, component: Any) -> str:
    """The name ``component`` is registered under (``"relu"``), for showing it; a Python name if it has none.

    A layer's summary uses it to show its activation in one word, whether the
    component was given by name, as a table with parameters, or as an object.
    """
    try:
        ref = reference(kind, component)
    except ConfigError:
        return str(getattr(component, "__name__", "custom"))
    return str(ref["type"] if isinstance(ref, dict) else ref)


def _without_default_nones(target: Any, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` less the None values that are defaults anyway: TOML cannot write None; leaving them out is exact."""
    try:
        declared = inspect.signature(target).parameters
    except (TypeError, ValueError):
        return params
    return {
        key: value
        for key, value in params.items()
        if not (value is None and key in declared and declared[key].default is None)
    }


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
