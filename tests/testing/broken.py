"""Components with one deliberate fault each, and a plugin registering them, for tests the kit must fail.

Each is right in every other respect, so the kit's failure points at that one
fault. The plugin is loaded the way an installed one is, through a stand-in
entry point named ``broken``.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint
from typing import Any

import numpy as np

from smolml_core import (
    Layer,
    MLArray,
    Optimizer,
    Registry,
    Schedule,
    ShapeError,
    WeightInitializer,
    get_rng,
    hookimpl,
    is_training,
    ones,
    zeros,
)

from ..registry.fakes import FakeEntryPoint, plugin_module

# -- activations and losses --------------------------------------------------------


def softsign(x: MLArray) -> MLArray:
    """f(x) = x / (1 + |x|), written correctly: the control case."""
    return x / (1 + x.abs())


def wrong_gradient(x: MLArray) -> MLArray:
    """Softsign whose denominator is taken out of the graph, so autograd misses half the derivative."""
    return x / (1 + MLArray(np.abs(x.numpy()), requires_grad=False))


def undocumented(x: MLArray) -> MLArray:
    return x / (1 + x.abs())


def terse(x: MLArray) -> MLArray:
    """Softsign."""
    return x / (1 + x.abs())


def shape_changing(x: MLArray) -> MLArray:
    """Sums each row: not an activation, whose output keeps the input's shape."""
    return x.sum(axis=-1)


def broadcasting_loss(y_pred: MLArray, y_true: Any) -> MLArray:
    """Mean squared error that never compares shapes, so numpy broadcasting hides a mismatch."""
    diff = y_pred - y_true
    return (diff * diff).mean()


def per_sample_loss(y_pred: MLArray, y_true: Any) -> MLArray:
    """Squared error per sample, left unreduced."""
    if y_pred.shape != np.shape(y_true):
        raise ShapeError(f"shapes differ: {y_pred.shape} and {np.shape(y_true)}")
    diff = y_pred - y_true
    return (diff * diff).mean(axis=-1)


# -- metrics, schedules, optimizers, initializers -------------------------------------


def array_metric(y_pred: np.ndarray, y_true: np.ndarray) -> Any:
    """Mean absolute error, returned as a 0-d numpy array instead of a float."""
    return np.mean(np.abs(np.asarray(y_pred) - np.asarray(y_true)), keepdims=True)


class FallingToZero(Schedule):
    """lr = base_lr * (1 - epoch / 10): zero at epoch 10, negative after."""

    def __call__(self, epoch: int, base_lr: float) -> float:
        return base_lr * (1 - epoch / 10)


