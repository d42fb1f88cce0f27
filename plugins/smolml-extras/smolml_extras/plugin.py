"""Registers the extra components; the ``smolml`` entry point ``extras`` names this module.

SmolML imports it on the first registry lookup and calls each hook once. The
``example`` of a component whose constructor needs arguments gives parameters
that build a working instance.
"""

from __future__ import annotations

from smolml_core import hookimpl
from smolml_core.registry import Register

from . import activations, initializers, layers, losses, optimizers


@hookimpl
def smolml_register_activations(register: Register) -> None:
    register("gelu", activations.gelu)
    register("swish", activations.swish, aliases=["silu"])
    register("softplus", activations.softplus)


@hookimpl
def smolml_register_losses(register: Register) -> None:
    register("hinge_loss", losses.hinge_loss, aliases=["hinge"])
    register("focal_loss", losses.focal_loss, aliases=["focal"])


@hookimpl
def smolml_register_optimizers(register: Register) -> None:
    register("rmsprop", optimizers.RMSprop)
    register("adamw", optimizers.AdamW)


@hookimpl
def smolml_register_initializers(register: Register) -> None:
    register("orthogonal", initializers.Orthogonal)


@hookimpl
def smolml_register_layers(register: Register) -> None:
    register("dropout", layers.Dropout)
    register("layer_norm", layers.LayerNorm, aliases=["layernorm"], example={"size": 4})
    register("batch_norm", layers.BatchNorm, aliases=["batchnorm"], example={"size": 4})
