"""Layers made of layers: ``Sequential`` (a stack used as one layer) and ``Residual`` (x + f(x)).

Both take their inner layers as objects, registered names or tables, and
build them with ``smolml_core.build_layers``, so an inner layer may leave out
the ``input_size`` its input determines, and widths that do not fit are
refused when the layer is built. They keep the built layers as attributes
(``self.layers``, ``self.layer``), where the walk over a layer's arrays finds
their parameters and names them by their place: ``layers.0.weights``,
``layer.biases``, ``projection.weights``. ``get_config()`` writes the built
layers back as tables, so a network of composites round-trips through
``to_config()``, TOML, JSON, save and load like any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from smolml_core import (
    ConfigError,
    InputMismatch,
    Layer,
    MLArray,
    Shape,
    ShapeError,
    build_layer,
    build_layers,
    reference,
    validation,
)

from .layers import DenseLayer

__all__ = ["Residual", "Sequential"]


class Sequential(Layer):
    """Sequential: layers run one after another as one layer, output = f_k(... f_2(f_1(X))).

    ``layers`` is a non-empty list of layers, each an object, a registered
    name or a table; after the first, an inner layer may leave out its
    ``input_size``, which is taken from the layer before. ``input_shape``
    (one sample's shape) is what the first layer is fed; a network fills it
    in from the layer before the stack, so a config rarely gives it.
    """

    def __init__(self, layers: list[Any], input_shape: list[int] | None = None) -> None:
        if isinstance(layers, (str, Mapping)) or not isinstance(layers, (list, tuple)) or not layers:
            raise ConfigError(
                f"must be a non-empty list of layers (names, tables or layer objects), got {layers!r}",
                path=("layers",),
            )
        self.input_shape = _sample_shape(input_shape)
        self.layers, _ = build_layers(list(layers), self.input_shape)
        self.input_size = _input_size(self.input_shape, self.layers[0])
        """The width of the rows ``(n_samples, input_size)`` the stack takes, when it is known; else None."""

    def forward(self, X: MLArray) -> MLArray:
        for i, layer in enumerate(self.layers):
            try:
                X = layer.forward(X)
            except ShapeError as exc:
                exc.at(f"layers[{i}]")
                raise
        return X

    def output_shape(self, input_shape: Shape | None) -> Shape | None:
        """The last layer's output shape, each layer checked against the one before."""
        return build_layers(self.layers, self.input_shape if input_shape is None else input_shape)[1]

    @classmethod
    def input_parameters(cls, input_shape: Shape) -> dict[str, Any]:
        return {"input_shape": list(input_shape)}

    def get_config(self) -> dict[str, Any]:
        """The built layers as tables, which carry their own ``input_size``.

        ``input_shape`` is left out when the first layer's ``input_size`` says
        all of it; it is written when nothing else would carry it (a
        ``flatten`` first, say).
        """
        config: dict[str, Any] = {"layers": [_table(layer, f"layers[{i}]") for i, layer in enumerate(self.layers)]}
        return _with_input_shape(config, self.input_shape, self.layers[0])

    def summary(self) -> str:
        return f"{len(self.layers)} layer{'s' if len(self.layers) != 1 else ''}"


class Residual(Layer):
    """Residual: output = X + f(X), or P(X) + f(X) when f changes the width.

    ``f`` is ``layer`` (an object, a registered name or a table; a table may
    leave out the ``input_size`` the input determines). The skip connection
    lets the gradient reach earlier layers unchanged, which is what makes deep
    stacks trainable. When ``projection`` is true, or when ``f``'s output
    width differs from its input's, the skip goes through ``P``, a learned
    linear layer ``P(X) = X W_p + b_p`` (``self.projection``, a ``DenseLayer``),
    so that the two can be added. ``P`` acts on the last axis; its input
    width is taken from ``input_shape`` (one sample's shape), else from the
    inner layer's ``input_size``.
    """

    def __init__(self, layer: Any, projection: bool = False, input_shape: list[int] | None = None) -> None:
        wants_projection = validation.boolean(projection, "projection")
        self.input_shape = _sample_shape(input_shape)
        self.layer, inner_shape = build_layer(layer, self.input_shape)
        self.input_size = _input_size(self.input_shape, self.layer)
        """The width of the rows ``(n_samples, input_size)`` the block takes, when it is known; else None."""
        self.projection: DenseLayer | None = None
        """``P`` of ``P(X) + f(X)``: a linear layer from the input's width to ``f``'s, or None for ``X + f(X)``."""
        width = self.input_shape[-1] if self.input_shape else self.input_size
        output_width = inner_shape[-1] if inner_shape else None
        if wants_projection or (width is not None and output_width not in (None, width)):
            self.projection = _projection(self.layer, width, output_width)

    def forward(self, X: MLArray) -> MLArray:
        fx = self.layer.forward(X)
        skip = X if self.projection is None else self.projection.forward(X)
        if skip.shape != fx.shape:
            raise ShapeError(
                f"the inner layer turned input of shape {X.shape} into {fx.shape}, which cannot be added to "
                f"{'the projected input, of shape ' if self.projection else 'the input, of shape '}{skip.shape}"
            )
        return skip + fx

    def output_shape(self, input_shape: Shape | None) -> Shape | None:
        """The inner layer's output shape, checked against ``input_shape``; the input's when it does not say."""
        shape = self.input_shape if input_shape is None else input_shape
        _, inner = build_layer(self.layer, shape)
        if shape is not None and self.projection is not None and shape[-1] != self.projection.input_size:
            raise self._mismatch(shape, self.projection.input_size)
        if inner is not None or shape is None:
            return inner
        return shape if self.projection is None else (*shape[:-1], self.projection.output_size)

    def _mismatch(self, shape: Shape, width: int) -> InputMismatch:
        """The projection was made for input ``width`` wide: name the parameter that width came from."""
        if self.input_shape is not None:
            return InputMismatch("input_shape", list(self.input_shape), list(shape))
        error = InputMismatch("input_size", width, shape[-1])
        error.at("layer")
        return error

    @classmethod
    def input_parameters(cls, input_shape: Shape) -> dict[str, Any]:
        return {"input_shape": list(input_shape)}

    def get_config(self) -> dict[str, Any]:
        """The built inner layer as a table, and ``projection`` as it was given.

        ``input_shape`` is left out when the inner layer's ``input_size`` says
        all of it, as for ``Sequential``.
        """
        config = {"layer": _table(self.layer, "layer"), "projection": bool(self._init_args["projection"])}
        return _with_input_shape(config, self.input_shape, self.layer)

    def summary(self) -> str:
        return "x + f(x)" if self.projection is None else "projection(x) + f(x)"


def _sample_shape(shape: Any) -> Shape | None:
    """``input_shape`` checked and made a tuple: None, or a non-empty list of whole numbers >= 1."""
    if shape is None:
        return None
    if isinstance(shape, (str, bytes)) or not isinstance(shape, (list, tuple)) or not shape:
        raise ConfigError(
            f"must be one sample's shape, a non-empty list of sizes such as [16], got {shape!r}", path=("input_shape",)
        )
    return tuple(validation.whole_number(size, f"input_shape[{i}]") for i, size in enumerate(shape))


def _input_size(input_shape: Shape | None, first: Layer) -> int | None:
    """The width of rows that fit: what ``first`` states as its ``input_size``, else a one-axis ``input_shape``'s."""
    stated = getattr(first, "input_size", None)
    if validation.is_whole_number(stated):
        return int(stated)
    return input_shape[0] if input_shape is not None and len(input_shape) == 1 else None


def _with_input_shape(config: dict[str, Any], input_shape: Shape | None, first: Layer) -> dict[str, Any]:
    """``config`` with ``input_shape`` added, unless it is unknown or ``first``'s ``input_size`` says all of it."""
    if input_shape is None or input_shape == (getattr(first, "input_size", None),):
        return config
    return {**config, "input_shape": list(input_shape)}


def _table(layer: Layer, place: str) -> Any:
    """``layer`` written down by name, with the place it holds when it cannot be."""
    try:
        return reference("layer", layer)
    except ConfigError as exc:
        raise exc.at(place) from None


def _projection(inner: Layer, input_width: int | None, output_width: int | None) -> DenseLayer:
    """The linear layer from ``input_width`` to ``output_width``, in the precision of ``inner``'s parameters."""
    if input_width is None:
        raise ConfigError(
            "a projection needs the width of the block's input, which is not known here; "
            "give the inner layer its input_size (or the residual its input_shape)",
            path=("layer",),
        )
    if output_width is None:
        raise ConfigError(
            f"a projection needs the width of the inner layer's output, but {type(inner).__name__} does not say "
            "what it outputs (its output_shape gives None)",
            path=("layer",),
        )
    first = next(iter(inner.named_parameters().values()), None)
    return DenseLayer(input_width, output_width, dtype="float64" if first is None else first.dtype.name)
