"""``NeuralNetwork``: layers in sequence, a loss, an optimizer, and the training loop."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from ..array import MLArray, no_grad, scalar
from ..errors import ComponentError, ConfigError, NumericalError, ShapeError, SmolMLError
from ..registry import get_registry, reference, resolve
from ..wording import shorten
from .checkpoint import Checkpoint
from .data_checks import as_constant, check_rows
from .history import History
from .layer import Layer
from .metrics import resolve_metrics
from .optimizer import Optimizer
from .options import TrainingOptions
from .saving import file_format
from .stacking import check_widths
from .summary import describe_network
from .training import fit, measure
from .walk import HOW_TO_EXPOSE, hidden_arrays, is_computed, layer_prefix, named_arrays, named_parameters

__all__ = ["NeuralNetwork"]

N = TypeVar("N", bound="NeuralNetwork")


class NeuralNetwork:
    """A feed-forward network trained by backpropagation.

    ``layers`` run in order, each fed the previous one's output. Their widths
    are checked here, for the layers that say what they output
    (``Layer.output_shape``): ``layers[1].input_size: is 8, but layer 0 outputs
    16; set input_size = 16`` is an ``InputMismatch`` at construction.
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
            _check_arrays(layer, i)
        _check_not_shared(layers)
        check_widths(layers)
        self.layers: list[Layer] = list(layers)
        self.loss_function: Callable[[MLArray, MLArray], MLArray] = resolve(
            "loss", loss_function, param="loss_function"
        )
        self.optimizer: Optimizer = resolve("optimizer", "sgd" if optimizer is None else optimizer, param="optimizer")
        self.epochs_trained = 0
        """Epochs completed over the network's life, across ``train`` calls, saves and loads."""
        self.history: History | None = None
        """What the last ``train`` call logged (the ``History`` it returned)."""
        self.stop_training = False
        """Set to True (from a callback) to end training after the current epoch."""
        self._unused_checked = False  # the first training step looks for parameters that got no gradient
        if engine is not None:
            self.set_engine(engine)

    # -- running ---------------------------------------------------------------

    def forward(self, input_data: Any) -> MLArray:
        """Run ``input_data`` through every layer and return the output (recording the graph)."""
        return self._forward(input_data, [])

    def _forward(self, input_data: Any, outputs: list[MLArray]) -> MLArray:
        """``forward``, appending each layer's output to ``outputs`` (for finding where NaN began)."""
        x = input_data if isinstance(input_data, MLArray) else as_constant(input_data, "input_data", self.dtype)
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
            except (SmolMLError, MemoryError):
                raise
            except Exception as exc:  # the layer's own code failed: say which layer, not only where in its code
                raise ComponentError(
                    f"layer {i} ({_layer_name(layer)}{_provider(layer)}) raised {type(exc).__name__} in forward "
                    f"on input of shape {shape_in}: {shorten(str(exc))}; this is a bug in the layer, or an input "
                    "it does not say it refuses"
                ) from exc
            outputs.append(x)
        return x

    def predict(self, X: Any) -> MLArray:
        """The network's output for ``X``, computed without recording a graph."""
        with no_grad():
            return self.forward(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        """The output for ``X`` as a numpy array of probabilities: for networks ending in sigmoid or softmax.

        One column: the probability of class 1 per row. Several columns: one
        probability per class. Outputs outside [0, 1] are refused, since they
        are not probabilities; ``predict`` gives them as they are.
        """
        out = self.predict(X).numpy()
        if out.size and not (np.min(out) >= 0.0 and np.max(out) <= 1.0):
            raise ConfigError(
                f"predict_proba needs outputs that are probabilities (a sigmoid or softmax output layer), but "
                f"this network's outputs range from {np.min(out):.4g} to {np.max(out):.4g}; use predict() for "
                "raw outputs"
            )
        return out

    def predict_classes(self, X: Any) -> np.ndarray:
        """A class label (int) per row of ``X``: output > 0.5 for one output column, else the largest column."""
        out = self.predict(X).numpy()
        if out.ndim < 2 or out.shape[-1] == 1:
            return (out.reshape(len(out)) > 0.5).astype(np.int64)
        return np.argmax(out, axis=-1).astype(np.int64)

    def evaluate(self, X: Any, y: Any, metrics: Any = ()) -> dict[str, float]:
        """The loss on ``X``, ``y`` and each metric (names such as ``"accuracy"``, or functions), without a graph.

        Returns ``{"loss": ..., "accuracy": ...}``, keyed as the training history is.
        """
        X, y = as_constant(X, "X", self.dtype), as_constant(y, "y", self.dtype)
        check_rows(X, y)
        return measure(self, X, y, resolve_metrics(metrics))

    def train(
        self,
        X: Any,
        y: Any,
        epochs: int,
        verbose: bool = True,
        print_every: int = 1,
        *,
        batch_size: int | None = None,
        shuffle: bool = True,
        validation_data: Any = None,
        validation_split: float = 0.0,
        metrics: Any = (),
        early_stopping: Any = None,
        lr_schedule: Any = None,
        callbacks: Any = (),
        stop_on_nan: bool = True,
        checkpoint: Checkpoint | None = None,
        replay: bool = True,
    ) -> History:
        """Train for ``epochs`` epochs; returns the ``History``, a list of each epoch's loss.

        By default every epoch is one full-batch step, as in the tutorial:
        forward pass, loss, ``loss.backward()``, ``layer.update`` for every
        layer, then gradients reset. The options, all keyword-only:

        - ``batch_size``: train on batches of this many rows, several updates
          per epoch, reshuffled every epoch when ``shuffle`` (drawn from
          ``get_rng()``, so ``set_seed`` repeats a run bit for bit). The epoch's
          loss is the mean over its batches.
        - ``validation_data=(X_val, y_val)``, or ``validation_split``: the
          fraction of rows (rounded to whole rows) held out from the end of
          ``X`` and ``y``, unshuffled. Measured after each epoch's updates as
          ``val_loss`` and ``val_<metric>``.
        - ``metrics``: names (``"accuracy"``, ``"mae"``...), tables or functions
          ``f(y_pred, y_true) -> float``, computed on the epoch's predictions.
        - ``early_stopping``: an ``EarlyStopping`` or a table of its parameters.
        - ``lr_schedule``: a schedule name or table (``"cosine"``,
          ``{"type": "step_decay", "every": 10}``); the rate is set each epoch.
        - ``callbacks``: ``Callback`` objects, names or tables.
        - ``stop_on_nan``: if the loss of a step stops being a finite number,
          stop with a ``TrainingError`` naming the epoch (and batch) and the
          first layer whose output went non-finite, before that step's update;
          ``False`` trains on regardless.
        - ``checkpoint``: a ``Checkpoint`` that saves the network as it trains.
        - ``replay``: after the first steps of each batch shape, replay a
          captured program of the step instead of rebuilding its graph: the
          same numbers, bit for bit, at the speed of hand-written numpy
          (docs/performance.md). ``history.replay`` says how many steps were
          replayed and why any stayed eager; ``False`` takes every step eagerly.

        When ``verbose``, a line ``Epoch 20/100, Loss: 0.348161`` (then the
        other values) is printed every ``print_every`` epochs, and on a
        terminal a progress bar runs on stderr. The first Ctrl-C ends training
        after the current epoch (``history.interrupted``); a second stops at once.
        """
        options = TrainingOptions(
            epochs=epochs,
            verbose=verbose,
            print_every=print_every,
            batch_size=batch_size,
            shuffle=shuffle,
            validation_data=validation_data,
            validation_split=validation_split,
            metrics=metrics,
            early_stopping=early_stopping,
            lr_schedule=lr_schedule,
            callbacks=callbacks,
            stop_on_nan=stop_on_nan,
            checkpoint=checkpoint,
            replay=replay,
        )
        return fit(self, X, y, options)

    def _first_non_finite(self, outputs: list[MLArray]) -> str:
        """Say where non-finite numbers first appeared: a layer's parameters, its output, or the loss."""
        for i, (layer, out) in enumerate(zip(self.layers, outputs, strict=False)):
            for name, param in named_parameters(layer).items():
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
        return file_format().save(self, path)

    @classmethod
    def load(cls: type[N], path: str | os.PathLike[str]) -> N:
        """The network saved at ``path`` (see ``save``); any problem with the file is a ``ModelFileError``.

        Called on a subclass, it builds that subclass, calling it as
        ``NeuralNetwork`` is called (a ``TypeError`` says so if it cannot be).
        """
        network = file_format().load(path, cls)
        assert isinstance(network, cls)  # the file format built the class it was given
        return network

    # -- leaving SmolML ----------------------------------------------------------

    def to_onnx(self, path: str | os.PathLike[str], sample: Any = None) -> Path:
        """Write the network to ``path`` as an ONNX model (needs ``onnx``); return the path.

        The model takes any number of rows (its input ``input``, output
        ``output``), in the precision the network was trained in; ONNX Runtime
        gives ``predict``'s numbers to rounding. ``sample`` (one or more input
        rows) gives the input's shape when the first layer does not state its
        ``input_size``. An operation without an ONNX mapping is an
        ``ExportError`` naming it and its plugin, and nothing is written. See
        ``smolml_core.export``.
        """
        from ..export import to_onnx

        return to_onnx(self, path, sample)

    def to_torch(self, sample: Any = None) -> Any:
        """A ``torch.nn.Module`` with the same weights (needs torch): its ``forward`` predicts, ``loss(X, y)`` trains.

        The weights are ``nn.Parameter`` copies named as ``named_parameters()``
        names them; gradients of ``loss`` in PyTorch are ours to rounding, so
        training can continue there. See ``smolml_core.export``.
        """
        from ..export import to_torch

        return to_torch(self, sample)

    # -- engines ---------------------------------------------------------------

    @property
    def engine(self) -> str:
        """``"scalar"`` if the parameters are ``Value`` objects, else ``"array"``."""
        first = self._first_parameter()
        return "array" if first is None else first.engine

    def set_engine(self, engine: str) -> None:
        """Move every parameter to ``engine``, keeping its numbers and the optimizer's state.

        On ``"scalar"`` each weight becomes a ``Value`` (``layer.weights.value(0, 3)``)
        and ``Value.backward`` computes the gradients: slow, and every step can be
        followed by hand. ``"array"`` is the fast numpy engine. Both give the same
        numbers to rounding.
        """
        engine = scalar.check_engine(engine)
        if engine == "scalar":
            for i, layer in enumerate(self.layers):
                for name, param in named_parameters(layer).items():
                    if param.engine == "array" and param.dtype != np.float64:
                        raise ConfigError(
                            f"{type(layer).__name__}.{name} is {param.dtype}, but the scalar engine computes in "
                            "float64 (Python floats); build the layer with dtype='float64'",
                            path=("layers", f"[{i}]"),
                        )
        for param in self.named_parameters().values():
            scalar.move(param, engine)

    # -- describing ------------------------------------------------------------

    @property
    def dtype(self) -> np.dtype[Any]:
        """The precision of the first parameter (float64 if there is none); data is converted to it."""
        first = self._first_parameter()
        return np.dtype(np.float64) if first is None else first.dtype

    def _first_parameter(self) -> MLArray | None:
        """The first of ``named_parameters()``, found without naming them all (``dtype`` is read every forward)."""
        for layer in self.layers:
            for param in named_parameters(layer).values():
                return param
        return None

    def named_parameters(self) -> dict[str, MLArray]:
        """Every layer's parameters, named by their place: ``layers.0.weights``, ``layers.0.biases``, ...

        In layer order, each layer's in the order of its own ``named_parameters()``;
        a saved file names the arrays the same way.
        """
        return {
            name: param
            for i, layer in enumerate(self.layers)
            for name, param in named_parameters(layer, layer_prefix(i)).items()
        }

    def parameter_count(self) -> int:
        """How many numbers the network learns."""
        return sum(layer.parameter_count() for layer in self.layers)

    def get_weights(self) -> list[np.ndarray]:
        """A copy of every parameter's numbers, layer by layer, in ``named_parameters()`` order."""
        return [param.numpy() for param in self.named_parameters().values()]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Put numbers from ``get_weights()`` back, in place (exactly, on either engine)."""
        params = list(self.named_parameters().values())
        if len(weights) != len(params):
            raise ShapeError(f"the network has {len(params)} parameters but {len(weights)} arrays were given")
        arrays = [np.asarray(w) for w in weights]
        for i, (param, array) in enumerate(zip(params, arrays, strict=True)):
            if array.shape != param.shape:
                raise ShapeError(f"weights[{i}] has shape {array.shape}, but that parameter has shape {param.shape}")
        for param, array in zip(params, arrays, strict=True):
            param.assign(array)

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


def _check_arrays(layer: Any, index: int) -> None:
    """An array stored where it cannot be trained would silently stay as it is: refuse the layer, naming it."""
    owner = type(layer).__name__
    for name, value in named_arrays(layer):
        if is_computed(value):
            raise ConfigError(
                f"{owner}.{name} was computed from other arrays, so it cannot be trained "
                "as a parameter; create it directly (MLArray(...), zeros, ones, randn or an initializer) "
                "or store value.detach()",
                path=("layers", f"[{index}]"),
            )
    hidden = hidden_arrays(layer)
    if hidden:
        where, why = hidden[0]
        raise ConfigError(
            f"{owner}.{where} is {why}: its arrays would never be trained or saved. {HOW_TO_EXPOSE[0].upper()}"
            f"{HOW_TO_EXPOSE[1:]}",
            path=("layers", f"[{index}]"),
        )


def _check_not_shared(layers: Sequence[Any]) -> None:
    """An array held by two of the network's layers would be stepped twice per update, once by each: refuse it."""
    owners: dict[int, str] = {}
    for i, layer in enumerate(layers):
        for name, array in named_arrays(layer, layer_prefix(i)):
            first = owners.setdefault(id(array), name)
            if first != name:
                raise ConfigError(
                    f"{type(layer).__name__} holds the array {first} of an earlier layer (as {name}), so each "
                    "update would step it twice; to share weights between layers, keep the layers that share "
                    "them inside one layer (a layer made of layers names a shared array once), or give each "
                    "layer its own copy",
                    path=("layers", f"[{i}]"),
                )


def _layer_name(layer: Layer) -> str:
    try:
        details = layer.summary() if hasattr(layer, "summary") else ""
    except Exception:  # a layer broken enough to fail in forward may fail here too
        details = ""
    return f"{type(layer).__name__} {details}".strip()


def _provider(layer: Layer) -> str:
    """``", layer 'dense' from plugin 'std' (smolml 0.1.0)"`` when the layer's class is registered, else ``""``."""
    entry = get_registry().find_object(type(layer))
    return "" if entry is None else f", layer {entry.name!r} from {entry.provider}"
