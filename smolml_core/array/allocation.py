"""One check before every array SmolML makes: does it fit in memory, and within the caller's budget?

An array's size is known before it is made: the product of its shape times
its item size, computed with Python integers (which do not overflow). So
``zeros``, ``ones``, ``randn``, every weight initializer and the one-hot
encoding of targets ask ``allocate`` for their array, which refuses one that
would need more than this machine's memory (or a process limit such as
``ulimit -v``) with an ``ArraySizeError`` naming the shape and the bytes,
before numpy is asked for anything. A ``MemoryError`` numpy raises anyway (the
memory is there, but not free) becomes the same error.

``allocation_budget`` lowers the limit for a stretch of code: loading a model
file builds its network within the bytes of arrays the file really holds, so a
small file whose config asks for a huge layer is refused before the layer's
weights are drawn.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from ..errors import ArraySizeError

__all__ = ["allocate", "allocation_budget", "bytes_text", "memory_limit", "reserve"]


class _Budget:
    def __init__(self, remaining: int, reason: str) -> None:
        self.remaining = remaining
        self.reason = reason


_budget: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar("smolml_allocation_budget", default=None)


def memory_limit() -> int:
    """The most memory one array may take: the machine's memory, or the process's limit if lower."""
    limits = []
    with contextlib.suppress(AttributeError, ValueError, OSError):  # not a POSIX system: no way to ask
        limits.append(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    try:
        import resource
    except ImportError:
        resource = None  # type: ignore[assignment]
    if resource is not None:
        for which in ("RLIMIT_AS", "RLIMIT_DATA"):
            soft = resource.getrlimit(getattr(resource, which))[0] if hasattr(resource, which) else -1
            if soft not in (-1, resource.RLIM_INFINITY):
                limits.append(soft)
    return min(limits) if limits else 1 << 62


def bytes_text(n: int, *, exact: bool = True) -> str:
    """``"800.0 MB (800,000,000 bytes)"``: readable at a glance, and exact unless ``exact=False``."""
    if n < 1000:
        return f"{n:,} bytes"
    value, unit = float(n), "B"
    for name in ("kB", "MB", "GB", "TB", "PB", "EB"):
        value, unit = value / 1000, name
        if value < 1000:
            break
    return f"{value:.1f} {unit} ({n:,} bytes)" if exact else f"{value:.1f} {unit}"


def reserve(nbytes: int, what: str) -> None:
    """Refuse ``nbytes`` more for ``what`` if they exceed memory or the current budget; else count them."""
    limit = memory_limit()
    if nbytes > limit:
        raise ArraySizeError(
            f"{what} would need {bytes_text(nbytes)}, more than this machine's memory "
            f"({bytes_text(limit, exact=False)})"
        )
    budget = _budget.get()
    if budget is not None:
        if nbytes > budget.remaining:
            raise ArraySizeError(f"{what} would need {bytes_text(nbytes)}, more than {budget.reason}")
        budget.remaining -= nbytes


def allocate(
    shape: Any, dtype: Any, make: Callable[[tuple[int, ...]], np.ndarray], what: str = "an array"
) -> np.ndarray:
    """``make(shape)``, after checking that an array of ``shape`` and ``dtype`` fits (see the module's docstring).

    ``shape`` holds whole numbers >= 0 (checked by the caller); ``what`` names
    the array in the message, which adds its shape and dtype.
    """
    dims = tuple(int(d) for d in shape)
    dtype = np.dtype(dtype)
    described = f"{what} of shape {dims} and dtype {dtype.name}"
    reserve(math.prod(dims) * dtype.itemsize, described)
    try:
        return make(dims)
    except MemoryError as exc:  # it should fit, but the memory is not free now
        raise ArraySizeError(f"{described}: not enough free memory for it ({exc or 'MemoryError'})") from exc


@contextmanager
def allocation_budget(nbytes: int, reason: str) -> Iterator[None]:
    """Within this block, refuse arrays once together they exceed ``nbytes``; ``reason`` ends the message.

    ``reason`` reads after "more than", e.g. ``"the 2,048 bytes of arrays the
    file holds"``. Budgets nest: the innermost one counts.
    """
    token = _budget.set(_Budget(nbytes, reason))
    try:
        yield
    finally:
        _budget.reset(token)
