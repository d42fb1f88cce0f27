"""The command's exit statuses, and turning SmolML's exceptions into its one-line messages."""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import NumericalError, SmolMLError, TrainingError
from ..files import SpecialFileError
from ..wording import shorten

__all__ = [
    "USAGE",
    "FAILED",
    "INTERNAL",
    "INTERRUPTED",
    "BROKEN_PIPE",
    "CommandError",
    "blame",
    "reported",
    "as_command_error",
    "place_of",
]

FAILED = 1
"""Exit status when the work itself failed (training stopped on a non-finite loss)."""
USAGE = 2
"""Exit status for a mistake in the command line or in a file: the message says what to fix."""
INTERNAL = 70
"""Exit status for an exception no check foresaw: a bug in SmolML or in a plugin (``EX_SOFTWARE``)."""
INTERRUPTED = 130
"""The shell's status for a command stopped by Ctrl-C (128 + SIGINT)."""
BROKEN_PIPE = 141
"""The shell's status for a command whose reader went away (128 + SIGPIPE)."""


class CommandError(Exception):
    """A failure the command reports as ``smolml: <message>`` on stderr before exiting with ``status``."""

    def __init__(self, message: str, status: int = USAGE) -> None:
        super().__init__(message)
        self.status = status


def as_command_error(exc: Exception) -> CommandError:
    """What the command reports for an exception that reached it without being turned into a ``CommandError``.

    A ``SmolMLError`` says what and where itself; an ``OSError`` (a full disk,
    a file that vanished) is one line with the file and the reason; anything
    else is a bug, reported as one line with the place it was raised, the
    exit status ``INTERNAL``, and how to see the whole traceback.
    """
    if isinstance(exc, SmolMLError):
        return CommandError(f"error: {exc}", _status(exc))
    if isinstance(exc, OSError):
        name = f" {os.fsdecode(exc.filename)!r}" if exc.filename is not None else ""
        return CommandError(f"error:{name} {exc.strerror or exc}", FAILED)
    return CommandError(
        f"internal error: {type(exc).__name__}: {shorten(str(exc), 300)}{place_of(exc)}; this is a bug in SmolML "
        "or in a plugin: run again with SMOLML_TRACEBACK=1 to see the whole traceback, and report it",
        INTERNAL,
    )


def place_of(exc: BaseException) -> str:
    """`` at FILE:LINE (in FUNCTION)``: where ``exc`` was raised, or "" if its traceback is gone."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return ""
    last = frames[-1]
    return f" at {os.fspath(last.filename)}:{last.lineno} (in {last.name})"


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
