"""What a network is made of: the registry entries of every component inside it.

Saving a network records which plugin provided each of its components, so that
loading it where a plugin is missing can say what to install. That needs every
component, nested ones included: the network's layers, loss function and
optimizer, and whatever their constructor arguments name (a layer's activation,
its weight initializer). The table of kinds says which arguments take which
kind, so a name found in a layer's arguments is looked up as exactly that kind.

Loading goes the other way: ``with_recorded_names`` writes each name of a saved
config as the name that finds, here and now, the component the file recorded,
so a plugin installed since that provides the same short name changes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..errors import SmolMLError
from .configurable import recorded_arguments
from .kinds import KINDS, kind_of_argument
from .registry import Component, Registry, get_registry

__all__ = ["components_used", "with_recorded_names"]

_NETWORK_PARTS = ("layers", "loss_function", "optimizer")
"""The network's own arguments that take components; the table of kinds says which kind each takes."""


def components_used(network: Any, registry: Registry | None = None) -> list[Component]:
    """The registry entries of every component ``network`` is made of, each once, by kind and name.

    The walk starts from the network's layers, loss function and optimizer and
    follows the arguments each component was built with. A component given as
    an object is found by what it is; one given by name, or as a ``{"type":
    name, ...}`` table, is looked up as the kind its argument takes
    (``kinds.kind_of_argument``), never guessed from the name alone. What the
    registry does not know is left out.
    """
    registry = registry or get_registry()
    found: dict[int, Component] = {}
    seen: set[int] = set()
    for part in _NETWORK_PARTS:
        for entry in _walk(registry, part, getattr(network, part), seen):
            found.setdefault(id(entry), entry)
    return sorted(found.values(), key=lambda c: (KINDS.index(c.kind), c.name, c.plugin))


def _walk(registry: Registry, argument: str, value: Any, seen: set[int]) -> Iterator[Component]:
    """The components ``value``, given as ``argument``, is or holds."""
    if value is None or isinstance(value, (bool, int, float)):
        return
    if isinstance(value, str):
        yield from _named(registry, argument, value)
        return
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, (list, tuple)):
        for item in value:
            yield from _walk(registry, argument, item, seen)
    elif isinstance(value, Mapping):  # {"type": name, **its arguments}, or a plain table of arguments
        for key, item in value.items():
            yield from _walk(registry, argument if key == "type" else str(key), item, seen)
    elif isinstance(value, functools.partial):  # a function component with parameters bound
        yield from _walk(registry, argument, value.func, seen)
        for key, item in value.keywords.items():
            yield from _walk(registry, key, item, seen)
    else:
        entry = registry.find_object(value) or registry.find_object(type(value))
        if entry is not None:
            yield entry
        for key, item in recorded_arguments(value).items():
            yield from _walk(registry, key, item, seen)


def _named(registry: Registry, argument: str, name: str) -> Iterator[Component]:
    """The component ``name`` finds among the kind ``argument`` takes; nothing when it takes none or none is found."""
    kind = kind_of_argument(argument)
    if kind is None:
        return
    try:
        yield registry.get(kind, name)
    except SmolMLError:
        return


def with_recorded_names(config: Any, recorded: Iterable[Component], registry: Registry | None = None) -> Any:
    """``config`` with each component name it gives written as the name that finds the recorded component.

    A saved model's file records which plugin provided each component its
    config names. A plugin installed since may provide one of those short names
    too (``relu``), which makes the short name alone ambiguous; here it becomes
    the qualified name (``std:relu``), so the network is built from the
    components it was saved with, and its ``to_config()`` and next save say so.
    Names the file records nothing for, and names still unambiguous, are kept.
    """
    registry = registry or get_registry()
    names: dict[tuple[str, str], str] = {}
    twice: set[tuple[str, str]] = set()
    for entry in recorded:
        for label in (entry.name, *entry.aliases):
            key, name = (entry.kind, label.lower()), registry.name_for(entry)
            if names.setdefault(key, name) != name:
                twice.add(key)  # the file records two plugins for one short name: it cannot say which
    return _renamed(config, "", {key: name for key, name in names.items() if key not in twice})


def _renamed(value: Any, argument: str, names: Mapping[tuple[str, str], str]) -> Any:
    """``value``, given as ``argument``, with the names ``names`` maps replaced: ``_walk``'s walk, over plain data."""
    if isinstance(value, str):
        kind = kind_of_argument(argument)
        return names.get((kind, value.lower()), value) if kind else value
    if isinstance(value, list):
        return [_renamed(item, argument, names) for item in value]
    if isinstance(value, Mapping):
        return {key: _renamed(item, argument if key == "type" else str(key), names) for key, item in value.items()}
    return value
