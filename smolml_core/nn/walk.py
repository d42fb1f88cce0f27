"""The one walk over the arrays a layer holds, and the names it gives them.

Whatever needs a layer's arrays by name asks this module: ``Layer.parameters()``
and ``Layer.update`` (so the optimizer's state), save and load, ``get_weights``
and ``set_weights``, engine switching, the network's summary, the check that
refuses computed arrays, and the test kit. There is no other definition of
"a layer's arrays" in SmolML.

The walk looks at the layer's attributes in the order they were first set. It
takes every ``MLArray`` it finds, and goes into sub-layers (anything with a
``forward`` method, as ``NeuralNetwork`` takes layers) and into lists, tuples
and dicts of them, at any depth. Each array gets a dotted name, its path from
the layer: ``weights``, ``inner.weights``, ``blocks.0.biases``,
``heads.cls.weights``. An array (or sub-layer) reached twice, shared between
two places, is named once, where it was first reached, so the optimizer steps
it once per update. The constructor arguments ``Configurable`` records are not
state, and the walk never looks at them.

Each array is one of three things, told apart by how it was made:

- a **parameter**: it requires a gradient and was made directly (``zeros``,
  ``randn``, ``MLArray(...)``, an initializer), so it is a leaf of any graph.
  The optimizer trains it.
- a **buffer**: it does not require a gradient (``requires_grad=False``), like
  batch normalisation's running statistics. It is saved and loaded with the
  parameters but never trained.
- a **computed** array: the result of an operation on arrays that require a
  gradient. It cannot be trained (it is a node of a graph, not a leaf), so
  ``NeuralNetwork`` refuses a layer holding one, naming it.

``prefix`` puts a name in a wider place, as the network does with
``layers.0.``, which is also how a saved file names the array
(``layers.0.inner.weights``). ``find``, ``pick`` and ``replace`` go the other
way, from a name to its array (an optimizer's ``update``, the kit swapping a
parameter for a constant).

An array held where the walk does not look (in a set, inside an object that is
not a layer, or a numpy array where an ``MLArray`` was meant) would never be
trained or saved; ``hidden_arrays`` finds those, and ``NeuralNetwork`` refuses
a layer holding one.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from ..array import MLArray
from ..value import Value

__all__ = [
    "children",
    "find",
    "HOW_TO_EXPOSE",
    "hidden_arrays",
    "is_buffer",
    "is_computed",
    "is_layer",
    "is_parameter",
    "layer_prefix",
    "named_arrays",
    "named_buffers",
    "named_layers",
    "named_parameters",
    "named_state",
    "pick",
    "replace",
]

_NOT_STATE = "_init_args"  # Configurable's record of the constructor arguments
_CONTAINERS = (list, tuple, dict)


def is_layer(value: Any) -> bool:
    """True for a layer: anything whose class has a ``forward`` method, as ``NeuralNetwork`` takes layers."""
    return callable(getattr(type(value), "forward", None))


def named_arrays(layer: Any, prefix: str = "") -> list[tuple[str, MLArray]]:
    """Every array ``layer`` holds, as ``(prefix + dotted name, array)``, in the order its attributes were set.

    Parameters, buffers and computed arrays alike; the functions below pick
    among them. A list rather than a generator: every training step walks each
    layer twice (update, then gradients reset), and a list is cheaper to make.
    """
    found: list[tuple[str, MLArray]] = []
    _collect(layer, prefix, found, {id(layer)})
    return found


def _collect(holder: Any, prefix: str, found: list[tuple[str, MLArray]], seen: set[int]) -> None:
    """Append the arrays reachable from ``holder`` to ``found``; ``seen`` holds the ids already reached."""
    members = vars(holder).items() if not isinstance(holder, _CONTAINERS) else _members(holder)
    for key, value in members:
        kind = _KINDS.get(type(value)) or _classify(type(value))
        if kind is _OTHER or key == _NOT_STATE or id(value) in seen:
            continue
        seen.add(id(value))
        if kind is _ARRAY:
            found.append((prefix + key, value))
        else:
            _collect(value, f"{prefix}{key}.", found, seen)


_ARRAY, _HOLDER, _OTHER = "array", "holder", "other"
_KINDS: dict[type, str] = {}  # what the walk does with a value, by its type: decided once per type


def _classify(cls: type) -> str:
    """Whether the walk takes values of type ``cls`` (arrays), looks inside them (layers, containers) or passes."""
    if issubclass(cls, MLArray):
        kind = _ARRAY
    elif issubclass(cls, _CONTAINERS) or callable(getattr(cls, "forward", None)):
        kind = _HOLDER
    else:
        kind = _OTHER
    _KINDS[cls] = kind
    return kind


def _members(holder: Any) -> Iterator[tuple[str, Any]]:
    """What the walk looks into: a layer's attributes, a list's or tuple's items, a dict's items under str keys.

    A dict key that is not a string, or holds a dot, cannot be part of a
    dotted name; ``hidden_arrays`` reports what such a key holds.
    """
    if isinstance(holder, (list, tuple)):
        return ((str(i), item) for i, item in enumerate(holder))
    if isinstance(holder, dict):
        return ((key, item) for key, item in holder.items() if _is_name(key))
    return ((key, item) for key, item in vars(holder).items() if key != _NOT_STATE)


def _is_name(key: Any) -> bool:
    return isinstance(key, str) and "." not in key and key != ""


def named_layers(layer: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Every layer inside ``layer``, at any depth, as ``(prefix + dotted name, sub-layer)``, parents first.

    A layer reached twice (shared, or a child pointing back at its parent) is named once.
    """
    out: list[tuple[str, Any]] = []
    seen = {id(layer)}

    def visit(holder: Any, at: str) -> None:
        for name, child in children(holder, at):
            if id(child) not in seen:
                seen.add(id(child))
                out.append((name, child))
                visit(child, name + ".")

    visit(layer, prefix)
    return out


