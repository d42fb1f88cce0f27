"""Reading and writing files safely: a crash never leaves half of one behind, a special file never hangs us.

Only regular files are written by renaming a finished temporary file over
them (``write_atomically``); a device, a FIFO or a socket cannot be replaced
that way without destroying it, so ``write_atomically`` refuses one and
``write_output`` streams into it (``-o /dev/stdout``). Reading goes through
``read_regular`` (or ``open_regular``, for a reader that takes only what it
needs): a FIFO or a device is refused before it is opened (reading one could
wait forever, or never end), and no more than a stated number of bytes is
ever read.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = [
    "SpecialFileError",
    "check_path",
    "open_regular",
    "read_regular",
    "special_file_kind",
    "write_atomically",
    "write_output",
]


class SpecialFileError(OSError):
    """A path names something other than a regular file (a device, a FIFO, a socket, a folder) or is too big.

    An ``OSError``, so callers that already turn unreadable files into their
    own project error (a ``ModelFileError``, a ``ConfigError``) do so for this
    one too; its message says what the path is.
    """


def check_path(path: str | os.PathLike[str]) -> None:
    """Refuse a path no file can have (one holding a NUL byte) with a ``SpecialFileError`` saying so.

    The operating system takes a path as a C string, so Python raises a bare
    ``ValueError`` for a NUL in one; raising an ``OSError`` instead lets every
    caller that turns unreadable files into its own project error do so here too.
    """
    name = os.fspath(path)
    if ("\0" if isinstance(name, str) else b"\0") in name:
        raise SpecialFileError(f"{name!r} holds a NUL byte, which no file name can; check how the path was written")


def special_file_kind(path: str | os.PathLike[str]) -> str | None:
    """What ``path`` is if it exists and is not a regular file ("a FIFO", "a device"...), else None."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):  # missing, unreadable, or a NUL in the path: the caller's open says so
        return None
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_regular(path: str | os.PathLike[str]) -> BinaryIO:
    """The regular file at ``path``, open for reading bytes; anything else is refused before it is opened.

    Raises ``SpecialFileError`` for a FIFO, a device, a socket or a folder
    (checked before opening, and again on the opened file, so a path swapped
    in between is caught too); other ``OSError``s (missing, no permission)
    pass through. For a reader that takes only what it needs (a zip archive).
    """
    check_path(path)
    kind = special_file_kind(path)
    if kind is not None:
        raise SpecialFileError(f"{os.fspath(path)!r} is {kind}, not a regular file")
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise SpecialFileError(f"{os.fspath(path)!r} is not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def read_regular(path: str | os.PathLike[str], limit: int) -> bytes:
    """The bytes of the regular file at ``path``, refusing anything else and anything over ``limit`` bytes.

    Raises ``SpecialFileError`` as ``open_regular`` does, and for a file longer
    than ``limit``; other ``OSError``s (missing, no permission) pass through.
    """
    with open_regular(path) as file:
        data = file.read(limit + 1)
    if len(data) > limit:
        raise SpecialFileError(f"{os.fspath(path)!r} is larger than {limit:,} bytes, more than this file can be")
    return data


def write_atomically(path: str | os.PathLike[str], write: Callable[[BinaryIO], object]) -> Path:
    """Call ``write(file)`` on a new temporary file beside ``path``, then rename it over ``path``.

    The temporary file is flushed and synced to disk before the rename, and the
    rename replaces ``path`` in one step, so ``path`` always holds either its old
    content or the complete new one. If ``write`` raises, the temporary file is
    removed and ``path`` is untouched. Only a process killed mid-write can leave
    a ``.<name>.<random>.tmp`` file behind, never a damaged ``path``.
    """
    check_path(path)
    target = Path(path)
    kind = special_file_kind(target)
    if kind is not None:
        raise SpecialFileError(f"{os.fspath(target)!r} is {kind}; only a regular file can be written here")
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    # O_EXCL: never reuse a file that is already there; 0o666 lets the umask decide the mode.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_folder(target.parent)
    return target


def write_output(path: str | os.PathLike[str], write: Callable[[BinaryIO], object]) -> Path:
    """Write an output (predictions, a report) to ``path``: atomically to a regular file, as a stream otherwise.

    A device or a FIFO (``/dev/stdout``, a pipe made with ``mkfifo``) is written
    through, never replaced; a folder or a socket is refused.
    """
    check_path(path)
    kind = special_file_kind(path)
    if kind is None:
        return write_atomically(path, write)
    if kind in ("a folder", "a socket"):
        raise SpecialFileError(f"{os.fspath(path)!r} is {kind}; it cannot be written to")
    with open(path, "wb") as file:
        write(file)
    return Path(path)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable where the system allows syncing a directory."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
