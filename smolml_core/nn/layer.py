"""The layer contract: named parameters, a forward pass, and the arguments to rebuild it."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any, ClassVar

from ..array import MLArray
from ..errors import SmolMLError
from ..registry import Configurable
from ..registry.kinds import component_base
from .walk import named_buffers, named_parameters

if TYPE_CHECKING:
    from .optimizer import Optimizer

__all__ = ["Layer", "Shape"]

Shape = tuple[int, ...]
"""The shape of one sample, the sample axis left out: ``(16,)`` for 16 features."""


@component_base("layer")
class Layer(Configurable):
    """Base class of every layer.

    A subclass keeps its arrays as ``MLArray`` attributes (any names:
    ``weights``, ``gamma``, ``W_hidden``...) and implements ``forward``. Its
    constructor arguments are recorded automatically, so the registry can
    rebuild it from ``{"type": name, **get_config()}``.

    A layer may hold other layers: as attributes (``self.inner =
    DenseLayer(8, 8)``), or in lists, tuples and dicts (string keys) of layers
    or arrays, at any depth. Their arrays are the layer's too, named by their
    path: ``inner.weights``, ``blocks.0.biases``, ``heads.cls.weights``.

    The arrays are found by one walk over the attributes
    (``smolml_core.nn.walk``), in the order they were set. An array made
    directly that requires a gradient (``zeros``, ``randn``, an initializer)
    is a *parameter*: ``named_parameters()``, which the optimizer trains. An
    array made with ``requires_grad=False`` is a *buffer*:
    ``named_buffers()``, kept and saved but not trained (running statistics).
    The same walk names the arrays for the optimizer's state, for saving and
    loading, for ``get_weights`` and for engine switching. An array held
    where the walk does not look (in a set, in an object that is not a layer,
    a numpy array where an ``MLArray`` was meant) would never be trained, so
    ``NeuralNetwork`` refuses such a layer, naming the attribute.
    """

    allow_unused: ClassVar[bool | tuple[str, ...]] = ()
    """Parameters that may receive no gradient without a warning: their names, or True for all.

    After a network's first training step, a parameter the loss does not depend
    on gives an ``UnusedParameterWarning``, since it will never be trained. A
    layer that leaves some parameters out on purpose (a branch taken only
    sometimes) names them here, as ``named_parameters()`` does; True covers
    every parameter of the layer and of its sub-layers.
    """

    def forward(self, X: MLArray) -> MLArray:
        """Compute the layer's output for a batch ``X`` (first axis: samples)."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward(X)")

    def __call__(self, X: MLArray) -> MLArray:
        return self.forward(X)

    def output_shape(self, input_shape: Shape | None) -> Shape | None:
        """The shape of one sample of this layer's output, given one sample of its input.

        This is how widths are checked when a network is built, before any data
        flows. With ``input_shape`` None (the input is not known), say what the
        layer outputs for the input it was built for, or None if it cannot say.
        A layer that cannot take ``input_shape`` raises ``InputMismatch``
        (``InputMismatch("input_size", self.input_size, input_shape[-1])``).

        Returning None means "I do not say": nothing is checked against this
        layer's output, and checking resumes at the next layer that says. The
        default returns None, so a layer need not implement it.
        """
        return None

    @classmethod
    def input_parameters(cls, input_shape: Shape) -> dict[str, Any]:
        """The constructor parameters that ``input_shape`` determines, for a config that leaves them out.

        The default gives ``{"input_size": input_shape[-1]}`` when the
        constructor has an ``input_size`` parameter, else ``{}``. A layer whose
        input sets another parameter (the channels of an image, say) overrides it.
        """
        if input_shape and "input_size" in inspect.signature(cls).parameters:
            return {"input_size": input_shape[-1]}
        return {}

    def named_parameters(self) -> dict[str, MLArray]:
        """The trainable arrays by name, in the order they were set.

        A parameter is an ``MLArray`` attribute that needs a gradient and was made
        directly (``MLArray(...)``, ``zeros``, an initializer), not computed.
        """
        return named_parameters(self)

    def named_buffers(self) -> dict[str, MLArray]:
        """The arrays kept without training (made with ``requires_grad=False``), by name, in the order they were set."""
        return named_buffers(self)

    def parameters(self) -> dict[str, MLArray]:
        """The trainable arrays by name: the same as ``named_parameters()``, under the tutorial's name."""
        return named_parameters(self)

    def update(self, optimizer: Optimizer, layer_idx: int) -> None:
        """Let ``optimizer`` update this layer's parameters from their gradients.

        ``layer_idx`` identifies the layer in the optimizer's state, as in the tutorial.
        """
        optimizer.update(self, layer_idx, param_names=tuple(named_parameters(self)))

    def parameter_count(self) -> int:
        """How many numbers the layer learns."""
        return sum(p.size() for p in named_parameters(self).values())

    def summary(self) -> str:
        """A short description for the network's table; layers may say it better."""
        try:
            config = self.get_config()
        except SmolMLError:  # an unregistered component inside: show it as Python does
            config = getattr(self, "_init_args", {})
        return ", ".join(f"{k}={_short(v)}" for k, v in config.items())

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.summary()})"


def _short(value: Any) -> str:
    if isinstance(value, dict) and "type" in value:
        params = ", ".join(f"{k}={v}" for k, v in value.items() if k != "type")
        return f"{value['type']}({params})"
    return str(value)
