"""What ``smolml components show`` says about one component: signature, parameters, config line, docs, source.

The parameters a config may set follow the factory's rule
(``smolml_core.registry.factory``): a class takes every constructor
parameter, a function only its keyword parameters with defaults (its other
parameters are the inputs it is called with). Nothing here calls the
component: it is read with ``inspect`` only.
"""

from __future__ import annotations

import functools
import inspect
import json
import math
import numbers
import os
import re
import reprlib
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..registry import Component, Registry
from ..registry.kinds import TABLE

__all__ = [
    "CONFIG_PLACES",
    "Parameter",
    "config_line",
    "config_table",
    "docstring",
    "first_line",
    "parameters",
    "signature_text",
    "source_location",
    "toml_value",
]

CONFIG_PLACES: dict[str, tuple[str | None, str]] = {kind.name: (kind.config_key, kind.config_place) for kind in TABLE}
"""Per kind: the config key that takes a component of that kind (None: no single key), and where it goes."""

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


class _Unrepresentable(Exception):
    """A value a config file cannot hold (None, an object that is not a registered component...)."""


@dataclass(frozen=True)
class Parameter:
    """One parameter a config may set."""

    name: str
    annotation: str | None
    required: bool
    default: Any = None
    """The default as a config writes it (a registered component becomes its name); None when required."""
    default_text: str | None = None
    """The default as shown: its TOML form when it has one, else Python's repr; None when required."""


def _underlying(obj: Any) -> Any:
    """The function a ``functools.partial`` wraps (which has the docs and the source), else ``obj``."""
    while isinstance(obj, functools.partial):
        obj = obj.func
    return obj


def docstring(obj: Any) -> str:
    """The object's own docstring, cleaned of its indentation ("" when it has none).

    ``inspect.getdoc`` would fall back to a base class's docstring, which
    describes the contract rather than this component.
    """
    obj = _underlying(obj)
    doc = getattr(obj, "__doc__", None)
    if not isinstance(doc, str) and not isinstance(obj, (type, types.FunctionType)):
        doc = getattr(type(obj), "__doc__", None)  # a callable instance: its class tells what it is
    return inspect.cleandoc(doc) if isinstance(doc, str) else ""


def first_line(obj: Any) -> str:
    """The docstring's first line, the one-line summary."""
    text = docstring(obj)
    return text.splitlines()[0].strip() if text else ""


def _signature(obj: Any) -> inspect.Signature | None:
    try:
        return inspect.signature(obj)
    except (TypeError, ValueError):  # some builtins have none
        return None


def _annotation_text(annotation: Any) -> str:
    if isinstance(annotation, str):  # ``from __future__ import annotations``: written as in the source
        return annotation
    if isinstance(annotation, type) and not isinstance(annotation, types.GenericAlias):
        return annotation.__qualname__
    return inspect.formatannotation(annotation).replace("typing.", "")


def _default_text(value: Any) -> str:
    if isinstance(value, (type, types.FunctionType, types.BuiltinFunctionType)):
        return value.__qualname__
    return reprlib.repr(value)


