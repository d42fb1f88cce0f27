"""``NeuralNetwork``: layers in sequence, a loss, an optimizer, and the training loop."""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..array import MLArray, no_grad, scalar
from ..errors import ConfigError, NumericalError, ShapeError, TrainingError
from ..registry import reference, resolve
from .checkpoint import Checkpoint
from .layer import Layer
from .optimizer import Optimizer
from .summary import describe_network

__all__ = ["NeuralNetwork"]


class NeuralNetwork:
    """A feed-forward network trained by backpropagation.

    ``layers`` run in order, each fed the previous one's output.
    ``loss_function`` and ``optimizer`` may be objects, registered names
    (``"mse"``, ``"adam"``) or tables (``{"type": "adam", "learning_rate": 0.01}``);
    the optimizer defaults to plain SGD, as in the tutorial.

    ``engine="scalar"`` puts every parameter on the scalar engine (each weight a
    ``Value``); by default the parameters stay as the layers made them, which is
    the array engine for the standard layers. See ``set_engine``.
    """

    def __init__(
        self, layers: Sequence[Layer], loss_function: Any, optimizer: Any = None, engine: str | None = None
    ) -> None:
        if isinstance(layers, (str, bytes)) or not isinstance(layers, Sequence) or not layers:
            raise ConfigError("must be a non-empty list of layers", path=("layers",))
        for i, layer in enumerate(layers):
            if not callable(getattr(layer, "forward", None)):
                raise ConfigError(
                    f"{layer!r} is not a layer (it has no forward method); to build layers by name "
                    "use smolml_core.build_network",
                    path=("layers", f"[{i}]"),
                )
            _check_parameters_are_leaves(layer, i)
        self.layers: list[Layer] = list(layers)
        self.loss_function: Callable[[MLArray, MLArray], MLArray] = resolve(
            "loss", loss_function, param="loss_function"
        )
        self.optimizer: Optimizer = resolve("optimizer", "sgd" if optimizer is None else optimizer, param="optimizer")
        self.epochs_trained = 0
        """Epochs completed over the network's life, across ``train`` calls, saves and loads."""
        if engine is not None:
            self.set_engine(engine)

    # -- running ---------------------------------------------------------------

    def forward(self, input_data: Any) -> MLArray:
        """Run ``input_data`` through every layer and return the output (recording the graph)."""
        return self._forward(input_data, [])

    def _forward(self, input_data: Any, outputs: list[MLArray]) -> MLArray:
        """``forward``, appending each layer's output to ``outputs`` (for finding where NaN began)."""
        x = input_data if isinstance(input_data, MLArray) else _constant(input_data, "input_data", self.dtype)
        for i, layer in enumerate(self.layers):
            shape_in = x.shape
            try:
                x = layer.forward(x)
            except ShapeError as exc:
                raise ShapeError(
                    f"layer {i} ({_layer_name(layer)}) cannot take input of shape {shape_in}: {exc}"
                ) from exc
            except NumericalError as exc:
                raise NumericalError(f"layer {i} ({_layer_name(layer)}): {exc}") from exc
            outputs.append(x)
        return x

    def predict(self, X: Any) -> MLArray:
        """The network's output for ``X``, computed without recording a graph."""
        with no_grad():
            return self.forward(X)

    def train(
        self,
        X: Any,
        y: Any,
        epochs: int,
        verbose: bool = True,
        print_every: int = 1,
        *,
        stop_on_nan: bool = True,
        checkpoint: Checkpoint | None = None,
    ) -> list[float]:
        """Full-batch gradient descent for ``epochs`` epochs; returns the loss of each epoch.

        Each epoch: forward pass, loss, ``loss.backward()``, ``layer.update``
        for every layer, then gradients reset. If the loss stops being a finite
        number, training stops with a ``TrainingError`` naming the epoch and the
        first layer whose output went non-finite, before that epoch's update;
        ``stop_on_nan=False`` trains on regardless.

        ``checkpoint`` (a ``Checkpoint``) saves the network every few epochs
        and whenever the loss reaches a new low.
        """
        _check_count(epochs, "epochs", minimum=0)
        _check_count(print_every, "print_every", minimum=1)
        X, y = _constant(X, "X", self.dtype), _constant(y, "y", self.dtype)
        if X.ndim == 0 or y.ndim == 0 or len(X) != len(y):
            raise ShapeError(f"X and y must have one row per sample; got shapes {X.shape} and {y.shape}")

        losses: list[float] = []
        for epoch in range(1, epochs + 1):
            outputs: list[MLArray] = []
            try:
                y_pred = self._forward(X, outputs)
                y = _match_targets(y, y_pred)
                loss = self.loss_function(y_pred, y)
            except NumericalError as exc:
                raise NumericalError(f"epoch {epoch}: {exc}") from exc
            value = _loss_value(loss, self.loss_function)
            if not math.isfinite(value) and stop_on_nan:
                raise TrainingError(
                    f"epoch {epoch}: the loss became {value}; {self._first_non_finite(outputs)}. Training "
                    f"stopped before this epoch's update, so the weights are those after epoch {epoch - 1}. "
                    "Try a smaller learning rate, scaled inputs, or a numerically stable loss "
                    "(or pass stop_on_nan=False to train on regardless)"
                )
            losses.append(value)
            if checkpoint is not None and math.isfinite(value):
                checkpoint.epoch_scored(self, {"loss": value})
            loss.backward()
            for idx, layer in enumerate(self.layers):
                layer.update(self.optimizer, idx)
            for layer in self.layers:
                for param in layer.parameters().values():
                    param.restart()
            self.epochs_trained += 1
            if checkpoint is not None:
                checkpoint.epoch_ended(self, epoch)
            if verbose and epoch % print_every == 0:
                print(f"Epoch {epoch}/{epochs}, Loss: {value:.6f}")
        return losses

    def _first_non_finite(self, outputs: list[MLArray]) -> str:
        """Say where non-finite numbers first appeared: a layer's parameters, its output, or the loss."""
        for i, (layer, out) in enumerate(zip(self.layers, outputs, strict=False)):
            for name, param in layer.parameters().items():
                if not np.all(np.isfinite(param.numpy())):
                    return f"layer {i} ({_layer_name(layer)}) has non-finite values in its parameter {name!r}"
            if not np.all(np.isfinite(out.numpy())):
                return f"the first non-finite output came from layer {i} ({_layer_name(layer)})"
        largest = max((float(np.max(np.abs(out.numpy()), initial=0.0)) for out in outputs), default=0.0)
        return (
            f"every layer's output was finite (the largest magnitude was {largest:.3g}), "
            "so the loss function itself produced it"
        )

    # -- saving ----------------------------------------------------------------

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the network to one file: config, weights, optimizer state, random state.

        The write is atomic: a crash or a kill mid-save leaves any previous file
        at ``path`` intact. ``NeuralNetwork.load(path)`` (or
        ``smolml_core.load_network``) reads it back, in any process where the same
        plugins are installed; training then resumes exactly where it stopped.
        """
        from ..persistence import save_network

        return save_network(self, path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> NeuralNetwork:
        """The network saved at ``path`` (see ``save``); any problem is a ``ModelFileError``."""
        from ..persistence import load_network

        return load_network(path)

    # -- engines ---------------------------------------------------------------

    @property
    def engine(self) -> str:
        """``"scalar"`` if the parameters are ``Value`` objects, else ``"array"``."""
        for layer in self.layers:
            for param in layer.parameters().values():
                return param.engine
        return "array"

    def set_engine(self, engine: str) -> None:
        """Move every parameter to ``engine``, keeping its numbers and the optimizer's state.

        On ``"scalar"`` each weight becomes a ``Value`` (``layer.weights.value(0, 3)``)
        and ``Value.backward`` computes the gradients: slow, and every step can be
        followed by hand. ``"array"`` is the fast numpy engine. Both give the same
        numbers to rounding.
        """
        engine = scalar.check_engine(engine)
        params = [p for layer in self.layers for p in layer.parameters().values()]
        if engine == "scalar":
            for i, layer in enumerate(self.layers):
                for name, param in layer.parameters().items():
                    if param.engine == "array" and param.dtype != np.float64:
                        raise ConfigError(
                            f"{type(layer).__name__}.{name} is {param.dtype}, but the scalar engine computes in "
                            "float64 (Python floats); build the layer with dtype='float64'",
                            path=("layers", f"[{i}]"),
                        )
        for param in params:
            if param.engine != engine:
                numbers = param.numpy()
                param.data = scalar.to_values(numbers) if engine == "scalar" else numbers
                param.restart()

    # -- describing ------------------------------------------------------------

    @property
    def dtype(self) -> np.dtype[Any]:
        """The precision of the first parameter (float64 if there is none); data is converted to it."""
        for layer in self.layers:
            for param in layer.parameters().values():
                return param.dtype
        return np.dtype(np.float64)

    def parameter_count(self) -> int:
        """How many numbers the network learns."""
        return sum(layer.parameter_count() for layer in self.layers)

    def to_config(self) -> dict[str, Any]:
        """The network as plain data that ``build_network`` turns back into this architecture."""
        layers = []
        for i, layer in enumerate(self.layers):
            try:
                layers.append(reference("layer", layer))
            except ConfigError as exc:
                raise exc.at(f"layers[{i}]") from None
        config = {
            "layers": layers,
            "loss_function": reference("loss", self.loss_function),
            "optimizer": reference("optimizer", self.optimizer),
        }
        if self.engine != "array":
            config["engine"] = self.engine
        return config

    def __repr__(self) -> str:
        return describe_network(self)


def _constant(data: Any, name: str, dtype: np.dtype[Any]) -> MLArray:
    """Data as an array of the network's dtype that needs no gradient (an MLArray's numbers are shared)."""
    if isinstance(data, MLArray):
        array = data.detach() if data.dtype == dtype else MLArray(data, dtype=dtype, requires_grad=False)
    else:
        array = MLArray(data, dtype=dtype, requires_grad=False)
    if not np.all(np.isfinite(array.data)):
        bad = np.argwhere(~np.isfinite(array.data))[0]
        raise ConfigError(
            f"{name} contains {array.data[tuple(bad)]} at index {tuple(int(i) for i in bad)}; clean the data first"
        )
    return array


def _check_parameters_are_leaves(layer: Any, index: int) -> None:
    """A computed array stored as an attribute would silently go untrained: say so."""
    for name, value in vars(layer).items():
        if isinstance(value, MLArray) and value.requires_grad and not value.is_leaf:
            raise ConfigError(
                f"{type(layer).__name__}.{name} was computed from other arrays, so it cannot be trained "
                "as a parameter; create it directly (MLArray(...), zeros, ones, randn or an initializer) "
                "or store value.detach()",
                path=("layers", f"[{index}]"),
            )


def _match_targets(y: MLArray, y_pred: MLArray) -> MLArray:
    """Accept 1-D targets for a single-output network; refuse any other mismatch."""
    if y.shape == y_pred.shape:
        return y
    if y.ndim == 1 and y_pred.shape == (len(y), 1):
        return y.reshape(-1, 1)
    raise ShapeError(f"the network outputs shape {y_pred.shape} but y has shape {y.shape}; they must match")


def _loss_value(loss: Any, loss_function: Any) -> float:
    if not isinstance(loss, MLArray) or loss.size() != 1:
        shape = getattr(loss, "shape", type(loss).__name__)
        raise TrainingError(f"the loss function {loss_function!r} must return a single-number MLArray, got {shape}")
    return loss.item()


def _check_count(value: Any, name: str, minimum: int) -> None:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < minimum:
        raise ConfigError(f"must be a whole number >= {minimum}, got {value!r}", path=(name,))


def _layer_name(layer: Layer) -> str:
    details = layer.summary() if hasattr(layer, "summary") else ""
    return f"{type(layer).__name__} {details}".strip()
