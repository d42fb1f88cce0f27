"""Values and gradients cross-checked against PyTorch, in float64.

``check_gradients`` compares our gradients with finite differences, which agree
only to about 1e-7. PyTorch is an independent implementation of the same math,
so in float64 the two should agree to rounding error. Five groups are compared:

1. every primitive of the array engine (``PRIMITIVES``), value and vector-Jacobian
   product, including broadcasting and every kind of reduction axis;
2. every standard activation and loss, found through the registry, and the
   cross-entropies on the sigmoid's and softmax's output, computed from the logits;
3. 50 steps of every standard optimizer on a small network;
4. the parameter gradients of the tutorial's three networks on their real data;
5. the gradients of a network of nested residual blocks on the digits, each found by its dotted name.

Each group is driven by a table keyed by name, and a test checks that the table
covers everything registered, so a new primitive or component without a torch
counterpart fails here instead of going unchecked.

Run with ``nox -s crosscheck`` or ``pytest -m crosscheck tests/crosscheck``.
"""
# The torch import must come first so the module skips cleanly without torch;
# the imports after it are therefore not at the top of the file.
# ruff: noqa: E402

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch.nn.functional as F

from smolml_core import (
    MLArray,
    build_network,
    get_registry,
    lookup,
    resolve,
    sigmoid_cross_entropy,
    softmax_cross_entropy,
    where,
)
from smolml_core.array.primitives import PRIMITIVES
from smolml_core.datasets import load_dataset
from smolml_core.registry.loader import installed_entry_points
from smolml_core.registry.registry import Registry

pytestmark = pytest.mark.crosscheck

# Identical math in float64: only the order of floating-point operations
# differs, so values and gradients must agree to a few units in the last place.
RTOL = 1e-12


@pytest.fixture(autouse=True)
def _torch_float64() -> Iterator[None]:
    """Torch computes in float64 during each test (tensors made from numbers included), then as before."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


@pytest.fixture(autouse=True, scope="module")
def _torch_one_thread() -> Iterator[None]:
    """One torch thread: these arrays are tiny, and a thread pool only waits on a busy machine."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


# -- comparing -----------------------------------------------------------------


def largest(x: Any) -> float:
    return float(np.max(np.abs(x), initial=0.0))


def relative_difference(ours: np.ndarray, theirs: np.ndarray, scale: float | None = None) -> float:
    """max |ours - theirs| over the array, relative to ``scale`` (default: the largest |theirs|)."""
    scale = largest(theirs) if scale is None else scale
    error = largest(ours - theirs)
    return error / scale if scale > 0 else error


def assert_close(ours: np.ndarray, theirs: Any, rtol: float, what: str, scale: float | None = None) -> float:
    """Same shape and numbers within ``rtol``; returns the relative difference.

    Elementwise ``|ours - theirs| <= rtol * |theirs| + rtol * scale``, with ``scale``
    the largest |theirs| unless given: the second term judges an entry that
    cancels to nearly zero (a sum of gradients of both signs) against the scale
    of its array rather than against itself.
    """
    if isinstance(theirs, torch.Tensor):
        assert theirs.dtype == torch.float64, f"{what}: torch computed in {theirs.dtype}"
        theirs = theirs.detach().numpy()
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.dtype == np.float64, f"{what}: we computed in {ours.dtype}"
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape}, torch {theirs.shape}"
    scale = largest(theirs) if scale is None else scale
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=rtol * scale, err_msg=what)
    return relative_difference(ours, theirs, scale)


def weights_for(shape: tuple[int, ...]) -> np.ndarray:
    """The fixed random R of sum(out * R): the whole Jacobian is checked, not only the gradient of a sum."""
    return np.random.default_rng(99).normal(size=shape)


def compare_value_and_gradients(
    ours_fn: Callable[..., MLArray],
    theirs_fn: Callable[..., Any],
    inputs: tuple[np.ndarray, ...],
    record: Callable[[str, str, float], None],
    group: str,
    label: str,
    saturated: bool = False,
) -> MLArray:
    """Run both functions on the same inputs; compare the output and d sum(out * R) / d input for each input.

    ``out.backward(grad=R)`` is exactly the gradient of sum(out * R), without
    adding a multiply and a sum to the graph being checked. Returns our output.

    ``saturated``: the inputs drive the function into its flat regions, where a
    gradient entry is what is left after cancellation (1 - tanh(x)^2 near 1,
    softmax's p_i (R_i - sum_j p_j R_j) with p_i near 1), so one ulp of the
    forward value, on either side, moves it by orders of magnitude relative to
    itself and to the array's largest entry. Its absolute error is then judged
    against the incoming gradient max|R|, the size of the terms that cancel.
    The functions marked so have derivatives of at most 1 in size, so every
    correct gradient entry is within a small multiple of max|R|. rtol stays RTOL.
    """
    ours_in = [MLArray(x) for x in inputs]
    theirs_in = [torch.tensor(x, requires_grad=True) for x in inputs]
    out = ours_fn(*ours_in)
    ref = theirs_fn(*theirs_in)
    R = weights_for(out.shape)
    out.backward(grad=R)
    ref.backward(torch.tensor(R))
    record(group, f"{label} value", assert_close(out.data, ref, RTOL, f"{label}: value"))
    grad_scale = largest(R) if saturated else None
    for i, (mine, theirs) in enumerate(zip(ours_in, theirs_in, strict=True)):
        what = f"{label}: gradient of input {i}"
        assert theirs.grad is not None, f"{what}: torch found no gradient"
        difference = assert_close(mine.grad().data, theirs.grad, RTOL, what, scale=grad_scale)
        record(group, f"{label} grad {i}", difference)
    return out


# -- inputs inside each function's domain ----------------------------------------

_RNG = np.random.default_rng(20251125)


def normal(*shape: int, scale: float = 1.0) -> np.ndarray:
    return np.asarray(_RNG.normal(scale=scale, size=shape))


def positive(*shape: int) -> np.ndarray:
    """Log-uniform on [e^-3, e^3]: the domain of log and sqrt, over several orders of magnitude."""
    return np.exp(_RNG.uniform(-3.0, 3.0, size=shape))


def away_from(
    *shape: int,
    points: tuple[float, ...] = (0.0,),
    margin: float = 0.1,
    bound: float = 2.0,
    rng: np.random.Generator = _RNG,
) -> np.ndarray:
    """Uniform on [-bound, bound], at least ``margin`` from each of ``points`` (kinks, poles, clip bounds)."""
    x = rng.uniform(-bound, bound, size=shape)
    while True:
        bad = np.zeros(shape, dtype=bool)
        for p in points:
            bad |= np.abs(x - p) < margin
        if not bad.any():
            return x
        x[bad] = rng.uniform(-bound, bound, size=int(bad.sum()))


