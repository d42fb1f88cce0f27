"""The progress bar ``train`` draws on an interactive terminal.

One line on stderr, rewritten in place::

    Epoch 37/100 [=========>               ] loss 0.2314 accuracy 0.9100  2.1s

It shows the last completed epoch's values, fills with the share of batches
done, and is redrawn at most ten times a second. It appears only when stderr is
a terminal and only once a run has lasted ``SHOW_AFTER`` seconds, so quick runs
and logs written to files stay as they were.
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Mapping
from typing import Any, TextIO

__all__ = ["ProgressBar", "wants_progress_bar"]

SHOW_AFTER = 0.5
"""Seconds a run must last before the bar appears."""
MIN_INTERVAL = 0.1
"""Seconds between redraws."""
WIDTH = 24
"""Characters inside the brackets, at most; fewer (down to 10) when the terminal is narrow."""


def wants_progress_bar(verbose: bool, stream: TextIO | None = None) -> bool:
    """Whether to draw a bar: verbose training with ``stream`` (stderr by default) on a terminal."""
    stream = sys.stderr if stream is None else stream
    if not verbose:
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class ProgressBar:
    """A one-line bar for ``epochs`` epochs of ``batches`` batches each, drawn on ``stream``."""

    def __init__(self, epochs: int, batches: int = 1, stream: TextIO | None = None) -> None:
        self.epochs = epochs
        self.batches = max(batches, 1)
        self.stream = sys.stderr if stream is None else stream
        self.started = time.monotonic()
        self._next_draw = self.started + SHOW_AFTER
        self._shown = False
        self._epoch = 1
        self._done = 0
        self._logs: Mapping[str, float] = {}
        self._drawn = -1

    def batch_done(self, epoch: int, batch: int) -> None:
        """Batch ``batch`` (from 1) of ``epoch`` (from 1) has been trained."""
        self._epoch, self._done = epoch, (epoch - 1) * self.batches + batch
        self._maybe_draw()

    def epoch_done(self, epoch: int, logs: Mapping[str, float]) -> None:
        """Epoch ``epoch`` is complete, with these values."""
        self._epoch, self._done, self._logs = epoch, epoch * self.batches, logs
        self._maybe_draw()

    def _maybe_draw(self) -> None:
        now = time.monotonic()
        if now >= self._next_draw:
            self._next_draw = now + MIN_INTERVAL
            self.draw(now)

    def draw(self, now: float | None = None) -> None:
        """Write the bar now."""
        now = time.monotonic() if now is None else now
        epoch = f"Epoch {self._epoch}/{self.epochs}"
        values = " ".join(f"{key} {_number(value)}" for key, value in self._logs.items())
        rest = f"{values}  {now - self.started:.1f}s"
        columns = shutil.get_terminal_size((80, 24)).columns
        width = min(WIDTH, max(10, columns - 1 - len(epoch) - len(rest) - 4))
        total = self.epochs * self.batches
        filled = width if total == 0 else int(width * self._done / total)
        bar = "=" * filled + (">" if filled < width else "") + " " * max(width - filled - 1, 0)
        line = f"{epoch} [{bar}] {rest}"
        self.stream.write("\r" + line[: max(columns - 1, 10)] + "\x1b[K")
        self.stream.flush()
        self._shown = True
        self._drawn = self._done

    def clear(self) -> None:
        """Take the bar off its line (before other text is printed there); the next update redraws it."""
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False
            self._next_draw = min(self._next_draw, time.monotonic())

    def close(self) -> None:
        """Leave the final state drawn on its own line, unless the run was too quick to show a bar."""
        if not self._shown and time.monotonic() < self.started + SHOW_AFTER:
            return
        if not self._shown or self._drawn != self._done:
            self.draw()
        self.stream.write("\n")
        self.stream.flush()
        self._shown = False


def _number(value: Any) -> str:
    try:
        return f"{float(value):.4f}"
    except (TypeError, ValueError):
        return str(value)
