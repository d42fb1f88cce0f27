"""The recording switch, the graph node, and the backward pass of the array engine.

Each ``MLArray`` made by a primitive while recording is on keeps a ``Node``:
the primitive, the raw inputs its gradient rules need, and the parent arrays to
pass gradients to. The backward pass has two halves:

- ``plan(root)`` works out what to do: every array ``root`` depends on, in an
  order where each comes before its inputs, each with its node, whose
  ``feeds()`` name the gradient rules that feed its parents' gradients (a
  ``Plan``). It changes nothing.
- ``run(plan, grad)`` does it: starting from the gradient arriving at the root,
  it calls those rules, adds up what reaches each array, leaves the result in
  the arrays and frees the graph, so no epoch keeps the previous epoch's graph
  alive.

``backward(root, grad)`` is the one after the other. Anything else that walks a
graph (exporting it, replaying a training step) reads the same ``Plan``.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Final, NamedTuple, Union

import numpy as np

import smolml_core.array.scalar as scalar

from ..errors import GraphError
from .scalar import OBJECT

if TYPE_CHECKING:
    from .mlarray import MLArray
    from .primitives import Primitive, Vjp

__all__ = ["FREED", "Node", "Plan", "Step", "backward", "is_grad_enabled", "no_grad", "plan", "run"]


class Node(NamedTuple):
    """How a recorded array was made: what ``backward()`` follows from it towards its inputs.

    ``primitive`` is the operation; ``inputs`` are the raw values its forward
    received, one per positional argument, which its gradient rules read again
    (on the scalar engine, the stand-in ``Value`` arrays of array-engine inputs,
    see ``scalar.forward``); ``parents`` holds, per positional argument, the
    ``MLArray`` that receives a gradient through it, or None (a constant, or an
    argument the primitive declares constant); ``kwargs`` are the keyword
    arguments (``axis``, ``keepdims``), passed to the gradient rules as well.
    """

    primitive: Primitive
    inputs: tuple[Any, ...]
    parents: tuple[MLArray | None, ...]
    kwargs: dict[str, Any]

    def feeds(self) -> list[tuple[int, Vjp, MLArray]]:
        """``(position, vjp, parent)`` for each parent: ``vjp``, argument ``position``'s rule, gives its gradient.

        Called as ``vjp(g, ans, *node.inputs, **node.kwargs)``, with ``g`` the
        gradient arriving at the array this node made and ``ans`` its value.
        """
        vjps = self.primitive.vjps
        return [
            (i, rule, parent)
            for i, parent in enumerate(self.parents)
            if parent is not None and callable(rule := vjps[i])
        ]


class _Freed(enum.Enum):
    FREED = "freed"

    def __repr__(self) -> str:
        return "FREED"


FREED: Final = _Freed.FREED
"""Takes the place of an array's ``Node`` once a ``backward()`` has freed its graph."""

Record = Union[Node, _Freed, None]
"""What an ``MLArray`` keeps in ``_node``: its ``Node``, ``FREED``, or None for an array made directly."""


Step = tuple["MLArray", Union[Node, None]]
"""``(array, node)``: one array of a plan and the node that made it, None for a leaf.

A leaf (an array made directly, such as a parameter) adds the gradient that
reaches it to what it already holds. A recorded array keeps this pass's
gradient and passes it on, through each rule of ``node.feeds()``. On the
scalar engine ``Value.backward`` has already computed the gradient of every
``Value``, so the rules are not called: an array-engine parent gets the
gradient its stand-in Values collected instead (``scalar.handed_over``).

A plain pair, not a named type: a plan is made for every backward pass, and
``for array, node in plan.steps`` reads it.
"""


class Plan(NamedTuple):
    """The backward pass through one graph, worked out but not yet run.

    ``steps`` holds every array ``root`` depends on, ``root`` first and each
    array before all of its inputs, so every gradient is complete by the time
    its step is reached; each step's ``node.feeds()`` says which gradient rule
    feeds which array. A plan holds the nodes it was made from, so it stays
    whole after ``run`` has freed them from the arrays, and can be run again
    (the result is the same as with ``retain_graph``).
    """

    root: MLArray
    steps: tuple[Step, ...]

    @property
    def leaves(self) -> tuple[MLArray, ...]:
        """The arrays of the plan made directly (parameters, data made with ``MLArray(X)``), in step order.

        These are the ones a pass leaves a gradient in for the caller.
        """
        return tuple(array for array, node in self.steps if node is None)


class _GradMode(threading.local):
    enabled = True
    tape: Any = None
    """The ``tape.Tape`` recording this thread's operations, if one is."""


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """True when operations record the graph that ``backward()`` needs."""
    return _mode.enabled


