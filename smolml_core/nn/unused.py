"""The check after a network's first training step: a parameter that got no gradient is not being trained.

The loss does not depend on such a parameter (a branch the forward pass never
takes, an array the layer made but never uses), so the optimizer leaves it as
it is, forever. That is legitimate for some layers and a mistake in most, so it
is a warning, given once per network and naming every such parameter. A layer
that means it lists the parameters in its ``allow_unused`` class attribute, or
sets it to True for all of them (its sub-layers' included).
"""

from __future__ import annotations

import sys
import warnings
from typing import TYPE_CHECKING, Any

from ..errors import UnusedParameterWarning
from .walk import layer_prefix, named_layers, named_parameters

if TYPE_CHECKING:
    from .network import NeuralNetwork

__all__ = ["warn_unused_parameters"]


def warn_unused_parameters(network: NeuralNetwork) -> None:
    """Warn about every parameter that holds no gradient now, right after a backward pass, unless allowed."""
    unused = []
    for i, layer in enumerate(network.layers):
        prefix = layer_prefix(i)
        allowed = _allowed(layer, prefix)
        for name, param in named_parameters(layer, prefix).items():
            if param._grad is None and not any(name == a or name.startswith(a + ".") for a in allowed):
                unused.append(name)
    if unused:
        warnings.warn(
            f"{', '.join(unused)} received no gradient in the first training step, so "
            f"{'it is' if len(unused) == 1 else 'they are'} not being trained: the loss does not depend on "
            f"{'it' if len(unused) == 1 else 'them'}. If the layer means it, list the names in its class "
            "attribute allow_unused (or set allow_unused = True); see the plugin author's guide",
            UnusedParameterWarning,
            stacklevel=_caller_outside_smolml(),
        )


def _caller_outside_smolml() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside SmolML (the user's ``train`` line)."""
    frame, level = sys._getframe(2), 2  # 1 is warn_unused_parameters itself
    while frame.f_back is not None and frame.f_globals.get("__name__", "").startswith("smolml_core."):
        frame, level = frame.f_back, level + 1
    return level


def _allowed(layer: Any, prefix: str) -> list[str]:
    """The full names (or name prefixes) of the parameters ``layer`` and its sub-layers allow to go unused."""
    allowed = []
    for at, owner in [(prefix, layer), *((name + ".", sub) for name, sub in named_layers(layer, prefix))]:
        allow = getattr(owner, "allow_unused", ())
        if allow is True:
            allowed.append(at.rstrip("."))
        elif isinstance(allow, (tuple, list, frozenset, set)):
            allowed.extend(at + str(name) for name in allow)
    return allowed