def distinct(*shape: int) -> np.ndarray:
    """Values at least 0.2 apart, so max and min have a single winner (ties are a separate rule)."""
    size = int(np.prod(shape))
    return (_RNG.permutation(size) * 0.3 + _RNG.uniform(0.0, 0.1, size=size) - size * 0.15).reshape(shape)


# -- 1. primitives ------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One expression written for our arrays (``ours``) and for torch tensors (``theirs``)."""

    label: str
    inputs: tuple[np.ndarray, ...]
    ours: Callable[..., MLArray]
    theirs: Callable[..., Any]
    saturated: bool = False  # see compare_value_and_gradients
    bug: str | None = None  # a known bug of ours: the case is a strict xfail until it is fixed


def case(
    label: str,
    ours: Callable[..., Any],
    *inputs: np.ndarray,
    theirs: Callable[..., Any] | None = None,
    saturated: bool = False,
    bug: str | None = None,
) -> Case:
    """A case; without ``theirs`` the same expression (operators, shared method names) runs on both."""
    return Case(label, inputs, ours, ours if theirs is None else theirs, saturated, bug)


AXES: list[tuple[Any, bool]] = [
    (None, False),
    (None, True),
    (0, False),
    (-1, False),
    (1, True),
    ((0, 2), False),
    ((0, 2), True),
    ((-1, 0), False),
]


def torch_dims(axis: Any, ndim: int) -> tuple[int, ...]:
    """Torch's ``dim`` for a numpy ``axis``: None means every axis."""
    if axis is None:
        return tuple(range(ndim))
    return axis if isinstance(axis, tuple) else (axis,)


def reduction_cases(method: str, torch_fn: Callable[..., Any], make_input: Callable[..., np.ndarray]) -> list[Case]:
    """``x.method(axis, keepdims)`` on a (2, 3, 4) array for every entry of AXES."""
    return [
        case(
            f"(2,3,4) axis={axis} keepdims={keepdims}",
            lambda a, axis=axis, keepdims=keepdims: getattr(a, method)(axis=axis, keepdims=keepdims),
            make_input(2, 3, 4),
            theirs=lambda a, axis=axis, keepdims=keepdims: torch_fn(a, dim=torch_dims(axis, 3), keepdim=keepdims),
        )
        for axis, keepdims in AXES
    ]


_MASK = _RNG.random((3, 4)) > 0.5
_MASK_COLUMN = np.array([[True], [False], [True]])


def torch_sigmoid_cross_entropy(z: Any, y: Any) -> Any:
    """Per element, from torch's own fused formula. It wants operands of one shape, so they are broadcast first:
    ``broadcast_tensors`` is differentiable, and sums the gradient of a stretched operand back."""
    return F.binary_cross_entropy_with_logits(*torch.broadcast_tensors(z, y), reduction="none")


def torch_softmax_cross_entropy(axis: int = -1) -> Callable[[Any, Any], Any]:
    """-sum(y log softmax(z)) along ``axis``, written with torch's log_softmax."""
    return lambda z, y: -(y * torch.log_softmax(z, dim=axis)).sum(dim=axis)


def _uniform(*shape: int) -> np.ndarray:
    """Soft targets in [0, 1]; along an axis they need not sum to 1."""
    return np.asarray(_RNG.uniform(0.0, 1.0, size=shape))


def _distributions(*shape: int) -> np.ndarray:
    """Probability targets summing to 1 along the last axis."""
    return np.asarray(_RNG.dirichlet(np.ones(shape[-1]), size=shape[:-1]))


def _hard(*shape: int) -> np.ndarray:
    """Targets of exactly 0 and 1."""
    return _RNG.integers(0, 2, size=shape).astype(np.float64)


_CONFIDENT = np.array([[50.0], [-50.0], [50.0], [-50.0]])  # right, wrong, wrong, right for the targets below
_CONFIDENT_TARGETS = np.array([[1.0], [1.0], [0.0], [0.0]])