class _Shown:
    """Stands for an annotation or default in a signature: ``str(signature)`` prints its text as it is."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def signature_text(component: Component) -> str:
    """How to call it: ``Adam(learning_rate: float = 0.01, ...)`` for a class (no self), the whole signature else."""
    obj = component.obj
    underlying = _underlying(obj)
    name = getattr(underlying, "__name__", None) or type(underlying).__name__
    signature = _signature(obj)  # a partial's own: without the arguments it binds
    if signature is None:
        return f"{name}(...)"
    shown = [
        p.replace(
            annotation=p.empty if p.annotation is p.empty else _Shown(_annotation_text(p.annotation)),
            default=p.empty if p.default is p.empty else _Shown(_default_text(p.default)),
        )
        for p in signature.parameters.values()
    ]
    returns: Any = signature.return_annotation
    if isinstance(obj, type) or returns is signature.empty:
        returns = signature.empty
    else:
        returns = _Shown(_annotation_text(returns))
    return name + str(signature.replace(parameters=shown, return_annotation=returns))


def parameters(component: Component, registry: Registry) -> tuple[list[Parameter], bool]:
    """The parameters a config may set, in order, and whether it also takes any other keyword (``**kwargs``)."""
    signature = _signature(component.obj)
    if signature is None:
        return [], True  # nothing to go by: the factory passes parameters through unchecked
    is_class = isinstance(component.obj, type)
    found = []
    for p in signature.parameters.values():
        if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            continue
        if not is_class and p.default is p.empty:  # a function's inputs have no defaults
            continue
        annotation = None if p.annotation is p.empty else _annotation_text(p.annotation)
        if p.default is p.empty:
            found.append(Parameter(p.name, annotation, required=True))
            continue
        try:
            value = _config_value(p.default, registry)
            text = toml_value(value)
        except _Unrepresentable:
            value, text = None, _default_text(p.default)
        found.append(Parameter(p.name, annotation, required=False, default=value, default_text=text))
    open_ended = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
    return found, open_ended


def _config_value(value: Any, registry: Registry) -> Any:
    """``value`` as a config holds it: plain data, with registered components written as their names."""
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):  # numpy's numbers too, as Python's
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, (list, tuple)):
        return [_config_value(v, registry) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _config_value(v, registry) for k, v in value.items()}
    if value is not None and (isinstance(value, type) or callable(value)):
        entry = registry.find_object(value)
        if entry is not None:
            return registry.name_for(entry)
    raise _Unrepresentable(repr(value))


def toml_value(value: Any) -> str:
    """``value`` written as TOML: ``0.01``, ``true``, ``"relu"``, ``[1, 2]``, ``{ a = 1 }``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # JSON's escapes are TOML basic-string escapes
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        pairs = (f"{_toml_key(str(k))} = {toml_value(v)}" for k, v in value.items())
        return "{ " + ", ".join(pairs) + " }"
    raise _Unrepresentable(repr(value))


def _toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def config_table(component: Component, registry: Registry) -> tuple[dict[str, Any], list[str]]:
    """``{"type": name, ...}`` with the example's values, else the defaults; and the required names left unset.

    Defaults of None are left out (a config cannot write None, and leaving
    them out means the same), as are defaults a config cannot hold.
    """
    if component.kind == "primitive":  # called from Python with its settings; its example is the kit's inputs
        return {"type": registry.name_for(component)}, []
    example = dict(component.example or {})
    chosen: dict[str, Any] = {}
    missing = []
    found, _ = parameters(component, registry)
    for p in found:
        if p.name in example:
            chosen[p.name] = example.pop(p.name)
        elif p.required:
            missing.append(p.name)
        elif p.default is not None:
            chosen[p.name] = p.default
    chosen.update(example)  # keys the signature does not name (taken by **kwargs)
    table: dict[str, Any] = {"type": registry.name_for(component)}
    for key, value in chosen.items():
        try:
            plain = _config_value(value, registry)
            toml_value(plain)
        except _Unrepresentable:
            continue
        table[key] = plain
    return table, missing


def config_line(component: Component, registry: Registry) -> str:
    """A line to paste into a TOML config: ``optimizer = { type = "adam", learning_rate = 0.01, ... }``."""
    table, _ = config_table(component, registry)
    key, _ = CONFIG_PLACES.get(component.kind, (None, ""))
    if component.kind == "metric":  # metrics are named, never given parameters
        return f"{key} = [{toml_value(table['type'])}]"
    value = toml_value(table["type"]) if len(table) == 1 else toml_value(table)
    return f"{key} = {value}" if key else value


def source_location(obj: Any) -> tuple[str | None, int | None, str]:
    """Where the component is defined: file, first line, and "" or why that is not known."""
    target = _underlying(obj)
    wrapped = isinstance(target, types.FunctionType) or hasattr(target, "__wrapped__")  # an operation: its forward
    target = inspect.unwrap(target) if wrapped else target
    if not isinstance(target, (type, types.FunctionType, types.MethodType, types.ModuleType)):
        target = type(target)  # a callable instance: its class
    try:
        path = inspect.getsourcefile(target)
    except TypeError as exc:  # a builtin
        return None, None, f"not available ({exc})"
    if path is None:
        return None, None, "not available (no source file)"
    if not os.path.isfile(path):  # typed at the prompt or run from standard input: "<stdin>"
        return None, None, f"not available (defined in {path})"
    try:
        line = inspect.getsourcelines(target)[1]
    except (OSError, TypeError, IndexError):
        return path, None, ""
    return path, line or None, ""
