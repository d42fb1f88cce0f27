"""``History``: what a training run logged, epoch by epoch."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["History"]


class History(list[float]):
    """The training loss of every epoch, as a list, with every other logged value beside it.

    ``train`` returns one, so ``losses = network.train(...)`` keeps working as
    in the tutorial: the items are the losses, one float per epoch.

    ``history`` maps each logged name to its list of floats, one per epoch:
    ``"loss"``, each metric (``"accuracy"``), ``"val_loss"`` and
    ``"val_<metric>"`` when validating, and ``"lr"``, the learning rate the
    epoch used. A value a callback adds to the logs is recorded too; an epoch
    without it holds ``nan``, so every list stays one entry per epoch.
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[float]] = {"loss": []}
        self.epochs = 0
        """Epochs completed in this run."""
        self.stopped_early = False
        """Whether a callback (early stopping, say) ended the run before its last epoch."""
        self.interrupted = False
        """Whether Ctrl-C ended the run; the weights are then those after the last completed epoch."""
        self.replay: Any = None
        """How the run's steps were taken (a ``ReplayReport``): how many were replayed, and why any stayed eager."""

    def record(self, logs: Mapping[str, float]) -> None:
        """Add one epoch's values (``logs["loss"]`` is also appended to the list itself)."""
        self.append(logs["loss"])
        history = self.history
        if history.keys() == logs.keys():  # the same names as the epochs before: the usual case, kept quick
            for key, value in logs.items():
                history[key].append(value)
        else:
            for key, value in logs.items():
                history.setdefault(key, [math.nan] * self.epochs).append(value)
            for column in history.values():
                if len(column) == self.epochs:  # a name this epoch did not log
                    column.append(math.nan)
        self.epochs += 1

    def best(self, key: str = "loss", mode: str = "min") -> tuple[int, float]:
        """``(epoch, value)`` of the best epoch for ``key`` (epochs count from 1), ignoring nan."""
        column = self.history[key]
        pick = min if mode == "min" else max
        epoch = pick(
            (i for i, v in enumerate(column) if not math.isnan(v)),
            key=column.__getitem__,
            default=None,
        )
        if epoch is None:
            raise ValueError(f"{key!r} has no finite value yet")
        return epoch + 1, column[epoch]