PRIMITIVE_CASES: dict[str, list[Case]] = {
    "add": [
        case("(3,4) + (4,)", lambda a, b: a + b, normal(3, 4), normal(4)),
        case("(3,1) + (1,4)", lambda a, b: a + b, normal(3, 1), normal(1, 4)),
        case("(2,3,4) + (3,1)", lambda a, b: a + b, normal(2, 3, 4), normal(3, 1)),
        case("() + (2,3)", lambda a, b: a + b, normal(), normal(2, 3)),
        case("number + (3,)", lambda a: 2.5 + a, normal(3)),
    ],
    "subtract": [
        case("(3,4) - (4,)", lambda a, b: a - b, normal(3, 4), normal(4)),
        case("(3,1) - (1,4)", lambda a, b: a - b, normal(3, 1), normal(1, 4)),
        case("number - (3,)", lambda a: 1.5 - a, normal(3)),
    ],
    "multiply": [
        case("(3,4) * (4,)", lambda a, b: a * b, normal(3, 4), normal(4)),
        case("(3,1) * (1,4)", lambda a, b: a * b, normal(3, 1), normal(1, 4)),
        case("(2,3,4) * ()", lambda a, b: a * b, normal(2, 3, 4), normal()),
        case("number * (2,3)", lambda a: -0.75 * a, normal(2, 3)),
    ],
    "divide": [
        case("(3,4) / (4,)", lambda a, b: a / b, normal(3, 4), away_from(4, margin=0.3)),
        case("(3,1) / (1,4)", lambda a, b: a / b, normal(3, 1), away_from(1, 4, margin=0.3)),
        case("number / (3,)", lambda a: 1.0 / a, away_from(3, margin=0.3)),
    ],
    "power": [
        case("positive (3,4) ** (4,)", lambda a, b: a**b, positive(3, 4), normal(4)),
        case("positive (3,1) ** (1,4)", lambda a, b: a**b, positive(3, 1), normal(1, 4)),
        case("(3,4) ** 2.0", lambda a: a**2.0, normal(3, 4)),
        case("(3,4) ** 3", lambda a: a**3, normal(3, 4)),
        case("positive (5,) ** -1.5", lambda a: a**-1.5, positive(5)),
        case("(3,) ** 0.0", lambda a: a**0.0, normal(3)),
        case("2.0 ** (3,4)", lambda a: 2.0**a, normal(3, 4)),
        # Convention at a zero base: d/dy of 0^y is taken as 0 for y >= 0, as torch does.
        case(
            "(4,) with zero bases ** (4,) >= 1",
            lambda a, b: a**b,
            np.array([0.0, 0.5, 2.0, 0.0]),
            np.array([2.0, 1.5, 3.0, 1.0]),
        ),
    ],
    "matmul": [
        case("(3,4) @ (4,5)", lambda a, b: a @ b, normal(3, 4), normal(4, 5)),
        case("(4,) @ (4,5)", lambda a, b: a @ b, normal(4), normal(4, 5)),
        case("(3,4) @ (4,)", lambda a, b: a @ b, normal(3, 4), normal(4)),
        case("(4,) @ (4,)", lambda a, b: a @ b, normal(4), normal(4)),
        case("(2,3,4) @ (4,5)", lambda a, b: a @ b, normal(2, 3, 4), normal(4, 5)),
        case("(2,3,4) @ (2,4,5)", lambda a, b: a @ b, normal(2, 3, 4), normal(2, 4, 5)),
        case("(2,1,3,4) @ (3,4,2)", lambda a, b: a @ b, normal(2, 1, 3, 4), normal(3, 4, 2)),
        case("(2,3,4) @ (4,)", lambda a, b: a @ b, normal(2, 3, 4), normal(4)),
        case("(4,) @ (3,4,5)", lambda a, b: a @ b, normal(4), normal(3, 4, 5)),
        case("(2,) @ (2,2,2)", lambda a, b: a @ b, normal(2), normal(2, 2, 2)),
    ],
    "negative": [
        case("-(3,4)", lambda a: -a, normal(3, 4)),
        case("-()", lambda a: -a, normal()),
    ],
    "exp": [case("(3,4), |x| up to 20", lambda a: a.exp(), normal(3, 4, scale=8.0))],
    "log": [case("(3,4) in [e^-3, e^3]", lambda a: a.log(), positive(3, 4))],
    "sqrt": [case("(3,4) in [e^-3, e^3]", lambda a: a.sqrt(), positive(3, 4))],
    "abs": [
        case("abs((3,4))", lambda a: abs(a), away_from(3, 4)),
        case("(3,4).abs()", lambda a: a.abs(), away_from(3, 4)),
        case("(3,) at 0: sign(0) = 0 on both sides", lambda a: a.abs(), np.array([-1.5, 0.0, 2.0])),
    ],
    "tanh": [
        case("(3,4)", lambda a: a.tanh(), normal(3, 4)),
        # Both sides compute tanh'(x) = 1 - tanh(x)^2 from their own tanh(x), and numpy's
        # and torch's tanh differ by an ulp at some x. Near saturation the subtraction
        # magnifies it: at x = -4.33 one ulp is 3.8e-13 of the largest gradient entry.
        case("(3,4), |x| up to 20", lambda a: a.tanh(), away_from(3, 4, bound=20.0), saturated=True),
    ],
    "sigmoid": [
        case("(3,4)", lambda a: a.sigmoid(), normal(3, 4)),
        case("(3,4), |x| up to 30 (both branches)", lambda a: a.sigmoid(), away_from(3, 4, bound=30.0)),
    ],
    "relu": [
        case("(3,4)", lambda a: a.relu(), away_from(3, 4), theirs=torch.relu),
        case("(3,) at 0: slope 0 on both sides", lambda a: a.relu(), np.array([-1.5, 0.0, 2.0]), theirs=torch.relu),
    ],
    "clip": [
        case(
            "(3,4) into [-0.5, 0.5]",
            lambda a: a.clip(-0.5, 0.5),
            away_from(3, 4, points=(-0.5, 0.5)),
            theirs=lambda a: torch.clamp(a, -0.5, 0.5),
        ),
        case(
            "(3,4) into [0, 1]",
            lambda a: a.clip(0.0, 1.0),
            away_from(3, 4, points=(0.0, 1.0)),
            theirs=lambda a: torch.clamp(a, 0.0, 1.0),
        ),
        case(
            "(4,) exactly on the bounds: the gradient passes on both sides",
            lambda a: a.clip(-0.5, 0.5),
            np.array([-0.5, 0.5, 0.25, 0.75]),
            theirs=lambda a: torch.clamp(a, -0.5, 0.5),
        ),
    ],
    "where": [
        case(
            "mask (3,4), (3,4), (4,)",
            lambda a, b: where(_MASK, a, b),
            normal(3, 4),
            normal(4),
            theirs=lambda a, b: torch.where(torch.tensor(_MASK), a, b),
        ),
        case(
            "mask (3,1), (1,4), (3,4)",
            lambda a, b: where(_MASK_COLUMN, a, b),
            normal(1, 4),
            normal(3, 4),
            theirs=lambda a, b: torch.where(torch.tensor(_MASK_COLUMN), a, b),
        ),
        case(
            "x > 0, x, number",
            lambda a: where(a > 0, a, -1.0),
            away_from(3, 4),
            theirs=lambda a: torch.where(a > 0, a, -1.0),
        ),
    ],
    "sum": reduction_cases("sum", torch.sum, normal),
    "mean": reduction_cases("mean", torch.mean, normal),
    # Ties share the gradient equally in ours and in torch.amax/amin alike.
    "max": [
        *reduction_cases("max", torch.amax, distinct),
        case(
            "ties, axis=1",
            lambda a: a.max(axis=1),
            np.array([[3.0, 1.0, 3.0], [2.0, 2.0, 2.0]]),
            theirs=lambda a: torch.amax(a, dim=1),
        ),
    ],
    "min": [
        *reduction_cases("min", torch.amin, distinct),
        case("ties, all axes", lambda a: a.min(), np.array([[1.0, 4.0], [1.0, 1.0]]), theirs=lambda a: torch.amin(a)),
    ],
    "logsumexp": [
        *reduction_cases("logsumexp", torch.logsumexp, lambda *s: normal(*s, scale=3.0)),
        case(
            "(2,5) axis=1, |x| up to 800",
            lambda a: a.logsumexp(axis=1),
            away_from(2, 5, bound=800.0),
            theirs=lambda a: torch.logsumexp(a, dim=1),
        ),
    ],
    "softmax": [
        case("(3,4)", lambda a: a.softmax(), normal(3, 4), theirs=lambda a: torch.softmax(a, dim=-1)),
        case("(4,)", lambda a: a.softmax(), normal(4), theirs=lambda a: torch.softmax(a, dim=-1)),
        case("(3,4) axis=0", lambda a: a.softmax(axis=0), normal(3, 4), theirs=lambda a: torch.softmax(a, dim=0)),
        case("(2,3,4) axis=1", lambda a: a.softmax(axis=1), normal(2, 3, 4), theirs=lambda a: torch.softmax(a, dim=1)),
        case(
            "(2,3,4) axis=-2",
            lambda a: a.softmax(axis=-2),
            normal(2, 3, 4),
            theirs=lambda a: torch.softmax(a, dim=-2),
        ),
        # Nearly one-hot rows: the gradient is all cancellation, so it is judged against max|R|
        # (see compare_value_and_gradients and ACTIVATION_INPUTS).
        case(
            "(3,4), |x| up to 40",
            lambda a: a.softmax(),
            away_from(3, 4, bound=40.0),
            theirs=lambda a: torch.softmax(a, dim=-1),
            saturated=True,
        ),
        case(
            "(2,5) axis=1, |x| up to 800 (no overflow)",
            lambda a: a.softmax(axis=1),
            away_from(2, 5, bound=800.0),
            theirs=lambda a: torch.softmax(a, dim=1),
            saturated=True,
        ),
    ],
    "sigmoid_cross_entropy": [
        case(
            "(3,4), soft targets",
            sigmoid_cross_entropy,
            normal(3, 4, scale=2.0),
            _uniform(3, 4),
            theirs=torch_sigmoid_cross_entropy,
        ),
        case(
            "(3,4), hard targets, |z| up to 30 (both branches)",
            sigmoid_cross_entropy,
            away_from(3, 4, bound=30.0),
            _hard(3, 4),
            theirs=torch_sigmoid_cross_entropy,
        ),
        case(
            "(4,1), z = +-50, confidently right and wrong",
            sigmoid_cross_entropy,
            _CONFIDENT,
            _CONFIDENT_TARGETS,
            theirs=torch_sigmoid_cross_entropy,
        ),
        case(
            "(3,1) logits, (1,4) targets",
            sigmoid_cross_entropy,
            normal(3, 1, scale=2.0),
            _uniform(1, 4),
            theirs=torch_sigmoid_cross_entropy,
        ),
        case(
            "(2,3) logits, (3,) targets",
            sigmoid_cross_entropy,
            normal(2, 3, scale=2.0),
            _uniform(3),
            theirs=torch_sigmoid_cross_entropy,
        ),
        case(
            "(3,) logits, (2,3) targets",
            sigmoid_cross_entropy,
            normal(3, scale=2.0),
            _uniform(2, 3),
            theirs=torch_sigmoid_cross_entropy,
        ),
        case(
            "(2,3) logits, the number 0.25 as target",
            lambda a: sigmoid_cross_entropy(a, 0.25),
            normal(2, 3, scale=2.0),
            theirs=lambda a: torch_sigmoid_cross_entropy(a, torch.tensor(0.25)),
        ),
    ],
    "softmax_cross_entropy": [
        case(
            "(4,3), distributions as targets",
            softmax_cross_entropy,
            normal(4, 3, scale=2.0),
            _distributions(4, 3),
            theirs=torch_softmax_cross_entropy(),
        ),
        case(
            "(4,3), targets not summing to 1",
            softmax_cross_entropy,
            normal(4, 3, scale=2.0),
            _uniform(4, 3),
            theirs=torch_softmax_cross_entropy(),
        ),
        case(
            "(4,3), one-hot targets, |z| up to 50",
            softmax_cross_entropy,
            away_from(4, 3, bound=50.0),
            np.eye(3)[[0, 2, 1, 2]],
            theirs=torch_softmax_cross_entropy(),
        ),
        case(
            "(3,4) axis=0",
            lambda a, b: softmax_cross_entropy(a, b, axis=0),
            normal(3, 4, scale=2.0),
            _uniform(3, 4),
            theirs=torch_softmax_cross_entropy(0),
        ),
        case(
            "(2,3,4) axis=1",
            lambda a, b: softmax_cross_entropy(a, b, axis=1),
            normal(2, 3, 4, scale=2.0),
            _uniform(2, 3, 4),
            theirs=torch_softmax_cross_entropy(1),
        ),
        case(
            "(2,3,4) axis=-2",
            lambda a, b: softmax_cross_entropy(a, b, axis=-2),
            normal(2, 3, 4, scale=2.0),
            _uniform(2, 3, 4),
            theirs=torch_softmax_cross_entropy(-2),
        ),
        case(
            "(2,3,4) logits, (3,4) targets",
            softmax_cross_entropy,
            normal(2, 3, 4, scale=2.0),
            _uniform(3, 4),
            theirs=torch_softmax_cross_entropy(),
        ),
        case(
            "(3,4) logits, (2,1,4) targets",
            softmax_cross_entropy,
            normal(3, 4, scale=2.0),
            _uniform(2, 1, 4),
            theirs=torch_softmax_cross_entropy(),
        ),
        case(
            "(4,3) logits, (4,1) targets: broadcast along the axis",
            softmax_cross_entropy,
            normal(4, 3, scale=2.0),
            _uniform(4, 1),
            theirs=torch_softmax_cross_entropy(),
        ),
        case(
            "(4,1) logits, (4,3) targets: broadcast along the axis",
            softmax_cross_entropy,
            normal(4, 1, scale=2.0),
            _uniform(4, 3),
            theirs=torch_softmax_cross_entropy(),
        ),
    ],
    "reshape": [
        case("(2,3,4) -> (4,6)", lambda a: a.reshape(4, 6), normal(2, 3, 4)),
        case("(2,3,4) -> (6,-1)", lambda a: a.reshape((6, -1)), normal(2, 3, 4), theirs=lambda a: a.reshape(6, -1)),
        case("(6,) -> (2,1,3)", lambda a: a.reshape(2, 1, 3), normal(6)),
    ],
    "transpose": [
        case("(3,4).T", lambda a: a.T, normal(3, 4)),
        case("(2,3,4).transpose()", lambda a: a.transpose(), normal(2, 3, 4), theirs=lambda a: a.permute(2, 1, 0)),
        case(
            "(2,3,4).transpose(1,0,2)",
            lambda a: a.transpose(1, 0, 2),
            normal(2, 3, 4),
            theirs=lambda a: a.permute(1, 0, 2),
        ),
        case(
            "(2,3,4).transpose((2,0,1))",
            lambda a: a.transpose((2, 0, 1)),
            normal(2, 3, 4),
            theirs=lambda a: a.permute(2, 0, 1),
        ),
        case(
            "(2,3,4).transpose(0,-1,1)",
            lambda a: a.transpose(0, -1, 1),
            normal(2, 3, 4),
            theirs=lambda a: a.permute(0, -1, 1),
        ),
        case(
            "(2,3,4).transpose(-1,0,1)",
            lambda a: a.transpose(-1, 0, 1),
            normal(2, 3, 4),
            theirs=lambda a: a.permute(-1, 0, 1),
        ),
    ],
    "getitem": [
        case("[1]", lambda a: a[1], normal(3, 4)),
        case("[:, 1]", lambda a: a[:, 1], normal(3, 4)),
        case("[1, 2]", lambda a: a[1, 2], normal(3, 4)),
        case("[-1, -2:]", lambda a: a[-1, -2:], normal(3, 4)),
        case("[[0, 2], 1:] (advanced and basic)", lambda a: a[[0, 2], 1:], normal(3, 4)),
        case("[..., ::2]", lambda a: a[..., ::2], normal(2, 3, 4)),
        case("[None, 1:]", lambda a: a[None, 1:], normal(3, 4)),
        case("[[0, 0, 2]] (repeated)", lambda a: a[[0, 0, 2]], normal(3, 4)),
        case("[[0, 2], [1, 1]]", lambda a: a[[0, 2], [1, 1]], normal(3, 4)),
        case(
            "[int array (2,2)]",
            lambda a: a[np.array([[0, 1], [2, 0]])],
            normal(3, 4),
            theirs=lambda a: a[torch.tensor([[0, 1], [2, 0]])],
        ),
        case("[MLArray index]", lambda a: a[MLArray([2.0, 0.0, 2.0])], normal(3, 4), theirs=lambda a: a[[2, 0, 2]]),
        case("[bool mask]", lambda a: a[_MASK], normal(3, 4), theirs=lambda a: a[torch.tensor(_MASK)]),
    ],
}

