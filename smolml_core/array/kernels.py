"""The calls a ``Program`` is made of: one forward formula or one gradient rule on numbered slots.

Each function here returns a call with no arguments that reads its inputs from
``regs`` and leaves its result in ``regs[out]``. The general forms call the
primitive's own forward or rule, exactly as the eager engine does. Where
numpy can write the same result into an existing array (a ufunc's ``out=``,
a matrix product), the call allocates its buffer on its first run and reuses
it after; the numbers are the same, computed by the same numpy routine in the
same order, only the memory is not new. Those special forms are chosen by
looking at the primitive itself (any numpy ufunc), or, for a few of the core's
busiest rules, by identity with the core's own primitives, so a plugin's
primitive of the same name is never mistaken for one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .primitives import PRIMITIVES, Primitive

__all__ = ["accumulate", "forward", "gradient"]

Call = Callable[[], None]
Computed = Callable[[Primitive, tuple[int, ...], dict[str, Any]], "int | None"]
"""The slot already holding ``primitive(*slots, **kwargs)``, or None."""


def forward(
    regs: list[Any], out: int, prim: Primitive, args: Sequence[int], kwargs: dict[str, Any], sample: Sequence[Any]
) -> Call:
    """The call computing ``prim.forward`` on ``args`` into slot ``out``, as ``MLArray._apply`` does."""
    fn = prim.forward
    if prim is PRIMITIVES["relu"]:  # max(x, 0), written as the ufunc it is
        regs.append(0)
        return _into(regs, out, np.maximum, [args[0], len(regs) - 1])
    if isinstance(fn, np.ufunc) and fn.nout == 1 and not kwargs:
        return _into(regs, out, fn, args)
    return _general(regs, out, fn, args, kwargs)


def gradient(
    regs: list[Any],
    out: int,
    prim: Primitive,
    position: int,
    g: int,
    ans: int,
    args: Sequence[int],
    kwargs: dict[str, Any],
    sample: Sequence[Any],
    result: Any,
    computed: Computed,
) -> Call:
    """The call running the gradient rule of ``prim``'s argument ``position`` into slot ``out``.

    ``sample`` and ``result`` are the inputs and the result of the operation as
    recorded: their shapes choose a special form where one applies.
    ``computed`` finds the slot of a result the forward pass already computed.
    """
    special = _SPECIAL_RULES.get((prim.name, position)) if PRIMITIVES.get(prim.name) is prim else None
    shapes = [np.shape(x) for x in sample] + [np.shape(result)]
    if special is not None and (not kwargs or prim.name in _REDUCTIONS):
        call = special(regs, out, g, ans, args, shapes)
        if call is not None:
            return call
    if prim is PRIMITIVES["softmax_cross_entropy"] and position == 0:
        call = _softmax_cross_entropy_z(regs, out, g, args, shapes, kwargs, computed)
        if call is not None:
            return call
    rule: Callable[..., Any] = prim.vjps[position]  # type: ignore[assignment]  # a parent always has a rule
    every = (g, ans, *args)

    def general() -> None:
        regs[out] = rule(*[regs[k] for k in every], **kwargs)

    return general


def accumulate(regs: list[Any], total: int, a: int, b: int) -> Call:
    """``regs[total] = regs[a] + regs[b]``, into a buffer of the program's own after the first run."""
    return _into(regs, total, np.add, [a, b])


# -- the general forms -------------------------------------------------------------------


def _general(regs: list[Any], out: int, fn: Callable[..., Any], args: Sequence[int], kwargs: dict[str, Any]) -> Call:
    if len(args) == 1 and not kwargs:
        (a,) = args

        def one() -> None:
            ans = fn(regs[a])
            regs[out] = ans if type(ans) is np.ndarray else np.asarray(ans)

        return one

    def call() -> None:
        ans = fn(*[regs[k] for k in args], **kwargs)
        regs[out] = ans if type(ans) is np.ndarray else np.asarray(ans)

    return call


