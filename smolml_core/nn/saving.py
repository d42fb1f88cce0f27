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

if TYPE_CHECKING:
    from .network import NeuralNetwork

__all__ = ["FileFormat", "declare_file_format", "file_format"]


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
