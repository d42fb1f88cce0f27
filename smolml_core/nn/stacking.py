"""Layers in a row: each built for the output of the one before, and checked against it.

A config may leave out what the input determines (a dense layer's
``input_size`` after another layer): ``build_layer`` fills it in from
``Layer.input_parameters`` once the input's shape is known, and checks every
layer with ``Layer.output_shape`` so that two layers that do not fit are
refused when the network is built, not at its first forward pass::

    layers, shape = build_layers([
        {"type": "dense", "input_size": 4, "output_size": 16, "activation_function": "relu"},
        {"type": "dense", "output_size": 3},          # input_size = 16, from layer 0
    ])
    shape == (3,)

``NeuralNetwork``, ``build_network`` and layers that hold a stack of layers
(``sequential``, ``residual``) build with these two functions.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ConfigError, InputMismatch, SmolMLError
from ..registry import get_registry, resolve
from .layer import Layer, Shape

__all__ = ["build_layer", "build_layers", "check_widths"]

_UNKNOWN_INPUT = "the shape of its input is not known"


def build_layer(ref: Any, input_shape: Shape | None = None, *, param: str = "layer") -> tuple[Layer, Shape | None]:
    """Build (or take) one layer and return it with its output shape (None where the layer does not say).

    ``ref`` is a registered name, a ``{"type": name, ...}`` table or a layer
    object. A name or table that leaves out parameters the input determines
    gets them from ``Layer.input_parameters(input_shape)`` when ``input_shape``
    is known; an object is taken as it is. The layer is then checked against
    ``input_shape`` with its ``output_shape``. Errors are prefixed with ``param``.
    """
    return _build_layer(ref, input_shape, param, _UNKNOWN_INPUT)


def build_layers(
    refs: Sequence[Any], input_shape: Shape | None = None, *, param: str = "layers"
) -> tuple[list[Layer], Shape | None]:
    """``build_layer`` for each of ``refs`` in turn, each fed the previous one's output shape.

    Returns the layers and the last one's output shape. Errors name the place
    ``f"{param}[{i}]"``; a width that does not fit names the layer that feeds it
    (``layers[1].input_size: is 8, but layer 0 outputs 16; set input_size = 16``).
    """
    return _in_turn(refs, input_shape, param, construct=True)


def check_widths(layers: Sequence[Any], input_shape: Shape | None = None, *, param: str = "layers") -> Shape | None:
    """Check that each of ``layers`` (objects, taken as they are) fits the output of the one before.

    Returns the last layer's output shape; errors as ``build_layers`` gives them.
    """
    return _in_turn(layers, input_shape, param, construct=False)[1]


def _in_turn(
    refs: Sequence[Any], input_shape: Shape | None, param: str, *, construct: bool
) -> tuple[list[Layer], Shape | None]:
    layers: list[Layer] = []
    shape = input_shape
    for i, ref in enumerate(refs):
        if i == 0:
            unknown = f"this is the first layer, and {_UNKNOWN_INPUT}"
        else:
            unknown = f"layer {i - 1} ({type(layers[-1]).__name__}) does not say what it outputs"
        try:
            layer, shape = _build_layer(ref, shape, f"{param}[{i}]", unknown, construct=construct)
        except InputMismatch as exc:
            if i > 0:  # fed by the previous layer (unless a layer nearer to it has said otherwise)
                exc.came_from(f"layer {i - 1} outputs {exc.actual}")
            raise
        layers.append(layer)
    return layers, shape


def _build_layer(
    ref: Any, input_shape: Shape | None, param: str, unknown: str, *, construct: bool = True
) -> tuple[Layer, Shape | None]:
    """``build_layer``, saying why (``unknown``) a parameter the input determines could not be filled in.

    ``construct`` False takes ``ref`` as the layer without looking at it, and only checks it.
    """
    try:
        layer = _construct(ref, input_shape, unknown) if construct else ref
        output_shape = getattr(layer, "output_shape", None)
        return layer, (output_shape(input_shape) if callable(output_shape) else None)
    except SmolMLError as exc:
        raise exc.at(param) from exc.__cause__


def _construct(ref: Any, input_shape: Shape | None, unknown: str) -> Any:
    """The layer ``ref`` describes, with the parameters the input determines filled in where it leaves them out."""
    table = {"type": ref} if isinstance(ref, str) else dict(ref) if isinstance(ref, Mapping) else None
    cls = get_registry().get("layer", table["type"]).obj if table and "type" in table else None
    if table is None or not (isinstance(cls, type) and issubclass(cls, Layer)):
        return resolve("layer", ref)
    if input_shape is not None:
        return resolve("layer", {**cls.input_parameters(input_shape), **table})
    try:
        return resolve("layer", table)
    except ConfigError as exc:
        missing = [name for name in _inferable(cls) if name not in table and _required(cls, name)]
        if exc.path or not missing:  # not a parameter the input would have given
            raise
        names = ", ".join(repr(name) for name in missing)
        raise ConfigError(f"{exc.message}; {names} cannot be inferred here: {unknown}") from exc


def _inferable(cls: type[Layer]) -> list[str]:
    """The parameters ``cls`` takes from its input, found by asking with a stand-in shape."""
    try:
        return list(cls.input_parameters((1,)))
    except Exception:  # a layer for other shapes of input: it cannot say for this one
        return []


def _required(cls: type, name: str) -> bool:
    try:
        parameter = inspect.signature(cls).parameters.get(name)
    except (TypeError, ValueError):
        return False
    return parameter is not None and parameter.default is parameter.empty
