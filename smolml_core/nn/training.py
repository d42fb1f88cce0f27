"""The training loop behind ``NeuralNetwork.train``.

An epoch is one pass over the training rows: all of them at once (full batch,
the tutorial's loop) or ``batch_size`` at a time, reshuffled every epoch from
``smolml_core.get_rng()`` so one seed repeats a run bit for bit. Each step is
the tutorial's five: forward, loss, backward, update, reset.

After the epoch come the metrics of the predictions the epoch made, the
validation loss and metrics of the updated network, the callbacks, the history,
the checkpoint, the printed line and the progress bar. With none of the options
on, the loop is the seed's: one step per epoch, a loss appended, a line printed.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..array import MLArray, no_grad
from ..errors import ConfigError, NumericalError, SmolMLError, TrainingError
from ..rng import get_rng
from .callbacks import Callback, resolve_callbacks, resolve_early_stopping
from .checkpoint import Checkpoint
from .data_checks import as_constant, check_count, check_rows, loss_value, match_targets
from .history import History
from .interrupt import default_notice, finish_epoch_on_ctrl_c
from .metrics import Metric, compute_metrics, resolve_metrics
from .mode import training_mode
from .progress import ProgressBar, wants_progress_bar
from .schedules import resolve_schedule, scheduled_rate

if TYPE_CHECKING:
    from .network import NeuralNetwork

__all__ = ["fit", "measure"]


def fit(
    network: NeuralNetwork,
    X: Any,
    y: Any,
    epochs: int,
    verbose: bool,
    print_every: int,
    *,
    batch_size: int | None,
    shuffle: bool,
    validation_data: Any,
    validation_split: float,
    metrics: Any,
    early_stopping: Any,
    lr_schedule: Any,
    callbacks: Any,
    stop_on_nan: bool,
    checkpoint: Checkpoint | None,
) -> History:
    """Train ``network``; see ``NeuralNetwork.train`` for the arguments."""
    check_count(epochs, "epochs", minimum=0)
    check_count(print_every, "print_every", minimum=1)
    run = _Run.prepare(
        network, X, y, batch_size, shuffle, validation_data, validation_split, metrics, early_stopping, lr_schedule
    )
    run.add_callbacks(callbacks, early_stopping)
    if checkpoint is not None and not isinstance(checkpoint, Checkpoint):
        raise ConfigError(f"must be a smolml_core.Checkpoint, got {checkpoint!r}", path=("checkpoint",))
    if checkpoint is not None and checkpoint.monitor not in run.logged:
        raise ConfigError(
            f"{checkpoint.monitor!r} is not logged by this run (it needs validation data)",
            path=("checkpoint", "monitor"),
        )

    history = History()
    network.history = history
    network.stop_training = False
    optimizer = network.optimizer
    base_lr = optimizer.learning_rate
    keep = bool(run.metrics)
    bar = ProgressBar(epochs, run.batches) if wants_progress_bar(verbose) else None

    def notice() -> None:
        if bar is not None:
            bar.clear()
        default_notice()

    logs: dict[str, Any] = {}
    with finish_epoch_on_ctrl_c(notice) as interrupt:
        try:
            begin = {"epochs": epochs, "samples": len(run.X), "batch_size": run.batch_size, "verbose": verbose}
            run.call("on_train_begin", network, {**begin, "logged": run.logged})
            for epoch in range(1, epochs + 1):
                if run.schedule is not None:
                    optimizer.learning_rate = scheduled_rate(run.schedule, network.epochs_trained, base_lr)
                if run.batches > 1:
                    loss, predicted, targets = _batched_epoch(network, run, epoch, stop_on_nan, keep, bar)
                else:
                    score = checkpoint if checkpoint is not None and checkpoint.monitor == "loss" else None
                    loss, predicted, targets = _step(network, run.X, run.y, epoch, None, stop_on_nan, keep, score)
                network.epochs_trained += 1
                logs = {"loss": loss}
                if keep:
                    logs.update(compute_metrics(run.metrics, predicted, targets))  # type: ignore[arg-type]
                if run.validation is not None:
                    where = f"validation after epoch {epoch}"
                    logs.update(measure(network, *run.validation, run.metrics, "val_", where))
                logs["lr"] = optimizer.learning_rate
                if run.callbacks:
                    run.call("on_epoch_end", network, epoch, logs)
                history.record(logs)
                if checkpoint is not None:
                    if run.batches > 1 or checkpoint.monitor != "loss":
                        checkpoint.epoch_scored(network, logs)
                    checkpoint.epoch_ended(network, epoch)
                if verbose and epoch % print_every == 0:
                    if bar is not None:
                        bar.clear()
                    print(_line(epoch, epochs, logs, run.shown))
                if bar is not None:
                    bar.epoch_done(epoch, {key: logs[key] for key in run.shown})
                if network.stop_training or interrupt.requested:
                    break
        finally:
            optimizer.learning_rate = base_lr
            if bar is not None:
                bar.close()
        history.stopped_early = bool(network.stop_training)
        history.interrupted = interrupt.requested

    if history.interrupted:
        saved = checkpoint.interrupted(network) if checkpoint is not None else None
        if verbose:
            _report_interruption(network, history, epochs, saved)
    end = {**logs, "epochs_run": history.epochs, "stopped_early": history.stopped_early}
    run.call("on_train_end", network, {**end, "interrupted": history.interrupted, "verbose": verbose})
    return history


@dataclass
class _Run:
    """Everything a training run needs, checked and resolved before the first epoch."""

    X: MLArray
    y: MLArray
    validation: tuple[MLArray, MLArray] | None
    batch_size: int
    batches: int
    shuffle: bool
    metrics: list[tuple[str, Metric]]
    schedule: Any
    logged: list[str]
    """The names every epoch logs, in order."""
    shown: list[str]
    """The names printed and drawn: all but ``lr``, unless a schedule changes it."""
    callbacks: list[Callback] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    """Where each callback came from (``callbacks[0]``, ``early_stopping``), for errors."""

    @classmethod
    def prepare(
        cls,
        network: NeuralNetwork,
        X: Any,
        y: Any,
        batch_size: Any,
        shuffle: Any,
        validation_data: Any,
        validation_split: Any,
        metrics: Any,
        early_stopping: Any,
        lr_schedule: Any,
    ) -> _Run:
        if batch_size is not None:
            check_count(batch_size, "batch_size", minimum=1)
        if not isinstance(shuffle, (bool, np.bool_)):
            raise ConfigError(f"must be True or False, got {shuffle!r}", path=("shuffle",))
        X, y = as_constant(X, "X", network.dtype), as_constant(y, "y", network.dtype)
        check_rows(X, y)
        X, y, validation = _split(network, X, y, validation_data, validation_split)
        metric_fns = resolve_metrics(metrics)
        schedule = None if lr_schedule is None else resolve_schedule(lr_schedule)
        names = [name for name, _ in metric_fns]
        logged = ["loss", *names, *(["val_loss", *(f"val_{n}" for n in names)] if validation else []), "lr"]
        rows = len(X)
        size = rows if batch_size is None else min(batch_size, rows)  # a batch of every row is full batch
        return cls(
            X=X,
            y=y,
            validation=validation,
            batch_size=size,
            batches=-(-rows // size) if rows else 1,
            shuffle=bool(shuffle),
            metrics=metric_fns,
            schedule=schedule,
            logged=logged,
            shown=[key for key in logged if key != "lr" or schedule is not None],
        )

    def add_callbacks(self, callbacks: Any, early_stopping: Any) -> None:
        """The callbacks in the order given, then early stopping."""
        self.callbacks = resolve_callbacks(callbacks)
        self.places = [f"callbacks[{i}]" for i in range(len(self.callbacks))]
        if early_stopping is not None:
            self.callbacks.append(resolve_early_stopping(early_stopping))
            self.places.append("early_stopping")

    def call(self, method: str, *args: Any) -> None:
        """Call ``method`` on each callback in order; a ConfigError names the callback."""
        for callback, place in zip(self.callbacks, self.places, strict=True):
            try:
                getattr(callback, method)(*args)
            except ConfigError as exc:
                raise exc.at(place) from None


# -- one epoch ---------------------------------------------------------------------


def _step(
    network: NeuralNetwork,
    X: MLArray,
    y: MLArray,
    epoch: int,
    batch: tuple[int, int] | None,
    stop_on_nan: bool,
    keep: bool,
    checkpoint: Checkpoint | None = None,
) -> tuple[float, np.ndarray | None, np.ndarray | None]:
    """Forward, loss, backward, update, reset on the rows ``X``, ``y``; the loss (and the predictions if ``keep``).

    ``batch`` is ``(number, of)`` in mini-batch training, for messages. The loss
    measures the weights the step started with; a ``checkpoint`` is offered
    them before the update (full-batch training watching the loss).
    """
    outputs: list[MLArray] = []
    try:
        with training_mode():
            y_pred = network._forward(X, outputs)
            y = match_targets(y, y_pred)
            loss = network.loss_function(y_pred, y)
    except NumericalError as exc:
        raise NumericalError(f"{_where(epoch, batch)}: {exc}") from exc
    value = loss_value(loss, network.loss_function)
    if not math.isfinite(value) and stop_on_nan:
        if batch is None or batch[0] == 1:
            kept = f"epoch's update, so the weights are those after epoch {epoch - 1}"
        else:
            kept = f"batch's update, so the weights are those after batch {batch[0] - 1} of epoch {epoch}"
        raise TrainingError(
            f"{_where(epoch, batch)}: the loss became {value}; {network._first_non_finite(outputs)}. Training "
            f"stopped before this {kept}. Try a smaller learning rate, scaled inputs, or a numerically "
            "stable loss (or pass stop_on_nan=False to train on regardless)"
        )
    if checkpoint is not None and math.isfinite(value):
        checkpoint.epoch_scored(network, {"loss": value})
    predicted = np.array(y_pred, copy=True) if keep else None
    loss.backward()
    for idx, layer in enumerate(network.layers):
        layer.update(network.optimizer, idx)
    for layer in network.layers:
        for param in layer.parameters().values():
            param.restart()
    return value, predicted, (np.asarray(y) if keep else None)


def _where(epoch: int, batch: tuple[int, int] | None) -> str:
    return f"epoch {epoch}" if batch is None else f"epoch {epoch}, batch {batch[0]}/{batch[1]}"


def _batched_epoch(
    network: NeuralNetwork, run: _Run, epoch: int, stop_on_nan: bool, keep: bool, bar: ProgressBar | None
) -> tuple[float, np.ndarray | None, np.ndarray | None]:
    """One pass over the rows in batches: the epoch's loss (the batches' mean, weighted by their rows)."""
    X, y, batch_size, batches = run.X, run.y, run.batch_size, run.batches
    rows = len(X)
    order = get_rng().permutation(rows) if run.shuffle else None
    total = 0.0
    predicted: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    for batch, start in enumerate(range(0, rows, batch_size), start=1):
        if order is None:
            X_batch, y_batch = X[start : start + batch_size], y[start : start + batch_size]
        else:
            index = order[start : start + batch_size]
            X_batch, y_batch = X[index], y[index]
        value, batch_pred, batch_true = _step(network, X_batch, y_batch, epoch, (batch, batches), stop_on_nan, keep)
        total += value * len(X_batch)
        if keep:
            predicted.append(batch_pred)  # type: ignore[arg-type]
            targets.append(batch_true)  # type: ignore[arg-type]
        if bar is not None:
            bar.batch_done(epoch, batch)
    if not keep:
        return total / rows, None, None
    return total / rows, np.concatenate(predicted), np.concatenate(targets)


# -- validation and evaluation ---------------------------------------------------------


def measure(
    network: NeuralNetwork,
    X: MLArray,
    y: MLArray,
    metric_fns: list[tuple[str, Metric]],
    prefix: str = "",
    where: str = "",
) -> dict[str, float]:
    """The loss and metrics of the network as it is on ``X``, ``y``, computed without a graph."""
    try:
        with no_grad():
            y_pred = network._forward(X, [])
            y = match_targets(y, y_pred)
            loss = loss_value(network.loss_function(y_pred, y), network.loss_function)
    except SmolMLError as exc:
        if where:
            raise exc.at(where) from None
        raise
    values = {f"{prefix}loss": loss}
    if metric_fns:
        values.update(compute_metrics(metric_fns, np.asarray(y_pred), np.asarray(y), prefix))
    return values


def _split(
    network: NeuralNetwork, X: MLArray, y: MLArray, validation_data: Any, validation_split: Any
) -> tuple[MLArray, MLArray, tuple[MLArray, MLArray] | None]:
    """Training rows and validation rows: ``validation_data`` as given, or the last ``validation_split`` of X, y."""
    if isinstance(validation_split, bool) or not isinstance(validation_split, (int, float, np.floating)):
        raise ConfigError(f"must be a fraction in [0, 1), got {validation_split!r}", path=("validation_split",))
    if not 0 <= validation_split < 1:
        raise ConfigError(f"must be a fraction in [0, 1), got {validation_split!r}", path=("validation_split",))
    if validation_data is not None:
        if validation_split:
            raise ConfigError("give validation_data or validation_split, not both", path=("validation_split",))
        if (
            isinstance(validation_data, (str, Mapping))
            or not isinstance(validation_data, Sequence)
            or (len(validation_data) != 2)
        ):
            raise ConfigError(
                f"must be a pair (X_val, y_val), got {type(validation_data).__name__}", path=("validation_data",)
            )
        X_val = as_constant(validation_data[0], "validation_data X", network.dtype)
        y_val = as_constant(validation_data[1], "validation_data y", network.dtype)
        check_rows(X_val, y_val, "validation_data's X and y")
        if X_val.shape[1:] != X.shape[1:]:
            raise ConfigError(
                f"X_val has rows of shape {X_val.shape[1:]} but X has rows of shape {X.shape[1:]}",
                path=("validation_data",),
            )
        return X, y, (X_val, y_val)
    if not validation_split:
        return X, y, None
    rows = len(X)
    held = round(rows * validation_split)
    if held == 0 or held == rows:
        raise ConfigError(
            f"{validation_split} of {rows} rows leaves {'no validation' if held == 0 else 'no training'} rows; "
            "use more data or another fraction",
            path=("validation_split",),
        )
    kept = rows - held
    return X[:kept], y[:kept], (X[kept:], y[kept:])


# -- reporting -------------------------------------------------------------------------


def _line(epoch: int, epochs: int, logs: Mapping[str, float], shown: list[str]) -> str:
    """``Epoch 20/100, Loss: 0.348161``, then the other values, as the seed printed it."""
    extras = "".join(f", {key}: {logs[key]:.6f}" for key in shown if key != "loss")
    return f"Epoch {epoch}/{epochs}, Loss: {logs['loss']:.6f}{extras}"


def _report_interruption(network: NeuralNetwork, history: History, epochs: int, saved: Any) -> None:
    where = f"; saved to {saved}" if saved is not None else ""
    sys.stderr.write(
        f"Training interrupted after epoch {history.epochs}/{epochs}: the network keeps the weights of that "
        f"epoch (epochs_trained = {network.epochs_trained}){where}\n"
    )
    sys.stderr.flush()
