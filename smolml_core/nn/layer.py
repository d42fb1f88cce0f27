"""The layer contract: named parameters, a forward pass, and the arguments to rebuild it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..array import MLArray
from ..errors import SmolMLError
from ..registry import Configurable
from ..registry.kinds import component_base

if TYPE_CHECKING:
    from .optimizer import Optimizer

__all__ = ["Layer"]


@component_base("layer")
class Layer(Configurable):
    """Base class of every layer.

    A subclass keeps its trainable parameters as ``MLArray`` attributes (any
    names: ``weights``, ``gamma``, ``W_hidden``...) and implements ``forward``.
    Its constructor arguments are recorded automatically, so the registry can
    rebuild it from ``{"type": name, **get_config()}``.
    """

    def forward(self, X: MLArray) -> MLArray:
        """Compute the layer's output for a batch ``X`` (first axis: samples)."""
        raise NotImplementedError(f"{type(self).__name__} must implement forward(X)")

    def __call__(self, X: MLArray) -> MLArray:
        return self.forward(X)

    def parameters(self) -> dict[str, MLArray]:
        """The trainable arrays by attribute name, in the order they were set.

        A parameter is an ``MLArray`` attribute that needs a gradient and was made
        directly (``MLArray(...)``, ``zeros``, an initializer), not computed.
        """
        return {
            name: value
            for name, value in vars(self).items()
            if isinstance(value, MLArray) and value.requires_grad and value.is_leaf
        }

    def update(self, optimizer: Optimizer, layer_idx: int) -> None:
        """Let ``optimizer`` update this layer's parameters from their gradients.

        ``layer_idx`` identifies the layer in the optimizer's state, as in the tutorial.
        """
        optimizer.update(self, layer_idx, param_names=tuple(self.parameters()))

    def parameter_count(self) -> int:
        """How many numbers the layer learns."""
        return sum(p.size() for p in self.parameters().values())

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