def _into(regs: list[Any], out: int, fn: Any, args: Sequence[int]) -> Call:
    """A ufunc's result into a buffer of its own, made by the first run (as an eager run would make it)."""
    if len(args) == 2:
        a, b = args

        def two() -> None:
            into = regs[out]
            if into is None:
                regs[out] = np.asarray(fn(regs[a], regs[b]))
            else:
                fn(regs[a], regs[b], out=into)

        return two

    def call() -> None:
        into = regs[out]
        if into is None:
            regs[out] = np.asarray(fn(*[regs[k] for k in args]))
        else:
            fn(*[regs[k] for k in args], out=into)

    return call


def _owned(result: Any) -> np.ndarray:
    """A first run's result as an array the call may write into later (numpy gives 0-d results as scalars)."""
    return result if type(result) is np.ndarray else np.asarray(result)


# -- the core's busiest gradient rules, written into buffers -----------------------------
# Each computes what the rule in primitives.py computes, with the same numpy calls in the
# same order, or returns None where the shapes take the rule down another branch.

Shapes = list[tuple[int, ...]]
"""The shapes of an operation's inputs as recorded, then of its result."""

_REDUCTIONS = ("mean",)
"""Core primitives whose special forms read their keyword arguments from the shapes, so may have some."""


def _unbroadcast(regs: list[Any], out: int, g: int, shapes: Shapes, position: int) -> Call | None:
    """add's and subtract's first rules: ``unbroadcast(g, shape)``, g itself or one sum, decided now."""
    shape, full = shapes[position], shapes[-1]
    if shape == full:

        def same() -> None:
            regs[out] = regs[g]

        return same
    extra = len(full) - len(shape)
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and full[extra + i] != 1)
    if extra and not stretched:
        axes, keepdims = tuple(range(extra)), False
    elif stretched and not extra:
        axes, keepdims = stretched, True
    else:  # two sums: the rule itself
        return None

    def summed() -> None:
        into = regs[out]
        if into is None:
            regs[out] = _owned(regs[g].sum(axis=axes, keepdims=keepdims))
        else:
            np.add.reduce(regs[g], axis=axes, keepdims=keepdims, out=into)  # np.sum, without its wrapper

    return summed


def _matmul_x(regs: list[Any], out: int, g: int, ans: int, args: Sequence[int], shapes: Shapes) -> Call | None:
    if len(shapes[0]) != 2 or len(shapes[1]) != 2:
        return None
    y = args[1]

    def call() -> None:
        into = regs[out]
        if into is None:
            regs[out] = regs[g] @ regs[y].T  # for 2-d arrays .T is np.swapaxes(y, -1, -2)
        else:
            np.matmul(regs[g], regs[y].T, out=into)

    return call


def _matmul_y(regs: list[Any], out: int, g: int, ans: int, args: Sequence[int], shapes: Shapes) -> Call | None:
    if len(shapes[0]) != 2 or len(shapes[1]) != 2:
        return None
    x = args[0]

    def call() -> None:
        into = regs[out]
        if into is None:
            regs[out] = regs[x].T @ regs[g]
        else:
            np.matmul(regs[x].T, regs[g], out=into)

    return call


def _relu_rule(regs: list[Any], out: int, g: int, ans: int, args: Sequence[int], shapes: Shapes) -> Call:
    mask: list[Any] = [None]

    def call() -> None:  # g * (ans > 0)
        into = regs[out]
        if into is None:
            mask[0] = _owned(regs[ans] > 0)
            regs[out] = _owned(regs[g] * mask[0])
        else:
            np.greater(regs[ans], 0, out=mask[0])
            np.multiply(regs[g], mask[0], out=into)

    return call


def _tanh_rule(regs: list[Any], out: int, g: int, ans: int, args: Sequence[int], shapes: Shapes) -> Call:
    scratch: list[Any] = [None]

    def call() -> None:  # g * (1 - ans * ans)
        into, a = regs[out], regs[ans]
        if into is None:
            scratch[0] = _owned(1 - a * a)
            regs[out] = _owned(regs[g] * scratch[0])
        else:
            t = scratch[0]
            np.multiply(a, a, out=t)
            np.subtract(1, t, out=t)
            np.multiply(regs[g], t, out=into)

    return call