PRIMITIVE_PARAMS = [
    pytest.param(
        name,
        c,
        id=f"{name}: {c.label}",
        marks=[pytest.mark.xfail(reason=c.bug, strict=True, raises=AssertionError)] if c.bug else [],
    )
    for name, cases in PRIMITIVE_CASES.items()
    for c in cases
]


def test_every_primitive_has_torch_cases() -> None:
    """A primitive added to the table without a torch case fails here, instead of going unchecked."""
    assert set(PRIMITIVE_CASES) == set(PRIMITIVES), (
        f"primitives without torch cases: {sorted(set(PRIMITIVES) - set(PRIMITIVE_CASES))}; "
        f"cases for no primitive: {sorted(set(PRIMITIVE_CASES) - set(PRIMITIVES))}"
    )
    assert all(PRIMITIVE_CASES.values())


def outermost_primitive(out: MLArray) -> str:
    """The primitive that made ``out``, read from its graph node (``Node``: primitive, inputs, parents, kwargs).

    A private detail, read only to prove each case is filed under the primitive it exercises.
    """
    assert out._node is not None, "the result was not recorded"
    return out._node.primitive.name


@pytest.mark.parametrize(("name", "c"), PRIMITIVE_PARAMS)
def test_primitive_matches_torch(name: str, c: Case, record_difference) -> None:
    """Value and vjp of each primitive, through the public MLArray API, against the same torch expression."""
    assert outermost_primitive(c.ours(*(MLArray(x) for x in c.inputs))) == name, (
        "the case applies another primitive last"
    )
    label = f"{name} {c.label}"
    record = (lambda *_: None) if c.bug else record_difference  # a known bug's figures would mislead the summary
    compare_value_and_gradients(c.ours, c.theirs, c.inputs, record, "primitives", label, c.saturated)


