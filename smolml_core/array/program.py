"""A recorded computation and its backward pass, compiled into a flat list of numpy calls.

The eager engine rebuilds the graph of a training step every time: an
``MLArray`` and a ``Node`` per operation, a sort of the graph, a dictionary of
gradients. When the next step does the same operations on arrays of the same
shapes, all of that is known in advance. ``compile`` takes what one step ran
(its ``Tape``) and its backward ``Plan``, and writes them out once as a
``Program``: a list of small calls, each running one forward formula or one
gradient rule on numbered slots (``regs``), the broadcasting and the order of
the gradients decided at compile time. Results go into buffers allocated on the
first run and reused after (numpy's ``out=``), so a program that runs again
allocates next to nothing. It calls the same numpy functions, in the same
order, on the same numbers, as the eager step: its results are equal to the
eager ones bit for bit (the tests check this for every registered component).

What a slot holds: the program's inputs (the batch, rebound every run), fixed
arrays (parameters, changed in place by the optimizer between runs), constants
taken from the tape, and the result of each operation. ``signature`` describes
a tape in those terms, so two steps can be compared before one is compiled: if
a constant differs between them, the step depends on something the tape cannot
see, and it must stay eager.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from . import kernels
from .tape import Tape

if TYPE_CHECKING:
    from .graph import Plan
    from .mlarray import MLArray

__all__ = ["Program", "compile", "same_signature", "signature"]

Instruction = Callable[[], None]


class Source(NamedTuple):
    """Where an input of an operation comes from: ``kind`` is in, fixed, op or const."""

    kind: str
    position: int
    value: Any = None
    """The constant itself, for ``const``."""


class _Slots:
    """The numbering of a tape's arrays: inputs, fixed arrays, then each operation's result, then constants."""

    def __init__(self, tape: Tape, inputs: Sequence[np.ndarray], fixed: Sequence[np.ndarray]) -> None:
        self.where: dict[int, Source] = {}
        for k, array in enumerate(fixed):
            self.where[id(array)] = Source("fixed", k)
        for k, array in enumerate(inputs):  # an input wins over a fixed array that is the same object
            self.where[id(array)] = Source("in", k)
        self.sources: list[list[Source]] = []
        for j, entry in enumerate(tape.entries):
            self.sources.append([self.source(x) for x in entry.inputs])
            self.where[id(entry.ans)] = Source("op", j)

    def source(self, x: Any) -> Source:
        found = self.where.get(id(x))
        return found if found is not None else Source("const", -1, x)


def signature(tape: Tape, inputs: Sequence[np.ndarray], fixed: Sequence[np.ndarray]) -> list[tuple[Any, ...]]:
    """What the tape did, in terms that another step's tape can be compared with (``same_signature``)."""
    slots = _Slots(tape, inputs, fixed)
    return [
        (entry.primitive, entry.kwargs, tuple(slots.sources[j]), np.shape(entry.ans), _dtype(entry.ans))
        for j, entry in enumerate(tape.entries)
    ]


