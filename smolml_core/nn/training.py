"""The training loop behind ``NeuralNetwork.train``.

Each step is ``train_step``'s (``step.py``): forward, loss, backward, update,
reset; after the first steps of each batch shape, the loop replays a captured
program of it instead (``replay.py``, unless ``replay=False``), with the same
numbers. An epoch is one pass over the training rows: one step on all
of them (full batch, the tutorial's loop) or one per ``batch_size`` rows,
reshuffled every epoch from ``smolml_core.get_rng()`` so one seed repeats a run
bit for bit.

Inside each step, once the loss is known and before the update, the loop
stops on a non-finite loss and calls the callbacks' ``on_step_scored``. After
the epoch come the metrics of the predictions the epoch made, the validation
loss and metrics of the updated network, the callbacks (the checkpoint last),
the history, the printed line and the progress bar. With none of the options
on, the loop is the seed's: one step per epoch, a loss appended, a line printed.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..array import MLArray, no_grad
from ..errors import ConfigError, NumericalError, SmolMLError, TrainingError
from ..rng import get_rng
from .callbacks import Callback, resolve_callbacks, resolve_early_stopping
from .data_checks import as_constant, check_rows, check_targets, loss_value, match_targets, takes_labels
from .history import History
from .interrupt import InterruptFlag, default_notice, finish_epoch_on_ctrl_c
from .metrics import Metric, compute_metrics, resolve_metrics
from .options import TrainingOptions
from .progress import ProgressBar, wants_progress_bar
from .replay import Replay
from .schedules import resolve_schedule, scheduled_rate
from .step import ScoredStep
from .threads import training_threads

if TYPE_CHECKING:
    from .network import NeuralNetwork

__all__ = ["fit", "measure"]


# -- the run ------------------------------------------------------------------------------


def fit(network: NeuralNetwork, X: Any, y: Any, options: TrainingOptions) -> History:
    """Train ``network`` on ``X``, ``y`` as ``options`` say; see ``NeuralNetwork.train``."""
    run = _Run.prepare(network, X, y, options)
    history = History()
    history.replay = run.replay.report
    network.history = history
    network.stop_training = False
    bar = ProgressBar(options.epochs, run.batches) if wants_progress_bar(options.verbose) else None

    def notice() -> None:
        if bar is not None:
            bar.clear()
        default_notice()

    with finish_epoch_on_ctrl_c(notice) as interrupt, training_threads(network, run.batch_size):
        logs = _epochs(run, history, bar, interrupt)
        history.stopped_early = bool(network.stop_training)
        history.interrupted = interrupt.requested
    _end(run, history, logs)
    return history


@dataclass
class _Run:
    """Everything a training run needs, checked and resolved before the first epoch."""

    network: NeuralNetwork
    options: TrainingOptions
    X: MLArray
    y: MLArray
    validation: tuple[MLArray, MLArray] | None
    batch_size: int
    batches: int
    metrics: list[tuple[str, Metric]]
    schedule: Any
    logged: list[str]
    """The names every epoch logs, in order."""
    shown: list[str]
    """The names printed and drawn: all but ``lr``, unless a schedule changes it."""
    callbacks: list[Callback] = field(default_factory=list)
    places: list[str | None] = field(default_factory=list)
    """Where each callback came from (``callbacks[0]``, ``early_stopping``), for errors; None for the checkpoint."""
    replay: Replay = field(init=False)
    """How the steps are taken: captured and replayed, or eagerly."""

    def __post_init__(self) -> None:
        self.replay = Replay(self.network, self.options.replay)

    @classmethod
    def prepare(cls, network: NeuralNetwork, X: Any, y: Any, options: TrainingOptions) -> _Run:
        X, y = as_constant(X, "X", network.dtype), as_constant(y, "y", network.dtype)
        check_rows(X, y)
        check_targets(network.loss_function, y, _outputs(network, X) if takes_labels(network.loss_function) else None)
        X, y, validation = _split(network, X, y, options.validation_data, options.validation_split)
        metric_fns = resolve_metrics(options.metrics)
        schedule = None if options.lr_schedule is None else resolve_schedule(options.lr_schedule)
        names = [name for name, _ in metric_fns]
        logged = ["loss", *names, *(["val_loss", *(f"val_{n}" for n in names)] if validation else []), "lr"]
        rows = len(X)
        size = rows if options.batch_size is None else min(options.batch_size, rows)  # every row is full batch
        run = cls(
            network=network,
            options=options,
            X=X,
            y=y,
            validation=validation,
            batch_size=size,
            batches=-(-rows // size) if rows else 1,
            metrics=metric_fns,
            schedule=schedule,
            logged=logged,
            shown=[key for key in logged if key != "lr" or schedule is not None],
        )
        run.add_callbacks()
        return run

    def add_callbacks(self) -> None:
        """The callbacks in the order given, then early stopping, then the checkpoint (which saves what they leave)."""
        options = self.options
        self.callbacks = resolve_callbacks(options.callbacks)
        self.places = [f"callbacks[{i}]" for i in range(len(self.callbacks))]
        if options.early_stopping is not None:
            self.callbacks.append(resolve_early_stopping(options.early_stopping))
            self.places.append("early_stopping")
        if options.checkpoint is not None:
            try:
                options.checkpoint._check_monitor(self.logged)
            except ConfigError as exc:
                raise exc.at("checkpoint") from None
            self.callbacks.append(options.checkpoint)
            self.places.append(None)  # an error while saving is the network's, not the checkpoint's

    def call(self, method: str, *args: Any) -> None:
        """Call ``method`` on each callback in order; a ConfigError names the callback."""
        for callback, place in zip(self.callbacks, self.places, strict=True):
            try:
                getattr(callback, method)(*args)
            except ConfigError as exc:
                if place is None:
                    raise
                raise exc.at(place) from None


def _epochs(run: _Run, history: History, bar: ProgressBar | None, interrupt: InterruptFlag) -> dict[str, Any]:
    """Every epoch, until the last one, a callback's stop or Ctrl-C; the last epoch's logs."""
    network, options = run.network, run.options
    optimizer = network.optimizer
    base_lr = optimizer.learning_rate
    logs: dict[str, Any] = {}
    try:
        begin = {"epochs": options.epochs, "samples": len(run.X), "batch_size": run.batch_size}
        run.call("on_train_begin", network, {**begin, "verbose": options.verbose, "logged": run.logged})
        for epoch in range(1, options.epochs + 1):
            if run.schedule is not None:
                optimizer.learning_rate = scheduled_rate(run.schedule, network.epochs_trained, base_lr)
            logs = _epoch(run, epoch, bar)
            history.record(logs)
            if options.verbose and epoch % options.print_every == 0:
                if bar is not None:
                    bar.clear()
                print(_line(epoch, options.epochs, logs, run.shown))
            if bar is not None:
                bar.epoch_done(epoch, {key: logs[key] for key in run.shown})
            if network.stop_training or interrupt.requested:
                break
    finally:
        optimizer.learning_rate = base_lr
        if bar is not None:
            bar.close()
    return logs


def _epoch(run: _Run, epoch: int, bar: ProgressBar | None) -> dict[str, Any]:
    """One epoch's steps, then its logs: loss, metrics, validation, rate, as the callbacks leave them."""
    network = run.network
    run.replay.may_have_changed()  # the callbacks, the schedule and the user's code ran since the last step
    if run.batches > 1:
        loss, predicted, targets = _batched_epoch(run, epoch, bar)
    else:
        loss, predicted, targets = _Steps(run, epoch).take(run.X, run.y)
    network.epochs_trained += 1
    logs: dict[str, Any] = {"loss": loss}
    if run.metrics:
        logs.update(compute_metrics(run.metrics, predicted, targets))  # type: ignore[arg-type]
    if run.validation is not None:
        logs.update(measure(network, *run.validation, run.metrics, "val_", f"validation after epoch {epoch}"))
    logs["lr"] = network.optimizer.learning_rate
    if run.callbacks:
        run.call("on_epoch_end", network, epoch, logs)
    return logs


