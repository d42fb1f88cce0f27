"""Registers the vision primitives and layers; the ``smolml`` entry point ``vision`` names this module."""

from __future__ import annotations

from smolml_core import hookimpl
from smolml_core.registry import Register

from . import layers, primitives


@hookimpl
def smolml_register_primitives(register: Register) -> None:
    pool = {"inputs": [(2, 3, 5, 4)], "kwargs": {"kernel": [3, 2], "stride": 2, "padding": [1, 1, 1, 1]}}
    register(
        "conv2d",
        primitives.conv2d,
        example={"inputs": [(2, 3, 5, 5), (4, 3, 3, 2)], "kwargs": {"stride": 2, "padding": [1, 0, 1, 0]}},
    )
    register("max_pool2d", primitives.max_pool2d, example=pool)
    register("avg_pool2d", primitives.avg_pool2d, example=pool)


@hookimpl
def smolml_register_layers(register: Register) -> None:
    register(
        "conv2d",
        layers.Conv2D,
        aliases=["conv"],
        example={"in_channels": 2, "out_channels": 3, "kernel_size": 2},
    )
    register("max_pool2d", layers.MaxPool2D, aliases=["maxpool"])
    register("avg_pool2d", layers.AvgPool2D, aliases=["avgpool"])
    register("global_avg_pool2d", layers.GlobalAvgPool2D)
