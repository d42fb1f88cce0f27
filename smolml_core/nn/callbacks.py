"""Callbacks: code that runs at fixed points of training, and early stopping, the one the core ships.

A callback sees the network and the logs (a dict of the epoch's values:
``"loss"``, each metric, ``"val_loss"``, ``"lr"``) at the start of training,
in every step once its loss is known (before the update), after every epoch
and at the end. Loggers, plots, stopping rules and the checkpoint are
callbacks. Plugins register more through the ``smolml_register_callbacks`` hook.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import ConfigError
from ..registry import Configurable, resolve
from ..registry.kinds import component_base
from ..validation import boolean, non_negative, one_of, whole_number

if TYPE_CHECKING:
    from .network import NeuralNetwork

__all__ = ["Callback", "EarlyStopping", "resolve_callbacks", "resolve_early_stopping"]


@component_base("callback")
class Callback(Configurable):
    """Base class of training callbacks: override the methods you need; each does nothing by default.

    Setting ``network.stop_training = True`` in ``on_epoch_end`` ends training
    after that epoch (``history.stopped_early`` then says so). A callback may
    add its own values to ``logs`` in ``on_epoch_end``; the history records them.
    """

    def on_train_begin(self, network: NeuralNetwork, logs: dict[str, Any]) -> None:
        """Before the first epoch. ``logs`` holds ``epochs``, ``samples``, ``batch_size``, ``verbose``
        and ``logged``, the names every epoch's logs will have."""

    def on_step_scored(self, network: NeuralNetwork, epoch: int, logs: dict[str, Any]) -> None:
        """In every step of epoch ``epoch``, once its loss is known and before its update.

        The network still has the weights the loss measures: in full-batch
        training, those the epoch started with, which is when ``Checkpoint``
        keeps the best of them. ``logs`` holds ``loss``, the step's loss,
        ``batch`` (counted from 1) and ``batches``, the epoch's number of steps
        (1 in full-batch training). With ``stop_on_nan`` on, a non-finite loss
        has stopped training before this is called. Raising here stops
        training with the weights untouched."""

    def on_epoch_end(self, network: NeuralNetwork, epoch: int, logs: dict[str, Any]) -> None:
        """After epoch ``epoch`` (counted from 1 in this run, as the printed lines count) and its validation."""

    def on_train_end(self, network: NeuralNetwork, logs: dict[str, Any]) -> None:
        """After the last epoch, or the stop. ``logs`` holds the last epoch's values plus ``epochs_run``,
        ``stopped_early``, ``interrupted`` and ``verbose``."""

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in getattr(self, "_init_args", {}).items())
        return f"{type(self).__name__}({params})"


_MAXIMISED = ("accuracy", "acc", "r2")


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved for ``patience`` epochs; then go back to its best weights.

    ``monitor`` is any logged name: ``"val_loss"`` (the default, which needs
    validation data), ``"loss"``, ``"val_accuracy"``... An epoch improves on the
    best so far when it beats it by more than ``min_delta``. ``mode`` is
    ``"min"`` (lower is better), ``"max"``, or ``"auto"`` (``"max"`` for
    accuracy and r2, else ``"min"``).

    With ``restore_best_weights`` (the default) the network ends with the
    weights it had at the end of its best epoch, bit for bit, whether patience
    ran out or the epochs did; they are copied each time the monitored value
    improves. After Ctrl-C they are not restored: an interrupted run keeps its
    last completed epoch's weights.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 5,
        min_delta: float = 0.0,
        mode: str = "min",
        restore_best_weights: bool = True,
    ) -> None:
        if not isinstance(monitor, str) or not monitor:
            raise ConfigError(
                f'must be the name of a logged value such as "val_loss", got {monitor!r}', path=("monitor",)
            )
        self.monitor = monitor
        self.patience = whole_number(patience, "patience", minimum=0)
        self.min_delta = non_negative(min_delta, "min_delta")
        mode = one_of(mode, "mode", ("min", "max", "auto"))
        restore_best_weights = boolean(restore_best_weights, "restore_best_weights")
        if mode == "auto":
            metric = monitor.removeprefix("val_")
            mode = "max" if metric in _MAXIMISED or metric.endswith("accuracy") else "min"
        self.mode = mode
        self.restore_best_weights = restore_best_weights
        self._reset()

    def _reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.best_epoch: int | None = None
        """The epoch (counted from 1 in the last run) with the best monitored value."""
        self.stopped_epoch: int | None = None
        """The epoch after which this callback stopped training, if it did."""
        self.restored = False
        """Whether the best weights were put back at the end of the last run."""
        self.wait = 0
        self._last_epoch = 0
        self._best_weights: list[np.ndarray] | None = None

    def on_train_begin(self, network: NeuralNetwork, logs: dict[str, Any]) -> None:
        self._reset()
        logged = logs.get("logged")
        if logged is not None and self.monitor not in logged:
            metric = self.monitor.removeprefix("val_")
            if self.monitor.startswith("val_") and "val_loss" not in logged:
                hint = "; validation values need validation_data or validation_split"
            elif metric != "loss" and metric not in logged:
                hint = f"; add {metric!r} to metrics"
            else:
                hint = ""
            raise ConfigError(
                f"{self.monitor!r} is not logged by this run; the logged values are {', '.join(logged)}{hint}",
                path=("monitor",),
            )

    def on_epoch_end(self, network: NeuralNetwork, epoch: int, logs: dict[str, Any]) -> None:
        self._last_epoch = epoch
        value = logs.get(self.monitor, math.nan)
        if self._improves(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self._best_weights = network.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            network.stop_training = True

    def _improves(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def on_train_end(self, network: NeuralNetwork, logs: dict[str, Any]) -> None:
        if logs.get("interrupted"):
            return
        if self._best_weights is not None and self.best_epoch != self._last_epoch:
            network.set_weights(self._best_weights)
            self.restored = True
        self._best_weights = None  # the copy is not needed any more
        if logs.get("verbose") and self.stopped_epoch is not None:
            restored = f"; restored the weights of epoch {self.best_epoch}" if self.restored else ""
            print(
                f"Stopped early after epoch {self.stopped_epoch}: {self.monitor} has not improved for "
                f"{self.wait} epochs (best {self.best:.6f} at epoch {self.best_epoch}){restored}"
            )


def resolve_callbacks(callbacks: Any, param: str = "callbacks") -> list[Callback]:
    """Callback objects from a list of callbacks, registered names and ``{"type": ...}`` tables."""
    if callbacks is None:
        return []
    if isinstance(callbacks, (str, Mapping, Callback)):
        callbacks = [callbacks]
    if not isinstance(callbacks, Sequence):
        raise ConfigError(f"must be a list of callbacks, got {callbacks!r}", path=(param,))
    return [_callback(ref, f"{param}[{i}]") for i, ref in enumerate(callbacks)]


def resolve_early_stopping(ref: Any) -> Callback:
    """``train``'s ``early_stopping``: an ``EarlyStopping`` (or other callback) or a table of its parameters."""
    if isinstance(ref, Mapping) and "type" not in ref:
        ref = {"type": "early_stopping", **ref}
    return _callback(ref, "early_stopping")


def _callback(ref: Any, where: str) -> Callback:
    callback = resolve("callback", ref, param=where)
    if not isinstance(callback, Callback):
        raise ConfigError(
            f"expected a callback (a smolml_core.Callback, a registered name or a {{'type': name, ...}} table), "
            f"got {callback!r}",
            path=(where,),
        )
    return callback