def children(layer: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """The layers ``layer`` holds directly (in attributes, lists, tuples, dicts), with their dotted names."""
    found: list[tuple[str, Any]] = []
    seen: set[int] = set()

    def visit(holder: Any, at: str) -> None:
        for key, value in _members(holder):
            if id(value) in seen:
                continue
            if is_layer(value):
                seen.add(id(value))
                found.append((at + key, value))
            elif isinstance(value, _CONTAINERS) and value:
                seen.add(id(value))
                visit(value, f"{at}{key}.")

    visit(layer, prefix)
    return found


def is_parameter(array: MLArray) -> bool:
    """True for an array the optimizer trains: it needs a gradient and is a leaf (made, not computed)."""
    return array.requires_grad and array.is_leaf


def is_buffer(array: MLArray) -> bool:
    """True for an array kept but never trained (``requires_grad=False``), such as a running statistic."""
    return not array.requires_grad


def is_computed(array: MLArray) -> bool:
    """True for the result of an operation that needs a gradient: a node of a graph, which no optimizer can train."""
    return array.requires_grad and not array.is_leaf


def named_parameters(layer: Any, prefix: str = "") -> dict[str, MLArray]:
    """The arrays the optimizer trains, by name, in walk order."""
    # is_parameter, written out: this runs for every layer at every training step
    return {name: array for name, array in named_arrays(layer, prefix) if array.requires_grad and array._node is None}


def named_buffers(layer: Any, prefix: str = "") -> dict[str, MLArray]:
    """The arrays the layer keeps without training them (running statistics...), by name, in walk order."""
    return {name: array for name, array in named_arrays(layer, prefix) if is_buffer(array)}


def named_state(layer: Any, prefix: str = "") -> dict[str, MLArray]:
    """Parameters and buffers together, in walk order: everything a saved file holds for the layer."""
    return {name: array for name, array in named_arrays(layer, prefix) if is_parameter(array) or is_buffer(array)}


def layer_prefix(index: int) -> str:
    """The prefix of the arrays of a network's layer ``index``: ``layers.0.`` (so ``layers.0.weights``)."""
    return f"layers.{index}."


def find(layer: Any, name: str) -> MLArray:
    """The array the walk calls ``name``; a ``KeyError`` listing the names it has if there is none."""
    array = _get(layer, name)
    if not isinstance(array, MLArray):
        held = ", ".join(name for name, _ in named_arrays(layer)) or "none"
        raise KeyError(f"{type(layer).__name__} holds no array named {name!r} (its arrays: {held})")
    return array


def pick(layer: Any, names: Iterable[str]) -> tuple[MLArray, ...]:
    """The arrays the walk calls ``names``, in that order (what an optimizer's ``update`` is handed)."""
    arrays = []
    for name in names:  # find, written out for the common one-level name: an update picks at every step
        array = vars(layer).get(name) if "." not in name else _get(layer, name)
        arrays.append(array if isinstance(array, MLArray) else find(layer, name))
    return tuple(arrays)


def replace(layer: Any, name: str, array: MLArray) -> None:
    """Put ``array`` where the walk found ``name``, so the layer computes with it from now on.

    The test kit swaps a parameter for a constant this way. Unlike ``assign``,
    which writes numbers into the array already there, this puts another array
    object in its place. A tuple on the way is rebuilt with the new item and
    put back where it was.
    """
    find(layer, name)  # the name must be one the walk gives
    path = _path(layer, name)
    new: Any = array
    for holder, key in reversed(path):
        if isinstance(holder, tuple):
            new = (*holder[: int(key)], new, *holder[int(key) + 1 :])
            continue
        if isinstance(holder, list):
            holder[int(key)] = new
        elif isinstance(holder, dict):
            holder[key] = new
        else:
            setattr(holder, key, new)
        return


def _get(layer: Any, name: str) -> Any:
    """What the dotted ``name`` leads to from ``layer``, or None where the path breaks."""
    path = _path(layer, name)
    if not path:
        return None
    holder, key = path[-1]
    return _item(holder, key)


def _path(layer: Any, name: str) -> list[tuple[Any, str]]:
    """Each holder on the way to ``name`` with the key taken in it, outermost first; [] where the path breaks."""
    path = []
    holder = layer
    for key in name.split("."):
        path.append((holder, key))
        holder = _item(holder, key)
        if holder is None:
            return path if len(path) == len(name.split(".")) else []
    return path


def _item(holder: Any, key: str) -> Any:
    """``holder``'s member ``key`` as ``_members`` names it, or None."""
    if isinstance(holder, (list, tuple)):
        return holder[int(key)] if key.isdigit() and int(key) < len(holder) else None
    if isinstance(holder, dict):
        return holder.get(key)
    if key == _NOT_STATE or not hasattr(holder, "__dict__"):
        return None
    return vars(holder).get(key)


# -- arrays the walk cannot see ----------------------------------------------------------


def hidden_arrays(layer: Any) -> list[tuple[str, str]]:
    """Arrays ``layer`` holds where the walk does not look, as ``(dotted place, what hides it)``.

    Such an array would never be trained, saved or moved between engines:
    an ``MLArray`` or ``Value`` in a set or inside an object that is not a
    layer, a dict key that cannot be part of a name, or a float numpy array
    where an ``MLArray`` was surely meant.
    """
    found: list[tuple[str, str]] = []
    seen = {id(layer)}

    def visit(holder: Any, at: str) -> None:
        if isinstance(holder, dict):
            for key, value in holder.items():
                if not _is_name(key) and _holds_array(value, set()):
                    found.append((f"{at}{key!r}", _BAD_KEY))
        for key, value in _members(holder):
            if isinstance(value, MLArray) or id(value) in seen:
                continue
            seen.add(id(value))
            if isinstance(value, _CONTAINERS) or is_layer(value):
                visit(value, f"{at}{key}.")
            else:
                why = _hiding(value)
                if why:
                    found.append((at + key, why))

    visit(layer, "")
    return found


HOW_TO_EXPOSE = (
    "keep arrays as MLArray attributes of the layer, or in lists, tuples or dicts (with string keys) of "
    "MLArrays or layers; an array that is not to be trained is MLArray(..., requires_grad=False), which is saved"
)
"""What to do about an array ``hidden_arrays`` finds: said by ``NeuralNetwork`` and the test kit alike."""

_BAD_KEY = "a dict entry whose key is not a string without dots, so it cannot be named"


def _hiding(value: Any) -> str:
    """How ``value`` hides an array from the walk, or "" if it holds none."""
    if isinstance(value, Value):
        return "a Value outside an MLArray"
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "fc" or (value.dtype == object and _holds_array(value.tolist(), set())):
            return "a numpy array, which is never trained or saved (an MLArray was meant?)"
        return ""
    if isinstance(value, (set, frozenset)):
        return "a set, whose items have no order and so no names" if _holds_array(value, set()) else ""
    if _is_plain_object(value) and _holds_array(vars(value), set()):
        return f"a {type(value).__name__} object, which is not a layer, so the walk does not look inside it"
    return ""


def _holds_array(value: Any, seen: set[int], depth: int = 0) -> bool:
    """Whether an MLArray, a Value or a sub-layer can be reached from ``value`` (a few levels deep)."""
    if isinstance(value, (MLArray, Value)) or is_layer(value):
        return True
    if depth > 4 or id(value) in seen:
        return False
    seen.add(id(value))
    if isinstance(value, dict):
        return any(_holds_array(item, seen, depth + 1) for item in value.values())
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_holds_array(item, seen, depth + 1) for item in value)
    if _is_plain_object(value):
        return _holds_array(vars(value), seen, depth + 1)
    return False


def _is_plain_object(value: Any) -> bool:
    """An instance with attributes of its own (not a class, module or function), which could hold arrays."""
    return hasattr(value, "__dict__") and not isinstance(value, _CODE)


_CODE = (type, types.ModuleType, types.FunctionType, types.BuiltinFunctionType, types.MethodType, functools.partial)