def _end(run: _Run, history: History, logs: dict[str, Any]) -> None:
    """After the last epoch: the checkpoint and the message after Ctrl-C, then the callbacks' ``on_train_end``."""
    network, options = run.network, run.options
    if history.interrupted:
        saved = options.checkpoint.interrupted(network) if options.checkpoint is not None else None
        if options.verbose:
            _report_interruption(network, history, options.epochs, saved)
    end = {**logs, "epochs_run": history.epochs, "stopped_early": history.stopped_early}
    run.call("on_train_end", network, {**end, "interrupted": history.interrupted, "verbose": options.verbose})


# -- one epoch ---------------------------------------------------------------------------


def _batched_epoch(
    run: _Run, epoch: int, bar: ProgressBar | None
) -> tuple[float, np.ndarray | None, np.ndarray | None]:
    """One pass over the rows in batches: the epoch's loss (the batches' mean, weighted by their rows)."""
    X, y, batch_size, batches = run.X, run.y, run.batch_size, run.batches
    rows = len(X)
    order = get_rng().permutation(rows) if run.options.shuffle else None
    steps = _Steps(run, epoch)
    total = 0.0
    predicted: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    for batch, start in enumerate(range(0, rows, batch_size), start=1):
        rows_ = slice(start, start + batch_size) if order is None else order[start : start + batch_size]
        X_batch, y_batch = _rows(X, rows_), _rows(y, rows_)
        value, batch_pred, batch_true = steps.take(X_batch, y_batch, (batch, batches))
        total += value * len(X_batch)
        if run.metrics:
            predicted.append(batch_pred)  # type: ignore[arg-type]
            targets.append(batch_true)  # type: ignore[arg-type]
        if bar is not None:
            bar.batch_done(epoch, batch)
    if not run.metrics:
        return total / rows, None, None
    return total / rows, np.concatenate(predicted), np.concatenate(targets)