# -- 2. activations and losses, through the registry ---------------------------------

# Registered name -> the same function in torch, with our default parameters.
TORCH_ACTIVATIONS: dict[str, Callable[[Any], Any]] = {
    "relu": torch.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, negative_slope=0.01),
    "elu": lambda x: F.elu(x, alpha=1.0),
    "sigmoid": torch.sigmoid,
    "softmax": lambda x: torch.softmax(x, dim=-1),
    "tanh": torch.tanh,
    "linear": lambda x: x,
}

# Non-default parameters, given as a registry table.
ACTIVATION_VARIANTS: list[tuple[str, dict[str, Any], Callable[[Any], Any]]] = [
    ("leaky_relu", {"alpha": 0.2}, lambda x: F.leaky_relu(x, negative_slope=0.2)),
    ("elu", {"alpha": 0.5}, lambda x: F.elu(x, alpha=0.5)),
    ("softmax", {"axis": 0}, lambda x: torch.softmax(x, dim=0)),
]

# label -> (x, saturated), from their own generator. The random inputs keep 0.1
# from 0, where relu, leaky_relu and elu have a corner. The wide ones saturate
# sigmoid, tanh and softmax, so their gradients are judged against the incoming
# gradient (see compare_value_and_gradients). Softmax needs it most: when every
# row is nearly one-hot, its whole gradient is ~1e-14 and made of cancellation.
# Over 200 draws of such inputs, ours and torch's gradients differed by up to 4%
# of their own largest entry, but never by more than 3.4e-15 of max|R|. Against
# 60-digit arithmetic our error reached 3.4e-15 of max|R| and torch's 1.2e-16:
# ours computes exp(x - logsumexp(x)), whose exponent carries an absolute
# rounding error of ulp(40) ~ 7e-15, where torch's exp(x - max) / sum does not.
_ACTIVATION_RNG = np.random.default_rng(40)
ACTIVATION_INPUTS: dict[str, tuple[np.ndarray, bool]] = {
    "(5,4) in [-3, 3]": (away_from(5, 4, bound=3.0, rng=_ACTIVATION_RNG), False),
    "(3,4) in [-40, 40]": (away_from(3, 4, bound=40.0, rng=_ACTIVATION_RNG), True),
    # At the corner x = 0 both sides take the same one-sided derivative (relu 0,
    # leaky_relu alpha, elu alpha).
    "(2,3) with zeros": (np.array([[0.0, -1.0, 1.0], [0.0, 0.5, -0.5]]), False),
}

BCE_EPSILON = 1e-15  # our default in float64
CCE_EPSILON = 1e-15


def torch_bce(p: Any, y: Any, epsilon: float = BCE_EPSILON) -> Any:
    """Binary cross-entropy written out with our clipping (F.binary_cross_entropy clamps log at -100 instead)."""
    p = torch.clamp(p, epsilon, 1 - epsilon)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()


def torch_cce(p: Any, y: Any, epsilon: float = CCE_EPSILON) -> Any:
    """Categorical cross-entropy on probabilities, written out with our clipping: mean over rows of -sum y log p."""
    return -(y * torch.log(torch.clamp(p, epsilon, 1.0))).sum(dim=-1).mean()


TORCH_LOSSES: dict[str, Callable[[Any, Any], Any]] = {
    "mse_loss": F.mse_loss,
    "mae_loss": F.l1_loss,
    "huber_loss": lambda p, y: F.huber_loss(p, y, delta=1.0),
    "binary_cross_entropy": torch_bce,
    "categorical_cross_entropy": torch_cce,
}

LOSS_VARIANTS: list[tuple[str, dict[str, Any], Callable[[Any, Any], Any]]] = [
    ("huber_loss", {"delta": 0.5}, lambda p, y: F.huber_loss(p, y, delta=0.5)),
    ("binary_cross_entropy", {"epsilon": 0.05}, lambda p, y: torch_bce(p, y, epsilon=0.05)),
    ("categorical_cross_entropy", {"epsilon": 0.05}, lambda p, y: torch_cce(p, y, epsilon=0.05)),
]


def _probabilities(rows: int, classes: int) -> np.ndarray:
    return _RNG.dirichlet(np.ones(classes), size=rows)


def _one_hot(rows: int, classes: int) -> np.ndarray:
    return np.eye(classes)[_RNG.integers(0, classes, size=rows)]


