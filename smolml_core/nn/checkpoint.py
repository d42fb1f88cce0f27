"""Saving a network while it trains: every few epochs, and whenever it scores its best."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, TrainingError
from ..validation import whole_number
from ..wording import PATH_LIMIT, quote
from .callbacks import Callback
from .saving import check_save_path

if TYPE_CHECKING:
    from .network import NeuralNetwork

__all__ = ["Checkpoint"]

MONITORS = ("loss", "val_loss")
"""What a checkpoint can watch: the training loss of each epoch, or the validation loss."""


class Checkpoint(Callback):
    """Pass to ``NeuralNetwork.train(..., checkpoint=...)`` to save the network as it trains.

    ``path``: saved after every ``every`` epochs; a ``{epoch}`` in it (e.g.
    ``"run/epoch-{epoch}.npz"``) keeps one file per save, otherwise each save
    replaces the last. ``best_path``: saved whenever the monitored value
    (``monitor``: ``"loss"`` or ``"val_loss"``) reaches a new low.

    In full-batch training each epoch's loss measures the weights the epoch
    *started* with, so the best file holds exactly those weights (and the
    optimizer as it was then), saved before the epoch's update. With
    mini-batches the loss is the mean over the epoch's batches and the weights
    saved are those at the end of the epoch, as they are for ``"val_loss"``
    (which measures exactly those). Every save is atomic, so a crash during
    training never leaves a damaged file. If Ctrl-C stops training, the last
    completed epoch is saved to ``path``.

    It is a callback: ``train`` runs it after the other callbacks and early
    stopping, so it saves what they leave. The best weights of a full-batch
    run are kept in ``on_step_scored``, where the loss is known and the update
    has not happened yet; everything else happens in ``on_epoch_end``.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        every: int = 1,
        best_path: str | os.PathLike[str] | None = None,
        monitor: str = "loss",
    ) -> None:
        if path is None and best_path is None:
            raise ConfigError("a Checkpoint needs a path (saved every few epochs), a best_path, or both")
        every = whole_number(every, "every")
        if monitor not in MONITORS:
            raise ConfigError(f"can only be {' or '.join(map(repr, MONITORS))}, got {monitor!r}", path=("monitor",))
        if path is not None:
            try:
                os.fspath(path).format(epoch=0)
            except (KeyError, IndexError, ValueError) as exc:
                raise ConfigError(
                    f"may contain {{epoch}} and no other placeholder, got {os.fspath(path)!r}", path=("path",)
                ) from exc
        for target in (path, best_path):
            if target is not None and "{epoch}" not in os.fspath(target):
                check_save_path(target)  # now, not at the first save in the middle of training
        self.path = None if path is None else os.fspath(path)
        self.best_path = None if best_path is None else os.fspath(best_path)
        self.every = every
        self.monitor = monitor
        self.best = math.inf
        self.saved: list[Path] = []
        """Every file written, in order (a path appears again each time it is replaced)."""
        self._saved_at: int | None = None
        self._before_update = False
        """Whether the best weights are kept before the update (full-batch training watching the loss)."""

    def on_train_begin(self, network: NeuralNetwork, logs: dict[str, Any]) -> None:
        logged = logs.get("logged")
        if logged is not None:
            self._check_monitor(logged)
        self._before_update = False

    def on_step_scored(self, network: NeuralNetwork, epoch: int, logs: dict[str, Any]) -> None:
        """A full-batch step's loss measures the weights the epoch started with: offer them now, before the update."""
        self._before_update = self.monitor == "loss" and logs["batches"] == 1
        if self._before_update and math.isfinite(logs["loss"]):
            self.epoch_scored(network, logs)

    def on_epoch_end(self, network: NeuralNetwork, epoch: int, logs: dict[str, Any]) -> None:
        if not self._before_update:
            self.epoch_scored(network, logs)
        self.epoch_ended(network, epoch)

    def on_train_end(self, network: NeuralNetwork, logs: dict[str, Any]) -> None:
        if logs.get("interrupted"):
            self.interrupted(network)

    def _check_monitor(self, logged: list[str]) -> None:
        """Refuse to watch a value the run does not log (``val_loss`` without validation data)."""
        if self.monitor not in logged:
            raise ConfigError(
                f"{self.monitor!r} is not logged by this run (it needs validation data)", path=("monitor",)
            )

    def epoch_scored(self, network: NeuralNetwork, logs: dict[str, Any]) -> None:
        """Called once the monitored value is known: keep the best weights so far."""
        value = logs[self.monitor]
        if self.best_path is not None and value < self.best:
            self.best = value
            self.saved.append(_save(network, self.best_path))

    def epoch_ended(self, network: NeuralNetwork, epoch: int) -> None:
        """Called after the epoch's update: save every ``every``-th epoch of this run."""
        if self.path is not None and epoch % self.every == 0:
            self._save(network)

    def interrupted(self, network: NeuralNetwork) -> Path | None:
        """Called when Ctrl-C stopped training: save the last completed epoch to ``path`` (if not saved yet).

        ``train`` calls it before the callbacks' ``on_train_end`` to name the file
        in its message; ``on_train_end`` calling it again then saves nothing more.
        """
        if self.path is None:
            return None
        if self._saved_at == network.epochs_trained and self.saved:
            return self.saved[-1]
        return self._save(network)

    def _save(self, network: NeuralNetwork) -> Path:
        saved = _save(network, self.path.format(epoch=network.epochs_trained))  # type: ignore[union-attr]
        self.saved.append(saved)
        self._saved_at = network.epochs_trained
        return saved

    def __repr__(self) -> str:
        return f"Checkpoint(path={self.path!r}, every={self.every}, best_path={self.best_path!r})"


def _save(network: NeuralNetwork, path: str) -> Path:
    """``network.save(path)``; a file that cannot be written (a full disk) stops training with a ``TrainingError``.

    The save is atomic, so the file still holds the previous checkpoint, which the message says.
    """
    try:
        return network.save(path)
    except OSError as exc:
        kept = "it still holds the previous checkpoint" if os.path.exists(path) else "no checkpoint was written"
        raise TrainingError(
            f"epoch {network.epochs_trained}: cannot save the checkpoint {quote(path, PATH_LIMIT)}: "
            f"{exc.strerror or exc}; {kept}. Training stopped: free some space or choose another path, then "
            "resume from the last checkpoint"
        ) from exc