def _outputs(network: NeuralNetwork, X: MLArray) -> int | None:
    """How many numbers the network outputs per row, from one row; None when that row cannot go through."""
    try:
        with no_grad():
            out = network._forward(_rows(X, slice(0, 1)), [])
    except Exception:  # the first step reports it, with its place
        return None
    return int(out.shape[-1]) if out.ndim == 2 else None


def _rows(data: MLArray, rows: Any) -> MLArray:
    """``data[rows]`` for the constant training data, without recording an operation: a batch is data too.

    On the scalar engine, ``data[rows]`` itself, which gives the batch constant Values of its own.
    """
    if data.data.dtype == object:
        return data[rows]
    return MLArray._result(data.data[rows], None)


class _Steps:
    """The steps of one epoch: ``train_step`` with the loop's work before each update.

    Before the update: stop on a non-finite loss, tell the callbacks
    (``on_step_scored``), keep the predictions for the metrics. A
    NumericalError of the forward pass or the loss is said to come from this
    epoch (and batch).
    """

    def __init__(self, run: _Run, epoch: int) -> None:
        self.run, self.epoch = run, epoch
        self.batch: tuple[int, int] | None = None
        """``(number, of)`` in mini-batch training, for messages and callbacks."""
        self.scored = False
        self.predicted: np.ndarray | None = None
        self.targets: np.ndarray | None = None

    def take(
        self, X: MLArray, y: MLArray, batch: tuple[int, int] | None = None
    ) -> tuple[float, np.ndarray | None, np.ndarray | None]:
        """One step on these rows: the loss (and the predictions and targets, for metrics)."""
        self.batch, self.scored = batch, False
        try:
            value = self.run.replay.step(X, y, self._before_update)
        except NumericalError as exc:
            if self.scored:
                raise
            raise NumericalError(f"{_where(self.epoch, batch)}: {exc}") from exc
        return value, self.predicted, self.targets

    def _before_update(self, step: ScoredStep) -> None:
        self.scored = True
        run, epoch, batch = self.run, self.epoch, self.batch
        if not math.isfinite(step.loss) and run.options.stop_on_nan:
            raise _non_finite(run.network, step, epoch, batch)
        if run.callbacks:
            number, of = batch or (1, 1)
            run.call("on_step_scored", run.network, epoch, {"loss": step.loss, "batch": number, "batches": of})
            run.replay.may_have_changed()
        if run.metrics:
            self.predicted = np.array(step.predictions, copy=True)
            self.targets = np.asarray(step.targets)


def _non_finite(network: NeuralNetwork, step: ScoredStep, epoch: int, batch: tuple[int, int] | None) -> TrainingError:
    """The error that stops training on a non-finite loss, before the step's update."""
    if batch is None or batch[0] == 1:
        kept = f"epoch's update, so the weights are those after epoch {epoch - 1}"
    else:
        kept = f"batch's update, so the weights are those after batch {batch[0] - 1} of epoch {epoch}"
    return TrainingError(
        f"{_where(epoch, batch)}: the loss became {step.loss}; {network._first_non_finite(step.outputs)}. Training "
        f"stopped before this {kept}. Try a smaller learning rate, scaled inputs, or a numerically "
        "stable loss (or pass stop_on_nan=False to train on regardless)"
    )


def _where(epoch: int, batch: tuple[int, int] | None) -> str:
    return f"epoch {epoch}" if batch is None else f"epoch {epoch}, batch {batch[0]}/{batch[1]}"


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
            y = match_targets(y, y_pred, network.loss_function)
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
    network: NeuralNetwork, X: MLArray, y: MLArray, validation_data: Any, validation_split: float
) -> tuple[MLArray, MLArray, tuple[MLArray, MLArray] | None]:
    """Training rows and validation rows: ``validation_data`` as given, or the last ``validation_split`` of X, y.

    The options themselves were checked when they were made; here they meet the data.
    """
    if validation_data is not None:
        X_val = as_constant(validation_data[0], "validation_data X", network.dtype)
        y_val = as_constant(validation_data[1], "validation_data y", network.dtype)
        check_rows(X_val, y_val, "validation_data's X and y")
        check_targets(network.loss_function, y_val)
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