def _regression_pair(rows: int, cols: int, avoid: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Predictions and targets whose difference stays 0.1 away from ``avoid`` (the loss's kinks, both signs)."""
    target = normal(rows, cols)
    points = tuple(sorted({s * a for a in avoid for s in (1.0, -1.0)}))
    return target + away_from(rows, cols, points=points, bound=3.0), target


# Loss inputs per registered name: (label, predictions, targets). Gradients are taken
# with respect to both, since our losses are composed and either may need one.
LOSS_INPUTS: dict[str, list[tuple[str, np.ndarray, np.ndarray]]] = {
    "mse_loss": [("(6,3)", *_regression_pair(6, 3, ()))],
    "mae_loss": [("(6,3), |d| >= 0.1", *_regression_pair(6, 3, (0.0,)))],
    "huber_loss": [("(6,3), |d| 0.1 from 0, 0.5 and 1", *_regression_pair(6, 3, (0.0, 0.5, 1.0)))],
    "binary_cross_entropy": [
        ("(8,1) in [0.06, 0.94]", _RNG.uniform(0.06, 0.94, size=(8, 1)), _RNG.integers(0, 2, (8, 1)).astype(float)),
        ("(3,2) soft targets", _RNG.uniform(0.1, 0.9, size=(3, 2)), _RNG.uniform(0.0, 1.0, size=(3, 2))),
        (
            "(4,1) exactly 0 and 1 (clipped)",
            np.array([[0.0], [1.0], [0.0], [1.0]]),
            np.array([[0.0], [1.0], [1.0], [0.0]]),
        ),
    ],
    "categorical_cross_entropy": [
        ("(6,3) one-hot", _probabilities(6, 3), _one_hot(6, 3)),
        (
            "(2,3) zero probabilities (clipped)",
            np.array([[0.0, 0.3, 0.7], [0.5, 0.5, 0.0]]),
            np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]),
        ),
    ],
}


def _standard_names(kind: str) -> set[str]:
    """Registered names (not aliases) of the standard plugin's components of ``kind``, one per component."""
    return {c.name for c in get_registry().components(kind) if c.plugin == "std"}


def _names_for_parametrize(kind: str) -> list[str]:
    """The same names at collection time, before the per-test registry fixture exists."""
    registry = Registry(entry_points=installed_entry_points())
    return sorted(c.name for c in registry.components(kind) if c.plugin == "std")


@pytest.mark.parametrize(("kind", "table"), [("activation", TORCH_ACTIVATIONS), ("loss", TORCH_LOSSES)])
def test_every_standard_component_has_a_torch_counterpart(kind: str, table: dict[str, Any]) -> None:
    """A component registered without an entry here fails, so it cannot skip the cross-check."""
    assert set(table) == _standard_names(kind)


@pytest.mark.parametrize("kind", ["activation", "loss", "optimizer"])
def test_aliases_find_the_checked_objects(kind: str) -> None:
    """Each alias finds the very object checked under its name, so checking names covers every alias."""
    for component in get_registry().components(kind):
        for alias in component.aliases:
            assert lookup(kind, alias) is component.obj, f"{kind} alias {alias!r}"


def test_every_loss_has_inputs() -> None:
    """A loss with a torch counterpart but no inputs would be skipped silently."""
    assert set(LOSS_INPUTS) == set(TORCH_LOSSES)


ACTIVATION_PARAMS = [
    *(
        pytest.param(name, {}, TORCH_ACTIVATIONS.get(name), label, id=f"{name}: {label}")
        for name in _names_for_parametrize("activation")
        for label in ACTIVATION_INPUTS
    ),
    *(
        pytest.param(name, params, fn, label, id=f"{name} {params}: {label}")
        for name, params, fn in ACTIVATION_VARIANTS
        for label in ACTIVATION_INPUTS
    ),
]


@pytest.mark.parametrize(("name", "params", "theirs", "inputs"), ACTIVATION_PARAMS)
def test_activation_matches_torch(name: str, params: dict, theirs: Any, inputs: str, record_difference) -> None:
    """Each registered activation, resolved by name, against torch's function: value and vjp."""
    if theirs is None:
        pytest.fail(f"activation {name!r} has no torch counterpart in TORCH_ACTIVATIONS")
    ours = resolve("activation", {"type": name, **params})
    x, saturated = ACTIVATION_INPUTS[inputs]
    label = f"{name} {params} {inputs}"
    compare_value_and_gradients(ours, theirs, (x,), record_difference, "activations", label, saturated)


LOSS_PARAMS = [
    *(
        pytest.param(name, {}, TORCH_LOSSES.get(name), pred, true, id=f"{name}: {label}")
        for name in _names_for_parametrize("loss")
        for label, pred, true in LOSS_INPUTS.get(name, [("no inputs", None, None)])
    ),
    *(
        pytest.param(name, params, fn, pred, true, id=f"{name} {params}: {label}")
        for name, params, fn in LOSS_VARIANTS
        for label, pred, true in LOSS_INPUTS[name]
    ),
]


@pytest.mark.parametrize(("name", "params", "theirs", "pred", "true"), LOSS_PARAMS)
def test_loss_matches_torch(name: str, params: dict, theirs: Any, pred: Any, true: Any, record_difference) -> None:
    """Each registered loss, resolved by name, against torch: value and gradient for predictions and targets."""
    if theirs is None or pred is None:
        pytest.fail(f"loss {name!r} has no torch counterpart or no inputs")
    ours = resolve("loss", {"type": name, **params})
    compare_value_and_gradients(ours, theirs, (pred, true), record_difference, "losses", f"{name} {params}")


# The standard cross-entropies on the standard sigmoid and softmax take the fused path: the loss is computed from
# the logits. Torch's own fused losses are the reference, on the logits; its cross_entropy takes probabilities as
# targets. Logits of +-50 put the probabilities beyond the clipping's reach (sigmoid(50) rounds to 1): there the
# clipped formula gave a loss of -ln(1e-15) and no gradient, and the fused one must agree with torch.
FUSED_LOSSES: dict[str, tuple[str, str, dict[str, Any], Callable[[Any, Any], Any]]] = {
    "binary_cross_entropy": ("sigmoid", "sigmoid_cross_entropy", {}, F.binary_cross_entropy_with_logits),
    "categorical_cross_entropy": ("softmax", "softmax_cross_entropy", {"axis": -1}, F.cross_entropy),
}

FUSED_LOSS_INPUTS: dict[str, list[tuple[str, np.ndarray, np.ndarray]]] = {
    "binary_cross_entropy": [
        ("(8,1) hard targets", normal(8, 1, scale=3.0), _hard(8, 1)),
        ("(3,2) soft targets", normal(3, 2, scale=3.0), _uniform(3, 2)),
        ("(4,1) z = +-50, confidently right and wrong", _CONFIDENT, _CONFIDENT_TARGETS),
    ],
    "categorical_cross_entropy": [
        ("(6,3) one-hot", normal(6, 3, scale=3.0), np.eye(3)[[0, 1, 2, 2, 1, 0]]),
        ("(4,3) distributions as targets", normal(4, 3, scale=3.0), _distributions(4, 3)),
        (
            "(3,3) z = +-50, confidently right and wrong",
            np.array([[50.0, -50.0, 0.0], [50.0, -50.0, 0.0], [-50.0, 0.0, 50.0]]),
            np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]),
        ),
    ],
}


