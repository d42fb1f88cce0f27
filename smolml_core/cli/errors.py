"""The command's exit statuses, and turning SmolML's exceptions into its one-line messages."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import NumericalError, SmolMLError, TrainingError
from ..files import SpecialFileError

__all__ = ["USAGE", "FAILED", "INTERRUPTED", "BROKEN_PIPE", "CommandError", "blame", "reported"]

FAILED = 1
"""Exit status when the work itself failed (training stopped on a non-finite loss)."""
USAGE = 2
"""Exit status for a mistake in the command line or in a file: the message says what to fix."""
INTERRUPTED = 130
"""The shell's status for a command stopped by Ctrl-C (128 + SIGINT)."""
BROKEN_PIPE = 141
"""The shell's status for a command whose reader went away (128 + SIGPIPE)."""


class CommandError(Exception):
    """A failure the command reports as ``smolml: <message>`` on stderr before exiting with ``status``."""

    def __init__(self, message: str, status: int = USAGE) -> None:
        super().__init__(message)
        self.status = status


def _status(exc: SmolMLError) -> int:
    return FAILED if isinstance(exc, (TrainingError, NumericalError)) else USAGE


@contextmanager
def blame(file: str | os.PathLike[str]) -> Iterator[None]:
    """Report a SmolML error raised inside as ``error in FILE: <path>: <message>``."""
    try:
        yield
    except SmolMLError as exc:
        raise CommandError(f"error in {os.fspath(file)}: {exc}", _status(exc)) from exc


@contextmanager
def reported() -> Iterator[None]:
    """Report a SmolML error raised inside as ``error: <message>`` (for messages that name their own file)."""
    try:
        yield
    except SmolMLError as exc:
        raise CommandError(f"error: {exc}", _status(exc)) from exc


def write_error(path: str | os.PathLike[str], exc: OSError) -> CommandError:
    """The error for an output file that cannot be written."""
    if isinstance(exc, SpecialFileError):  # its message names the path and what it is
        return CommandError(f"error: {exc}")
    return CommandError(f"error: cannot write {os.fspath(path)!r}: {exc.strerror or exc}")
