"""What the kit feeds a layer: rows of its input width, or the first sample shape its ``output_shape`` accepts."""

from __future__ import annotations

from typing import Any

import numpy as np

from smolml_core import Layer, MLArray, ShapeError, register, zeros
from smolml_core.testing import check_component
from smolml_core.testing.domains import DEFAULT_WIDTH, IMAGE_SIZE
from smolml_core.testing.subject import input_sample


class ChannelScale(Layer):
    """y = X * gamma, one learned factor per channel of channels-first images (n, channels, height, width)."""

    def __init__(self, in_channels: int = 3) -> None:
        self.in_channels = in_channels
        self.gamma = MLArray(np.linspace(0.5, 1.5, in_channels).reshape(1, in_channels, 1, 1))

    def forward(self, X: MLArray) -> MLArray:
        """X * gamma, for images with in_channels channels."""
        if X.ndim != 4 or X.shape[1] != self.in_channels:
            raise ShapeError(f"expected images of shape (n, {self.in_channels}, h, w), got {X.shape}")
        return X * self.gamma

    def output_shape(self, input_shape: Any) -> Any:
        if input_shape is None:
            return None
        if len(input_shape) != 3 or input_shape[0] != self.in_channels:
            raise ShapeError(f"takes one image of shape ({self.in_channels}, h, w), not {input_shape}")
        return input_shape


class Quiet(Layer):
    """Says nothing about its input: fed rows, as before."""

    def __init__(self) -> None:
        self.b = zeros(1, DEFAULT_WIDTH)

    def forward(self, X: MLArray) -> MLArray:
        """X + b."""
        return X + self.b


def test_a_layer_that_takes_images_is_fed_images_with_its_channels() -> None:
    assert input_sample(ChannelScale(4), {}) == (4, IMAGE_SIZE, IMAGE_SIZE)
    assert input_sample(Quiet(), {}) == (DEFAULT_WIDTH,)


def test_the_kit_runs_every_data_check_on_a_layer_that_takes_images() -> None:
    register("layer", "channel_scale", ChannelScale, example={"in_channels": 2})
    outcomes = check_component("layer", "channel_scale")
    for check in ("sanity", "gradients[array]", "gradients[scalar]", "rebuild", "determinism"):
        assert outcomes[check] == "passed", (check, outcomes[check])