FUSED_LOSS_PARAMS = [
    pytest.param(name, label, z, y, id=f"{name}: {label}")
    for name, inputs in FUSED_LOSS_INPUTS.items()
    for label, z, y in inputs
]


def test_every_fused_loss_has_inputs() -> None:
    """A fused loss without inputs would be skipped silently."""
    assert set(FUSED_LOSS_INPUTS) == set(FUSED_LOSSES)
    assert all(FUSED_LOSS_INPUTS.values())


@pytest.mark.parametrize(("name", "label", "z", "y"), FUSED_LOSS_PARAMS)
def test_fused_loss_matches_torch(name: str, label: str, z: np.ndarray, y: np.ndarray, record_difference) -> None:
    """loss(activation(z), y) on the fused path against torch's loss on the logits: value and gradient w.r.t. z."""
    activation, fused, params, theirs = FUSED_LOSSES[name]
    activate, loss = lookup("activation", activation), lookup("loss", name)

    def ours(logits: MLArray) -> MLArray:
        probabilities = activate(logits)
        assert probabilities.made_by(activation, **params) is logits, f"{activation} did not record its logits"
        out = loss(probabilities, y)
        unaveraged = out.made_by("mean")
        assert unaveraged is not None and unaveraged.made_by(fused) is logits, f"{name} did not take the fused path"
        return out

    compare_value_and_gradients(
        ours, lambda logits: theirs(logits, torch.tensor(y)), (z,), record_difference, "losses", f"{name} fused {label}"
    )


# -- 3. optimizers: 50 steps on a small network ----------------------------------------

STEPS = 50


def torch_optimizer(make: Callable[..., Any]) -> Callable[[list[Any]], Callable[[], None]]:
    """A stepper from a torch.optim class: its step() after each backward."""
    return lambda params: make(params).step


def torch_sgd_momentum(lr: float, beta: float) -> Callable[[list[Any]], Callable[[], None]]:
    """Our momentum rule, by hand: v <- beta*v + lr*g; theta <- theta - v.

    torch.optim.SGD(momentum=beta) keeps v' <- beta*v' + g and steps lr*v'. That
    is v = lr*v' in exact arithmetic, but it rounds differently, so the rule is
    written out here to compare the same operations.
    """

    def make(params: list[Any]) -> Callable[[], None]:
        velocities = [torch.zeros_like(p) for p in params]

        @torch.no_grad()
        def step() -> None:
            for p, v in zip(params, velocities, strict=True):
                v.mul_(beta).add_(lr * p.grad)
                p.sub_(v)

        return step

    return make


def torch_adagrad(lr: float, epsilon: float) -> Callable[[list[Any]], Callable[[], None]]:
    """Our AdaGrad rule, by hand: G <- G + g^2; theta <- theta - lr * g / sqrt(G + epsilon).

    torch.optim.Adagrad divides by sqrt(G) + epsilon instead: a different rule
    (noticeably so while G is small), so torch only computes the gradients here.
    """

    def make(params: list[Any]) -> Callable[[], None]:
        sums = [torch.zeros_like(p) for p in params]

        @torch.no_grad()
        def step() -> None:
            for p, G in zip(params, sums, strict=True):
                G.add_(p.grad * p.grad)
                p.sub_(lr * p.grad / torch.sqrt(G + epsilon))

        return step

    return make


# Registered name -> (our parameters, torch stepper implementing the same rule).
# SGD and Adam are torch.optim's own: their update rules are ours.
TORCH_OPTIMIZERS: dict[str, tuple[dict[str, Any], Callable[[list[Any]], Callable[[], None]]]] = {
    "sgd": ({"learning_rate": 0.1}, torch_optimizer(lambda ps: torch.optim.SGD(ps, lr=0.1))),
    "sgd_momentum": (
        {"learning_rate": 0.05, "momentum_coefficient": 0.9},
        torch_sgd_momentum(lr=0.05, beta=0.9),
    ),
    "adagrad": ({"learning_rate": 0.1, "epsilon": 1e-8}, torch_adagrad(lr=0.1, epsilon=1e-8)),
    "adam": (
        {"learning_rate": 0.01, "exp_decay_gradients": 0.9, "exp_decay_squared": 0.999, "epsilon": 1e-8},
        torch_optimizer(lambda ps: torch.optim.Adam(ps, lr=0.01, betas=(0.9, 0.999), eps=1e-8)),
    ),
}

# Each step's rounding differences feed the next step's weights, yet on this smooth
# problem the 50-step trajectories stay within a few ulps (measured: 1.6e-15), so
# the same tight bound as single evaluations applies.
TRAJECTORY_RTOL = RTOL


def test_every_standard_optimizer_has_a_torch_counterpart() -> None:
    """An optimizer registered without an entry here fails, so it cannot skip the cross-check."""
    assert set(TORCH_OPTIMIZERS) == _standard_names("optimizer")


def regression_problem() -> tuple[np.ndarray, np.ndarray]:
    """32 fixed points in the plane and a smooth target, y = sin(2 x0) + x0 x1 / 2."""
    rng = np.random.default_rng(7)
    X = rng.uniform(-1.5, 1.5, size=(32, 2))
    y = np.sin(2 * X[:, :1]) + 0.5 * X[:, :1] * X[:, 1:]
    return X, y


def dense_config(sizes: list[tuple[int, int, str]]) -> list[dict[str, Any]]:
    return [{"type": "dense", "input_size": i, "output_size": o, "activation_function": a} for i, o, a in sizes]


SMALL_NETWORK = [(2, 8, "tanh"), (8, 1, "linear")]  # smooth, so no kink can amplify rounding


def torch_copy(model: Any, sizes: list[tuple[int, int, str]]) -> tuple[list[Any], Callable[[Any], Any]]:
    """Torch leaves holding copies of each layer's weights and biases, and the forward pass using them."""
    params = [
        torch.tensor(layer.parameters()[name].data.copy(), requires_grad=True)
        for layer in model.layers
        for name in ("weights", "biases")
    ]

    def forward(X: Any) -> Any:
        for k, (_, _, activation) in enumerate(sizes):
            X = TORCH_ACTIVATIONS[activation](X @ params[2 * k] + params[2 * k + 1])
        return X

    return params, forward


def trajectories(name: str, params: dict[str, Any], make_stepper: Callable[[list[Any]], Callable[[], None]]) -> Any:
    """Train our small network and its torch copy side by side for STEPS full-batch steps.

    Returns (our losses, torch's losses, our final parameters, torch's final parameters);
    each loss is the one computed before that step's update, as ``train`` reports it.
    """
    X, y = regression_problem()
    model = build_network(
        {"layers": dense_config(SMALL_NETWORK), "loss_function": "mse", "optimizer": {"type": name, **params}}
    )
    weights, forward = torch_copy(model, SMALL_NETWORK)
    step = make_stepper(weights)

    ours = model.train(X, y, epochs=STEPS, verbose=False)

    X_t, y_t = torch.tensor(X), torch.tensor(y)
    theirs = []
    for _ in range(STEPS):
        for w in weights:
            w.grad = None
        loss = F.mse_loss(forward(X_t), y_t)
        theirs.append(loss.item())
        loss.backward()
        step()
    final = [p.data for layer in model.layers for p in layer.parameters().values()]
    return np.array(ours), np.array(theirs), final, weights