def _sigmoid_rule(regs: list[Any], out: int, g: int, ans: int, args: Sequence[int], shapes: Shapes) -> Call:
    scratch: list[Any] = [None]

    def call() -> None:  # g * ans * (1 - ans)
        into, a = regs[out], regs[ans]
        if into is None:
            scratch[0] = _owned(1 - a)
            regs[out] = _owned(regs[g] * a * scratch[0])
        else:
            t = scratch[0]
            np.subtract(1, a, out=t)
            np.multiply(regs[g], a, out=into)
            np.multiply(into, t, out=into)

    return call


def _multiply(
    regs: list[Any], out: int, g: int, ans: int, args: Sequence[int], shapes: Shapes, position: int
) -> Call | None:
    """multiply's rules, ``unbroadcast(g * other, shape)``, where no broadcasting happened."""
    if shapes[0] != shapes[1]:
        return None
    other = args[1 - position]

    def call() -> None:
        into = regs[out]
        if into is None:
            regs[out] = _owned(regs[g] * regs[other])
        else:
            np.multiply(regs[g], regs[other], out=into)

    return call


def _negated(regs: list[Any], out: int, g: int, ans: int, args: Sequence[int], shapes: Shapes) -> Call | None:
    """subtract's rule for its second argument, ``unbroadcast(-g, shape)``, where no broadcasting happened."""
    if shapes[0] != shapes[1]:
        return None

    def call() -> None:
        into = regs[out]
        if into is None:
            regs[out] = _owned(-regs[g])
        else:
            np.negative(regs[g], out=into)

    return call


def _mean_all(regs: list[Any], out: int, g: int, ans: int, args: Sequence[int], shapes: Shapes) -> Call | None:
    """mean's rule after a mean over everything (a 0-d result): ``np.full(shape, g) / count``."""
    if shapes[-1] != ():
        return None
    shape = shapes[0]
    count = math.prod(shape)

    def call() -> None:
        into, grad = regs[out], regs[g]
        if into is None:
            regs[out] = np.full(shape, grad, dtype=grad.dtype) / count
        else:
            into[...] = grad
            np.divide(into, count, out=into)

    return call


def _softmax_cross_entropy_z(
    regs: list[Any], out: int, g: int, args: Sequence[int], shapes: Shapes, kwargs: dict[str, Any], computed: Computed
) -> Call | None:
    """The logits' rule, ``g (softmax(z) sum(y) - y)``, reading softmax(z) from the forward pass that made it."""
    axis = kwargs.get("axis", -1)
    if shapes[0] != shapes[1] or axis != -1:
        return None
    z, y = args
    probabilities = computed(PRIMITIVES["softmax"], (z,), {"axis": -1})
    if probabilities is None:
        return None
    scratch: list[Any] = [None, None]

    def call() -> None:
        into, p, targets = regs[out], regs[probabilities], regs[y]
        grad = np.expand_dims(regs[g], -1)
        if into is None:
            scratch[0] = _owned(np.sum(targets, axis=-1, keepdims=True))
            scratch[1] = _owned(p * scratch[0] - targets)
            regs[out] = _owned(grad * scratch[1])
        else:
            total, t = scratch
            np.add.reduce(targets, axis=-1, keepdims=True, out=total)
            np.multiply(p, total, out=t)
            np.subtract(t, targets, out=t)
            np.multiply(grad, t, out=into)

    return call


_SPECIAL_RULES: dict[tuple[str, int], Callable[..., Call | None]] = {
    ("add", 0): lambda regs, out, g, ans, args, shapes: _unbroadcast(regs, out, g, shapes, 0),
    ("add", 1): lambda regs, out, g, ans, args, shapes: _unbroadcast(regs, out, g, shapes, 1),
    ("subtract", 0): lambda regs, out, g, ans, args, shapes: _unbroadcast(regs, out, g, shapes, 0),
    ("subtract", 1): _negated,
    ("multiply", 0): lambda regs, out, g, ans, args, shapes: _multiply(regs, out, g, ans, args, shapes, 0),
    ("multiply", 1): lambda regs, out, g, ans, args, shapes: _multiply(regs, out, g, ans, args, shapes, 1),
    ("matmul", 0): _matmul_x,
    ("matmul", 1): _matmul_y,
    ("mean", 0): _mean_all,
    ("relu", 0): _relu_rule,
    ("tanh", 0): _tanh_rule,
    ("sigmoid", 0): _sigmoid_rule,
}
