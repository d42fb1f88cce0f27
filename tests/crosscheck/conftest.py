"""Collects the largest difference from PyTorch per group and prints it after the run.

Tolerances say whether a comparison passed; the summary says by how much, so a
drift towards a tolerance shows up long before it fails. This file does not
import torch, so collecting the directory without torch still works (the test
module then skips itself).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

# group -> (largest relative difference, where it was seen)
_LARGEST: dict[str, tuple[float, str]] = {}


@pytest.fixture
def record_difference() -> Callable[[str, str, float], None]:
    """``record(group, where, difference)``: remember the difference if it is the group's largest so far."""

    def record(group: str, where: str, difference: float) -> None:
        if group not in _LARGEST or difference > _LARGEST[group][0]:
            _LARGEST[group] = (difference, where)

    return record


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not _LARGEST:
        return
    terminalreporter.write_sep("-", "largest difference from torch per group, relative to the scale each check uses")
    for group, (difference, where) in sorted(_LARGEST.items()):
        terminalreporter.write_line(f"{group:<12} {difference:.3e}  at {where}")