@pytest.mark.parametrize("name", _names_for_parametrize("optimizer"))
def test_optimizer_trajectory_matches_torch(name: str, record_difference) -> None:
    """The loss at each of 50 full-batch steps, and the final weights, against torch applying the same rule."""
    if name not in TORCH_OPTIMIZERS:
        pytest.fail(f"optimizer {name!r} has no torch counterpart in TORCH_OPTIMIZERS")
    ours, theirs, final, weights = trajectories(name, *TORCH_OPTIMIZERS[name])

    assert ours[-1] < ours[0] / 2, "the problem should make real progress, or the comparison shows little"
    what = f"{name}: loss per step"
    record_difference("optimizers", f"{name} losses", assert_close(ours, theirs, TRAJECTORY_RTOL, what))
    for i, (mine, w) in enumerate(zip(final, weights, strict=True)):
        what = f"{name}: final parameter {i}"
        record_difference("optimizers", f"{name} parameter {i}", assert_close(mine, w, TRAJECTORY_RTOL, what))


def test_momentum_is_torch_sgd_momentum_up_to_rounding(record_difference) -> None:
    """Our v <- b*v + lr*g is torch's v' <- b*v' + g scaled by lr: the same trajectory, rounded differently.

    This backs the claim in ``torch_sgd_momentum``. (AdaGrad has no such twin:
    torch.optim.Adagrad's sqrt(G) + eps moves the same losses by ~3e-5 here.)
    """
    params, _ = TORCH_OPTIMIZERS["sgd_momentum"]
    lr, beta = params["learning_rate"], params["momentum_coefficient"]
    stepper = torch_optimizer(lambda ps: torch.optim.SGD(ps, lr=lr, momentum=beta))
    ours, theirs, _, _ = trajectories("sgd_momentum", params, stepper)
    what = "sgd_momentum vs torch.optim.SGD(momentum): loss per step"
    record_difference("optimizers", "sgd_momentum vs torch.optim.SGD", assert_close(ours, theirs, RTOL, what))


# -- 4. the tutorial's networks: every parameter's gradient on the real data -------------

# Layer sizes, activations and losses as docs/tutorial.md builds them.
TUTORIAL_NETWORKS: dict[str, tuple[list[tuple[int, int, str]], str]] = {
    "xor": ([(2, 16, "relu"), (16, 1, "tanh")], "mse_loss"),
    "moons": ([(2, 16, "relu"), (16, 8, "relu"), (8, 1, "sigmoid")], "binary_cross_entropy"),
    "iris": ([(4, 16, "relu"), (16, 8, "relu"), (8, 3, "softmax")], "categorical_cross_entropy"),
}


@pytest.mark.parametrize("name", sorted(TUTORIAL_NETWORKS))
def test_tutorial_network_gradients_match_torch(name: str, record_difference) -> None:
    """One forward/backward pass of each tutorial network on its dataset: loss and every parameter's gradient."""
    sizes, loss_name = TUTORIAL_NETWORKS[name]
    X, y = load_dataset(name)
    model = build_network({"layers": dense_config(sizes), "loss_function": loss_name})
    weights, forward = torch_copy(model, sizes)

    loss = model.loss_function(model.forward(X), MLArray(y, requires_grad=False))
    loss.backward()
    ref = TORCH_LOSSES[loss_name](forward(torch.tensor(X)), torch.tensor(y))
    ref.backward()

    record_difference("tutorial", f"{name} loss", assert_close(loss.data, ref, RTOL, f"{name}: loss"))
    index = 0
    for k, layer in enumerate(model.layers):
        for pname, param in layer.parameters().items():
            what = f"{name}: layer {k} {pname} gradient"
            grad = weights[index].grad
            index += 1
            assert grad is not None, f"{what}: torch found no gradient"
            record_difference(
                "tutorial", f"{name} layer {k} {pname}", assert_close(param.grad().data, grad, RTOL, what)
            )
    assert index == len(weights)


# -- 5. a network with skip connections: nested parameters, by their dotted names ----------

RESIDUAL_NETWORK: dict[str, Any] = {
    "layers": [
        {"type": "dense", "input_size": 64, "output_size": 32, "activation_function": "relu"},
        {
            "type": "residual",
            "layer": {
                "type": "sequential",
                "layers": [
                    {"type": "dense", "output_size": 32, "activation_function": "relu"},
                    {"type": "dense", "output_size": 32, "activation_function": "tanh"},
                ],
            },
        },
        {"type": "residual", "layer": {"type": "dense", "output_size": 16, "activation_function": "tanh"}},
        {"type": "dense", "output_size": 10, "activation_function": "softmax"},
    ],
    "loss_function": "categorical_cross_entropy",
}


def test_residual_network_gradients_match_torch(record_difference) -> None:
    """Two residual blocks (one a sequential inside, one projected to a narrower width) on the digits.

    The torch model is written out by hand from the same weights, looked up by
    their dotted names, so a name that points at the wrong array fails here too.
    """
    X, y = load_dataset("digits")
    model = build_network(RESIDUAL_NETWORK)
    named = model.named_parameters()
    assert "layers.2.projection.weights" in named  # 32 -> 16: the skip is projected
    leaves = {name: torch.tensor(param.numpy(), requires_grad=True) for name, param in named.items()}

    def dense(x: Any, at: str, activation: str) -> Any:
        return TORCH_ACTIVATIONS[activation](x @ leaves[f"{at}.weights"] + leaves[f"{at}.biases"])

    def forward(x: Any) -> Any:
        x = dense(x, "layers.0", "relu")
        x = x + dense(dense(x, "layers.1.layer.layers.0", "relu"), "layers.1.layer.layers.1", "tanh")
        x = dense(x, "layers.2.projection", "linear") + dense(x, "layers.2.layer", "tanh")
        return dense(x, "layers.3", "softmax")

    loss = model.loss_function(model.forward(X), MLArray(y, requires_grad=False))
    loss.backward()
    ref = TORCH_LOSSES["categorical_cross_entropy"](forward(torch.tensor(X)), torch.tensor(y))
    ref.backward()

    record_difference("residual", "loss", assert_close(loss.data, ref, RTOL, "residual network: loss"))
    for name, param in named.items():
        grad = leaves[name].grad
        assert grad is not None, f"{name}: torch found no gradient"
        what = f"residual network: {name} gradient"
        record_difference("residual", name, assert_close(param.grad().data, grad, 1e-10, what))