def same_signature(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]]) -> bool:
    """True when two tapes ran the same operations on the same constants, shapes and dtypes."""
    return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.dtype == b.dtype
            and a.shape == b.shape
            and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
        )
    if isinstance(a, (tuple, list)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and a != a:  # NaN equals NaN here: the same constant
        return b != b
    return bool(a is b or a == b)


def _dtype(x: Any) -> Any:
    return getattr(x, "dtype", type(x))


class Program:
    """A step's forward and backward as a list of calls over slots; see the module's docstring.

    ``run(inputs)`` binds the inputs and runs every call. After it, ``value(slot)``
    reads any watched result and ``gradients`` pairs each leaf array with the slot
    holding its gradient.
    """

    def __init__(self, regs: list[Any], calls: list[Instruction], inputs: list[int]) -> None:
        self.regs = regs
        self.calls = calls
        self.inputs = inputs
        self.gradients: list[tuple[MLArray, int]] = []
        self.watched: list[int] = []

    def run(self, inputs: Sequence[np.ndarray]) -> None:
        """Bind ``inputs`` (same shapes and dtypes as when compiled) and run the forward and backward calls."""
        regs = self.regs
        for slot, array in zip(self.inputs, inputs, strict=True):
            regs[slot] = array
        for call in self.calls:
            call()

    def value(self, slot: int) -> Any:
        """What slot ``slot`` holds after the last run."""
        return self.regs[slot]


def compile(
    tape: Tape,
    plan: Plan,
    inputs: Sequence[np.ndarray],
    fixed: Sequence[np.ndarray],
    watch: Sequence[np.ndarray] = (),
) -> Program:
    """The program that redoes ``tape``'s operations and ``plan``'s backward pass.

    ``inputs`` are the arrays rebound at every run (the batch); ``fixed`` the
    arrays that stay the same objects (parameters); every other array the tape
    read is a constant. ``watch`` lists arrays whose slots the caller wants to
    read after a run (``Program.watched``, in the same order).
    """
    slots = _Slots(tape, inputs, fixed)
    builder = _Builder(len(inputs), fixed)
    op_slot = [
        builder.emit_forward(entry, [builder.slot_of(s) for s in slots.sources[j]])
        for j, entry in enumerate(tape.entries)
    ]
    program = Program(builder.regs, builder.calls, list(range(len(inputs))))
    program.watched = [builder.slot_of(slots.source(array), op_slot) for array in watch]
    builder.emit_backward(tape, plan, slots, op_slot, program)
    program.calls = builder.calls
    return program


class _Builder:
    """Allocates slots and writes the calls of a ``Program``."""

    def __init__(self, n_inputs: int, fixed: Sequence[np.ndarray]) -> None:
        self.regs: list[Any] = [None] * n_inputs + list(fixed)
        self.n_inputs = n_inputs
        self.calls: list[Instruction] = []
        self.op_slots: list[int] = []
        self.results: dict[tuple[int, tuple[int, ...], str], int] = {}
        """The slot of each result by (primitive, argument slots, keyword arguments), for rules that reuse one."""

    def new_slot(self, value: Any = None) -> int:
        self.regs.append(value)
        return len(self.regs) - 1

    def slot_of(self, source: Source, op_slot: Sequence[int] | None = None) -> int:
        if source.kind == "in":
            return source.position
        if source.kind == "fixed":
            return self.n_inputs + source.position
        if source.kind == "op":
            return (self.op_slots if op_slot is None else op_slot)[source.position]
        return self.new_slot(source.value)

    def emit_forward(self, entry: Any, args: list[int]) -> int:
        out = self.new_slot()
        self.calls.append(kernels.forward(self.regs, out, entry.primitive, args, entry.kwargs, entry.inputs))
        self.op_slots.append(out)
        self.results.setdefault((id(entry.primitive), tuple(args), repr(entry.kwargs)), out)
        return out

    def computed(self, primitive: Any, args: tuple[int, ...], kwargs: dict[str, Any]) -> int | None:
        return self.results.get((id(primitive), args, repr(kwargs)))

    def emit_backward(self, tape: Tape, plan: Plan, slots: _Slots, op_slot: list[int], program: Program) -> None:
        """The calls of ``graph.run`` for this plan, with every array replaced by its slot."""
        entry_of = {id(entry.inputs): j for j, entry in enumerate(tape.entries) if entry.inputs}
        root = plan.root
        grad_slot: dict[int, int] = {id(root): self.new_slot(np.ones_like(root.data))}
        owned: set[int] = set()  # slots of sums this program allocated, which it may add into
        for array, node in plan.steps:
            g = grad_slot.pop(id(array))
            if node is None:
                program.gradients.append((array, g))
                continue
            j = entry_of[id(node.inputs)]
            entry = tape.entries[j]
            args = [self.slot_of(s, op_slot) for s in slots.sources[j]]
            for i, parent in enumerate(node.parents):
                if parent is None:
                    continue
                share = self.new_slot()
                self.calls.append(
                    kernels.gradient(
                        self.regs,
                        share,
                        node.primitive,
                        i,
                        g,
                        op_slot[j],
                        args,
                        node.kwargs,
                        entry.inputs,
                        entry.ans,
                        self.computed,
                    )
                )
                previous = grad_slot.get(id(parent))
                if previous is None:
                    grad_slot[id(parent)] = share
                    continue
                total = previous if previous in owned else self.new_slot()
                owned.add(total)
                self.calls.append(kernels.accumulate(self.regs, total, previous, share))
                grad_slot[id(parent)] = total
