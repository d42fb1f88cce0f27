"""How ``NeuralNetwork.save`` and ``NeuralNetwork.load`` reach the file format, which sits above the network.

The file format is ``smolml_core.persistence``. Loading a file builds a network
from the config stored in it, so persistence depends on the network (through
``smolml_core.config``), and the network must not depend on it back. Instead
persistence declares its two functions here when it is imported, which
``import smolml_core`` always does, and the network's ``save`` and ``load``
call what was declared. The dependency points one way, from the file format
down to the network, as it does from each base class down to the registry's
table of kinds.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..errors import ModelFileError
from ..files import special_file_kind

if TYPE_CHECKING:
    from .network import NeuralNetwork

__all__ = ["FileFormat", "check_save_path", "declare_file_format", "file_format", "save_refused"]


class FileFormat(Protocol):
    """What the network needs from its file format."""

    def save(self, network: NeuralNetwork, path: str | os.PathLike[str]) -> Path:
        """Write ``network`` to ``path`` and return the path."""

    def load(self, path: str | os.PathLike[str], network_class: type[NeuralNetwork]) -> NeuralNetwork:
        """The network saved at ``path``, built as ``network_class`` (``NeuralNetwork`` or a subclass)."""


_declared: FileFormat | None = None


def declare_file_format(file_format: FileFormat) -> None:
    """Make ``file_format`` the one ``NeuralNetwork.save`` and ``NeuralNetwork.load`` use."""
    global _declared
    _declared = file_format


def file_format() -> FileFormat:
    """The declared file format; an error only if ``smolml_core.persistence`` was never imported."""
    if _declared is None:
        raise RuntimeError("no file format is declared: import smolml_core (which imports smolml_core.persistence)")
    return _declared


def save_refused(path: str | os.PathLike[str], kind: str) -> ModelFileError:
    """The error for saving a network onto something that is not a regular file (``kind``: "a device"...)."""
    return ModelFileError(
        f"cannot save a network to {os.fspath(path)!r}: it is {kind}, not a regular file. A network is written to "
        "a temporary file that then replaces the target, which would destroy anything but a regular file; "
        "give the path of a file, such as model.npz"
    )


def check_save_path(path: str | os.PathLike[str]) -> None:
    """Refuse, before any work is done, a path no network can be saved to: a device, a FIFO, a socket, a folder."""
    kind = special_file_kind(path)
    if kind is not None:
        raise save_refused(path, kind)
