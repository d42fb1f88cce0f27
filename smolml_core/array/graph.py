"""Recording switch and the backward pass of the array engine.

Each ``MLArray`` made by a primitive while recording is on keeps a *node*: the
primitive, the raw inputs its gradient rules need, and the parent arrays to pass
gradients to. ``backward`` visits those nodes from the output back to the leaves
and then frees them, so no epoch keeps the previous epoch's graph alive.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import GraphError
from . import scalar

if TYPE_CHECKING:
    from .mlarray import MLArray

__all__ = ["FREED", "backward", "is_grad_enabled", "no_grad"]

_OBJECT = np.dtype(object)

FREED: tuple[Any, ...] = ("freed",)
"""Marks a node whose graph an earlier ``backward()`` already released."""


class _GradMode(threading.local):
    enabled = True


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
    if root._node is FREED:
        raise _freed_error()
    if root._node is None and not root.requires_grad:
        raise GraphError(
            "backward() was called on an array that depends on nothing needing a gradient "
            "(made with requires_grad=False, or under no_grad()); there is nothing to differentiate"
        )
    if grad is None:
        if root.data.size != 1:
            raise GraphError(
                f"backward() without a gradient needs a single number, but this array has "
                f"shape {root.data.shape}; reduce it first (for example .sum() or .mean()) "
                f"or pass grad= with the same shape"
            )
    elif np.shape(grad) != root.data.shape:
        raise GraphError(f"grad has shape {np.shape(grad)} but the array has shape {root.data.shape}")

    order = _topological_order(root)
    grads: dict[int, Any] = {}
    if root.data.dtype is _OBJECT:  # the scalar engine: Value.backward computes every Value's gradient
        with scalar.collector_paused():
            scalar.backward(root.data, grad)
    else:
        grads[id(root)] = np.ones_like(root.data) if grad is None else grad

    for node in order:
        recorded = node._node
        if node.data.dtype is _OBJECT:
            node._grad = scalar.gradients(node.data)
            if recorded is not None:
                _hand_over_from_values(recorded, grads)
        else:
            g = grads.pop(id(node))
            if recorded is None:
                node._grad = g if node._grad is None else node._grad + g
                continue
            node._grad = g
            prim, inputs, parents, kwargs = recorded
            for i, parent in enumerate(parents):
                if parent is not None:
                    _add(grads, parent, prim.vjps[i](g, node.data, *inputs, **kwargs))
        if recorded is not None and not retain_graph:
            node._node = FREED


def _add(grads: dict[int, Any], array: MLArray, g: np.ndarray) -> None:
    """Add ``g`` to the gradient collected so far for ``array``."""
    key = id(array)
    grads[key] = g if key not in grads else grads[key] + g


def _hand_over_from_values(recorded: tuple[Any, ...], grads: dict[int, Any]) -> None:
    """Pass gradients from a scalar-engine operation to the array-engine arrays it used.

    Such an array took part through stand-in Values (see ``_lift_to_values`` in
    ``mlarray.py``); their gradients, now computed, continue on the array
    engine. The stand-ins are reset after reading, so a second ``backward``
    through a retained graph adds only its own share.
    """
    _, inputs, parents, _ = recorded
    for parent, stand_in in zip(parents, inputs, strict=True):
        if parent is not None and parent.data.dtype != object:
            _add(grads, parent, scalar.gradients(stand_in))
            scalar.reset_gradients(stand_in)


def _topological_order(root: MLArray) -> list[MLArray]:
    """Every array ``root`` depends on, ``root`` first and each array before all of its inputs.

    Every array is numbered when it is made (``_seq``), and a result is always made
    after its inputs, so sorting the reachable arrays newest first gives a valid
    order: one walk and one sort, instead of a second, ordering walk.
    """
    found = [root]
    seen = {id(root)}
    stack = [root]
    while stack:
        recorded = stack.pop()._node
        if recorded is None:
            continue
        if recorded is FREED:
            raise _freed_error()
        for parent in recorded[2]:
            if parent is not None and id(parent) not in seen:
                seen.add(id(parent))
                found.append(parent)
                stack.append(parent)
    found.sort(key=_newest_first)
    return found


def _newest_first(array: MLArray) -> int:
    return -array._seq


def _freed_error() -> GraphError:
    return GraphError(
        "this result's graph was already used by an earlier backward() and then freed; "
        "run the forward computation again, or call the first backward(retain_graph=True)"
    )
