"""Watching a computation: every operation it runs, in order, for replaying it later.

While a ``Tape`` is recording (``with tape.recording():``), every primitive
the array engine runs appends one ``Entry``: the primitive, the raw inputs its
forward received, its keyword arguments and the numpy array it produced. That
is more than the graph keeps: operations on constants (a reshape of the data,
targets made into a column) are there too, so the tape is the whole
computation, not only the part a gradient flows through.

The tape also notes what it cannot represent: an operation on the scalar
engine; any ``MLArray.assign`` (a layer writing running statistics, say),
which changes state outside the operations; and numbers read out of an array
that depends on the inputs (``numpy()``, ``item()``, ``float()``, ``bool()``,
``to_list()``), after which the operations may depend on those numbers in
ways the tape cannot see (an ``if`` on them). Whoever replays the computation
(``smolml_core.array.program``) must not replay a tape with such notes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

import smolml_core.array.graph as graph

if TYPE_CHECKING:
    from .primitives import Primitive

__all__ = ["Entry", "Tape"]


class Entry(NamedTuple):
    """One operation as it ran: ``ans = primitive.forward(*inputs, **kwargs)``."""

    primitive: Primitive
    inputs: tuple[Any, ...]
    kwargs: dict[str, Any]
    ans: np.ndarray


class Tape:
    """The operations of one computation, in the order they ran, and what could not be recorded."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.unrecordable: list[str] = []
        """Why the computation cannot be replayed from the entries alone; empty when it can."""
        self.derived: set[int] = set()
        """The ids of the inputs' numpy arrays and of every result: what depends on the inputs."""
        self.draws: list[tuple[Any, Any]] = []
        """The generator's state before and after each draw of an operation declared ``random``."""

    @contextmanager
    def recording(self, inputs: tuple[np.ndarray, ...] = ()) -> Iterator[Tape]:
        """Record every operation run in this thread inside the block (tapes do not nest).

        ``inputs`` are the arrays that change from one run to the next (the batch).
        """
        if graph._mode.tape is not None:
            raise RuntimeError("a tape is already recording in this thread")
        self.derived.update(id(array) for array in inputs)
        graph._mode.tape = self
        try:
            yield self
        finally:
            graph._mode.tape = None

    def read(self, array: np.ndarray, how: str) -> None:
        """Numbers were read out of ``array`` (with ``how``): a note if they depend on the inputs."""
        if id(array) in self.derived:
            self.note(f"numbers read out of the graph with {how}, which the operations may depend on")

    def drew(self, before: Any, after: Any) -> None:
        """An operation declared ``random`` drew numbers, taking the generator from ``before`` to ``after``."""
        self.draws.append((before, after))

    def drew_all(self, start: Any, end: Any) -> bool:
        """True when the operations declared ``random`` made every draw that took the generator from start to end."""
        state = start
        for before, after in self.draws:
            if before != state:
                return False
            state = after
        return bool(state == end)

    def note(self, reason: str) -> None:
        """Something ran that the entries cannot reproduce; ``reason`` says what."""
        if reason not in self.unrecordable:
            self.unrecordable.append(reason)
