"""Training callbacks: a CSV logger (early stopping itself is part of the core, registered here by name)."""

from __future__ import annotations

import csv
import os
from typing import Any, TextIO

from smolml_core import Callback, ConfigError

__all__ = ["CSVLogger"]


class CSVLogger(Callback):
    """Write every epoch's logs to a CSV file: one row per epoch, one column per logged value.

    The first column, ``epoch``, counts over the network's life
    (``network.epochs_trained``), so with ``append=True`` several runs of one
    network make one continuous table. Each row is flushed as it is written,
    so the file is readable while training runs, and after a crash.
    """

    def __init__(self, path: str, append: bool = False) -> None:
        if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
            raise ConfigError(f"must be a file path, got {path!r}", path=("path",))
        self.path = os.fspath(path)
        self.append = append
        self._file: TextIO | None = None
        self._writer: Any = None

    def on_train_begin(self, network: Any, logs: dict[str, Any]) -> None:
        fields = ["epoch", *logs["logged"]]
        continuing = self.append and os.path.exists(self.path) and os.path.getsize(self.path) > 0
        try:
            self._file = open(self.path, "a" if continuing else "w", newline="", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise ConfigError(f"cannot write {self.path!r}: {exc.strerror}", path=("path",)) from exc
        self._writer = csv.DictWriter(self._file, fieldnames=fields, extrasaction="ignore")
        if not continuing:
            self._writer.writeheader()

    def on_epoch_end(self, network: Any, epoch: int, logs: dict[str, Any]) -> None:
        if self._writer is None or self._file is None:
            return
        self._writer.writerow({"epoch": network.epochs_trained, **{k: _cell(v) for k, v in logs.items()}})
        self._file.flush()

    def on_train_end(self, network: Any, logs: dict[str, Any]) -> None:
        if self._file is not None:
            self._file.close()
        self._file = self._writer = None


def _cell(value: Any) -> str:
    """A number written so that reading it back gives the same float; anything else as text."""
    return repr(float(value)) if isinstance(value, (int, float)) else str(value)