@contextmanager
def no_grad() -> Iterator[None]:
    """Run a block (or decorate a function) without recording any graph.

    Use it for inference and for parameter updates, which must not become part
    of the next step's graph.
    """
    previous = _mode.enabled
    _mode.enabled = False
    try:
        yield
    finally:
        _mode.enabled = previous


def backward(root: MLArray, grad: np.ndarray | None = None, retain_graph: bool = False) -> None:
    """Propagate d(root)/d(x) to every array ``root`` was computed from.

    Leaves (arrays made by the user, such as parameters) *add* the new gradient
    to what they hold; ``restart()`` clears them. Arrays in between hold only this
    pass's gradient. Unless ``retain_graph`` is set, the graph is freed as it is
    walked, so a second ``backward()`` through it is an error.
    """
    run(plan(root), grad, retain_graph=retain_graph)


def plan(root: MLArray) -> Plan:
    """Work out the backward pass from ``root``, without running it or changing anything.

    Raises ``GraphError`` when ``root`` depends on nothing that needs a gradient,
    or when part of its graph was already freed by an earlier ``backward()``.
    """
    if root._node is FREED:
        raise _freed_error()
    if root._node is None and not root.requires_grad:
        raise GraphError(
            "backward() was called on an array that depends on nothing needing a gradient "
            "(made with requires_grad=False, or under no_grad()); there is nothing to differentiate"
        )
    return Plan(root, _steps(root))


def _steps(root: MLArray) -> tuple[Step, ...]:
    """One step per array ``root`` depends on, ``root`` first and each array before all of its inputs.

    Every array is numbered when it is made (``_seq``), and a result is always
    made after its inputs, so sorting the arrays one walk finds newest first
    gives a valid order, without a second, ordering walk.
    """
    steps: list[Step] = []
    seen = {id(root)}
    stack = [root]
    while stack:
        array = stack.pop()
        node = array._node
        if node is FREED:
            raise _freed_error()
        steps.append((array, node))
        if node is None:
            continue
        for parent in node.parents:
            if parent is not None and id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    steps.sort(key=_newest_first)
    return tuple(steps)


def _newest_first(step: Step) -> int:
    return -step[0]._seq


def run(plan: Plan, grad: np.ndarray | None = None, retain_graph: bool = False) -> None:
    """Run a backward pass worked out by ``plan()``: ``grad`` is the gradient arriving at the root.

    Without ``grad`` the root must hold a single number, whose gradient is 1.
    Unless ``retain_graph`` is set, each recorded array's node is replaced by
    ``FREED`` once its step has run, so the graph can be collected once the
    plan is dropped.
    """
    root = plan.root
    if grad is None:
        if root.data.size != 1:
            raise GraphError(
                f"backward() without a gradient needs a single number, but this array has "
                f"shape {root.data.shape}; reduce it first (for example .sum() or .mean()) "
                f"or pass grad= with the same shape"
            )
    elif np.shape(grad) != root.data.shape:
        raise GraphError(f"grad has shape {np.shape(grad)} but the array has shape {root.data.shape}")

    # The gradient collected so far for each array not yet reached; arrays hash by identity.
    grads: dict[MLArray, Any] = {}
    if root.data.dtype is OBJECT:  # the scalar engine: Value.backward computes every Value's gradient
        with scalar.collector_paused():
            scalar.backward(root.data, grad)
    else:
        grads[root] = np.ones_like(root.data) if grad is None else grad

    for array, node in plan.steps:
        if array.data.dtype is OBJECT:
            array._grad = scalar.gradients(array.data)
            if node is not None:
                for receiver, share in scalar.handed_over(node):
                    grads[receiver] = share if receiver not in grads else grads[receiver] + share
        else:
            g = grads.pop(array)
            if node is None:
                array._grad = g if array._grad is None else array._grad + g
                continue
            array._grad = g
            # node.feeds(), written out: this is the busiest loop of a backward pass
            vjps: tuple[Vjp, ...] = node.primitive.vjps  # type: ignore[assignment]  # a parent always has a rule
            data, inputs, kwargs = array.data, node.inputs, node.kwargs
            for i, parent in enumerate(node.parents):
                if parent is not None:
                    share = vjps[i](g, data, *inputs, **kwargs)
                    grads[parent] = share if parent not in grads else grads[parent] + share
        if node is not None and not retain_graph:
            array._node = FREED


def _freed_error() -> GraphError:
    return GraphError(
        "this result's graph was already used by an earlier backward() and then freed; "
        "run the forward computation again, or call the first backward(retain_graph=True)"
    )
