"""The one walk over the arrays a layer holds, and the names it gives them.

Whatever needs a layer's arrays by name asks this module: ``Layer.parameters()``
and ``Layer.update`` (so the optimizer's state), save and load, ``get_weights``
and ``set_weights``, engine switching, the network's summary, the check that
refuses computed arrays, and the test kit. There is no other definition of
"a layer's arrays" in SmolML.

The walk looks at the layer's attributes in the order they were first set and
yields every ``MLArray`` it finds with its name. Each array is one of three
things, told apart by how it was made:

- a **parameter**: it requires a gradient and was made directly (``zeros``,
  ``randn``, ``MLArray(...)``, an initializer), so it is a leaf of any graph.
  The optimizer trains it.
- a **buffer**: it does not require a gradient (``requires_grad=False``), like
  batch normalisation's running statistics. It is saved and loaded with the
  parameters but never trained.
- a **computed** array: the result of an operation on arrays that require a
  gradient. It cannot be trained (it is a node of a graph, not a leaf), so
  ``NeuralNetwork`` refuses a layer holding one, naming it.

A name is a string. Today the walk goes one level deep and a name is the
attribute's name (``weights``); ``prefix`` puts a name in a wider place, as the
network does with ``layers.0.``, which is also how a saved file names the array
(``layers.0.weights``). ``find``, ``pick`` and ``replace`` go the other way,
from a name to its array (an optimizer's ``update``, the kit swapping a
parameter for a constant). Layers holding layers will make the walk recursive,
with dotted names (``blocks.0.weights``): ``named_arrays`` will descend and
``_place`` follow the dots. Every user already goes through here and takes
names as opaque strings, so nothing else will need to change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..array import MLArray

__all__ = [
    "find",
    "is_buffer",
    "is_computed",
    "is_parameter",
    "layer_prefix",
    "named_arrays",
    "named_buffers",
    "named_parameters",
    "named_state",
    "pick",
    "replace",
]


def named_arrays(layer: Any, prefix: str = "") -> list[tuple[str, MLArray]]:
    """Every array ``layer`` holds, as ``(prefix + name, array)``, in the order its attributes were set.

    Parameters, buffers and computed arrays alike; the functions below pick
    among them. A list rather than a generator: every training step walks each
    layer twice (update, then gradients reset), and a list is cheaper to make.
    """
    if prefix:
        return [(prefix + name, value) for name, value in vars(layer).items() if isinstance(value, MLArray)]
    return [item for item in vars(layer).items() if isinstance(item[1], MLArray)]


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
    owner, attribute = _place(layer, name)
    array = vars(owner).get(attribute)
    if not isinstance(array, MLArray):
        held = ", ".join(name for name, _ in named_arrays(layer)) or "none"
        raise KeyError(f"{type(layer).__name__} holds no array named {name!r} (its arrays: {held})")
    return array


def pick(layer: Any, names: Iterable[str]) -> tuple[MLArray, ...]:
    """The arrays the walk calls ``names``, in that order (what an optimizer's ``update`` is handed)."""
    arrays = []
    for name in names:  # find, written out: an optimizer's update picks its parameters at every step
        owner, attribute = _place(layer, name)
        array = vars(owner).get(attribute)
        arrays.append(array if isinstance(array, MLArray) else find(layer, name))
    return tuple(arrays)


def replace(layer: Any, name: str, array: MLArray) -> None:
    """Put ``array`` where the walk found ``name``, so the layer computes with it from now on.

    The test kit swaps a parameter for a constant this way. Unlike ``assign``,
    which writes numbers into the array already there, this puts another array
    object in its place.
    """
    find(layer, name)  # the name must be one the walk gives
    owner, attribute = _place(layer, name)
    setattr(owner, attribute, array)


def _place(layer: Any, name: str) -> tuple[Any, str]:
    """Where the array the walk calls ``name`` lives: the object holding it and the attribute it is under.

    The inverse of ``named_arrays``, without walking everything (an update
    looks its parameters up every step). With a one-level walk that is the
    layer itself; when names become dotted paths, this follows them.
    """
    return layer, name