class Rebinding(Optimizer):
    """Gradient descent that assigns a new array to the name ``value``, so the parameter never moves."""

    def step(self, value: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        value = value - self.learning_rate * grad  # the fault, on purpose


class RngIgnoring(WeightInitializer):
    """Uniform in [-1, 1], drawn from a fresh generator of its own instead of the one it is given."""

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return np.random.default_rng().uniform(-1.0, 1.0, size=shape)


# -- layers ----------------------------------------------------------------------------


class Scale(Layer):
    """y = X * gamma, one learned factor per feature: the control case."""

    def __init__(self, size: int, start: float = 1.0) -> None:
        self.size = size
        self.gamma = MLArray(np.full((1, size), float(start)))

    def forward(self, X: MLArray) -> MLArray:
        """X * gamma, for X of shape (n, size)."""
        if X.shape[-1] != self.size:
            raise ShapeError(f"expected {self.size} features, got shape {X.shape}")
        return X * self.gamma


class UnrebuildableScale(Scale):
    """Scale whose get_config names a parameter its constructor does not have."""

    def get_config(self) -> dict[str, Any]:
        return {"width": self.size, "start": float(self.gamma.numpy()[0, 0])}


class ForgetfulShift(Layer):
    """y = X + offset, a fixed offset (no parameter) that get_config leaves out."""

    def __init__(self, size: int, offset: float = 0.0) -> None:
        self.size = size
        self.offset = offset

    def forward(self, X: MLArray) -> MLArray:
        """X + offset, for X of shape (n, size)."""
        if X.shape[-1] != self.size:
            raise ShapeError(f"expected {self.size} features, got shape {X.shape}")
        return X + self.offset

    def get_config(self) -> dict[str, Any]:
        return {"size": self.size}


class WidthBlind(Layer):
    """Scale that reads the first ``size`` columns of whatever it is given, so a wrong width goes unnoticed."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.gamma = ones(1, size)

    def forward(self, X: MLArray) -> MLArray:
        """X[:, :size] * gamma."""
        return X[:, : self.size] * self.gamma


class DetachedBias(Layer):
    """y = X + bias, with the bias read as plain numbers, so it never gets a gradient."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.bias = MLArray(np.linspace(-0.5, 0.5, size).reshape(1, size))

    def forward(self, X: MLArray) -> MLArray:
        """X + bias.numpy()."""
        if X.shape[-1] != self.size:
            raise ShapeError(f"expected {self.size} features, got shape {X.shape}")
        return X + self.bias.numpy()


class NumpyDropout(Layer):
    """Dropout drawing its mask from numpy's global generator, which set_seed does not reach."""

    def __init__(self, rate: float = 0.5) -> None:
        self.rate = rate

    def forward(self, X: MLArray) -> MLArray:
        """X outside training; X times a random scaled mask inside it."""
        if not is_training():
            return X
        keep = np.random.random(X.shape) >= self.rate
        return X * (keep / (1.0 - self.rate))


class SeededDropout(Layer):
    """Dropout drawing its mask from smolml_core.get_rng(): the control case for the one above."""

    def __init__(self, rate: float = 0.5) -> None:
        self.rate = rate

    def forward(self, X: MLArray) -> MLArray:
        """X outside training; X times a random scaled mask inside it."""
        if not is_training():
            return X
        keep = get_rng().random(X.shape) >= self.rate
        return X * (keep / (1.0 - self.rate))


class NeedsSize(Layer):
    """y = X + b; its size has no default, and it is registered without an example."""

    def __init__(self, size: int) -> None:
        self.b = zeros(1, size)

    def forward(self, X: MLArray) -> MLArray:
        """X + b, for X of shape (n, size)."""
        if X.shape[-1] != self.b.shape[-1]:
            raise ShapeError(f"expected {self.b.shape[-1]} features, got shape {X.shape}")
        return X + self.b


class ScaledBlock(Layer):
    """A layer made of layers: scale, then detached bias, then scale; the bias inside is the broken part."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.steps = [Scale(size, 0.5), DetachedBias(size)]
        self.last = {"scale": Scale(size, 2.0)}

    def forward(self, X: MLArray) -> MLArray:
        """last.scale(steps[1](steps[0](X)))."""
        for step in self.steps:
            X = step(X)
        return self.last["scale"](X)


class SetHidden(Scale):
    """Scale that also keeps a learned offset in a set, where the walk over its arrays cannot see it."""

    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.extra = {zeros(1, size)}

    def forward(self, X: MLArray) -> MLArray:
        """X * gamma + the offset in the set."""
        (offset,) = self.extra
        return super().forward(X) + offset


class Renaming(Layer):
    """Keeps its sub-layer under a name that changes from one build to the next."""

    _builds = 0

    def __init__(self, size: int) -> None:
        self.size = size
        Renaming._builds += 1
        setattr(self, f"part{Renaming._builds}", Scale(size))

    def forward(self, X: MLArray) -> MLArray:
        """The sub-layer applied to X."""
        (part,) = (value for key, value in vars(self).items() if key.startswith("part"))
        return part(X)


# -- the plugin --------------------------------------------------------------------------


@hookimpl
def smolml_register_activations(register: Any) -> None:
    register("softsign", softsign)
    register("wrong_gradient", wrong_gradient)
    register("undocumented", undocumented)
    register("terse", terse)
    register("shape_changing", shape_changing)


@hookimpl
def smolml_register_losses(register: Any) -> None:
    register("broadcasting_loss", broadcasting_loss)
    register("per_sample_loss", per_sample_loss)


@hookimpl
def smolml_register_metrics(register: Any) -> None:
    register("array_metric", array_metric)


@hookimpl
def smolml_register_schedules(register: Any) -> None:
    register("falling_to_zero", FallingToZero)


@hookimpl
def smolml_register_optimizers(register: Any) -> None:
    register("rebinding", Rebinding)


@hookimpl
def smolml_register_initializers(register: Any) -> None:
    register("rng_ignoring", RngIgnoring)


@hookimpl
def smolml_register_layers(register: Any) -> None:
    register("scale", Scale, example={"size": 3, "start": 2.0})
    register("unrebuildable_scale", UnrebuildableScale, example={"size": 3, "start": 2.0})
    register("forgetful_shift", ForgetfulShift, example={"size": 3, "offset": 1.5})
    register("width_blind", WidthBlind, example={"size": 3})
    register("detached_bias", DetachedBias, example={"size": 3})
    register("numpy_dropout", NumpyDropout)
    register("seeded_dropout", SeededDropout)
    register("needs_size", NeedsSize)
    register("scaled_block", ScaledBlock, example={"size": 3})
    register("set_hidden", SetHidden, example={"size": 3})
    register("renaming", Renaming, example={"size": 3})


PLUGIN = plugin_module(
    "smolml_broken.plugin",
    smolml_register_activations=smolml_register_activations,
    smolml_register_losses=smolml_register_losses,
    smolml_register_metrics=smolml_register_metrics,
    smolml_register_schedules=smolml_register_schedules,
    smolml_register_optimizers=smolml_register_optimizers,
    smolml_register_initializers=smolml_register_initializers,
    smolml_register_layers=smolml_register_layers,
)


STANDARD = EntryPoint(name="std", value="smolml_std.plugin", group="smolml")
"""The standard plugin's entry point, as SmolML's own distribution declares it."""


def registry_with_broken() -> Registry:
    """The standard plugin plus ``broken``, whatever else is installed; strict, so a mistake here shows at once."""
    return Registry([STANDARD, FakeEntryPoint("broken", PLUGIN)], strict=True)
