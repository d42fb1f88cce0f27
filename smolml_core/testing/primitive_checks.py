"""The kit's checks for primitives: vjps against finite differences, over the shapes the primitive accepts.

A primitive is registered with an example of its inputs::

    register("conv2d", conv2d_op, example={"inputs": [(2, 3, 5, 5), (4, 3, 3, 3)], "kwargs": {"stride": 2}})

``inputs`` gives one entry per positional argument: a shape, for which the
kit draws random float64 numbers, or, where the rule is ``CONSTANT`` (an
index, a mask), the argument itself. ``kwargs`` are passed to every call.
``domain`` (optional, ``[low, high]``) is where the numbers are drawn from,
for a forward defined on part of the line only (a logarithm); by default they
are 0.1 <= |x| <= 2 with random signs, away from the kinks of relu-like rules.

From the example the kit derives more shapes, changing one argument at a
time: each axis set to 1 or grown by one, and leading axes dropped. Those the
forward accepts (it returns without raising) are checked too, so every
broadcast the primitive accepts gets its vjp checked, and a vjp that forgot to
sum a broadcast back fails on the gradient's shape.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

import smolml_core.testing.domains as domains

from ..array import CONSTANT, ENGINES, MLArray, Operation
from ..errors import GraphError
from .gradients import check_gradients
from .subject import NotApplicable, Problem, Subject, guarded

__all__ = ["Case", "cases", "gradients", "operation_of", "probe", "sanity"]

MAX_CASES = 24
"""At most this many cases (the example and the shapes derived from it) are checked on the array engine."""

_EXAMPLE_FIX = (
    "register it with example={'inputs': [shape, ...], 'kwargs': {...}}: one shape per positional argument "
    "(or the value itself, for a CONSTANT argument), e.g. example={'inputs': [(2, 3), (3,)]}"
)
_VJP_FIX = (
    "make vjp i return the gradient for argument i, shaped like that argument: g times the derivative of the "
    "output with respect to it, summed back over broadcast axes with smolml_core.unbroadcast(g, np.shape(x))"
)


@dataclass(frozen=True)
class Case:
    """One set of arguments for the operation: numpy arrays where it differentiates, constants elsewhere."""

    args: tuple[Any, ...]
    kwargs: Mapping[str, Any]
    differentiable: tuple[int, ...]
    """The positions of the arguments with a vjp, whose gradients are checked."""
    domain: tuple[float, float] | None = None
    """Where the numbers were drawn from; None: 0.1 <= |x| <= 2, random signs."""

    def describe(self) -> str:
        shapes = ", ".join(str(np.shape(a)) if i in self.differentiable else repr(a) for i, a in enumerate(self.args))
        settings = "".join(f", {key}={value!r}" for key, value in self.kwargs.items())
        return f"arguments of shapes ({shapes}{settings})"


def operation_of(subject: Subject) -> Operation:
    """The registered operation, checked to be one ``smolml_core.primitive`` made."""
    op = subject.build()
    if not isinstance(op, Operation):
        raise Problem(
            f"{op!r} is not an operation made by smolml_core.primitive",
            "register the result of primitive(name, forward, *vjps)",
        )
    return op


def cases(subject: Subject, op: Operation) -> list[Case]:
    """The example's case first, then each derived one the forward accepts, at most ``MAX_CASES``."""
    first = _example_case(subject, op)
    found = [first]
    for args in _variants(first):
        if len(found) >= MAX_CASES:
            break
        try:
            op.forward(*args, **first.kwargs)
        except Exception:  # a shape the forward refuses is not a case
            continue
        found.append(Case(args, first.kwargs, first.differentiable, first.domain))
    return found


def _example_case(subject: Subject, op: Operation) -> Case:
    params = subject.params
    inputs = params.get("inputs")
    if not isinstance(inputs, Sequence) or isinstance(inputs, str):
        raise Problem(f"the kit needs example inputs, and it was given {dict(params)!r}", _EXAMPLE_FIX)
    kwargs = params.get("kwargs") or {}
    if not isinstance(kwargs, Mapping):
        raise Problem(f"the example's kwargs must be a dict, not {kwargs!r}", _EXAMPLE_FIX)
    domain = _domain(params.get("domain"))
    rules = op.vjps
    differentiable = tuple(i for i in range(len(inputs)) if i < len(rules) and callable(rules[i]))
    args: list[Any] = []
    for i, entry in enumerate(inputs):
        if i < len(rules) and rules[i] is CONSTANT:
            args.append(entry)
        elif not _is_shape(entry):
            raise Problem(f"example input {i} should be a shape such as (2, 3), not {entry!r}", _EXAMPLE_FIX)
        else:
            args.append(_draw(tuple(entry), domain, seed=domains.SEED + i))
    return Case(tuple(args), dict(kwargs), differentiable, domain)


def _domain(domain: Any) -> tuple[float, float] | None:
    if domain is None:
        return None
    try:
        low, high = (float(bound) for bound in domain)
    except (TypeError, ValueError):
        raise Problem(f"the example's domain must be [low, high], not {domain!r}", _EXAMPLE_FIX) from None
    return low, high


def _is_shape(entry: Any) -> bool:
    return isinstance(entry, (tuple, list)) and all(isinstance(n, int) and n >= 1 for n in entry)


def _draw(shape: tuple[int, ...], domain: tuple[float, float] | None, seed: int) -> np.ndarray:
    if domain is None:
        return domains.away_from_kinks(shape, seed)
    return np.random.default_rng(seed).uniform(*domain, size=shape)


def _variants(case: Case) -> Iterator[tuple[Any, ...]]:
    """The case's arguments with one differentiable argument reshaped: an axis to 1 or +1, leading axes dropped."""
    for i in case.differentiable:
        shape = np.shape(case.args[i])
        shapes = [shape[k:] for k in range(1, len(shape) + 1)]
        shapes += [(*shape[:k], 1, *shape[k + 1 :]) for k in range(len(shape)) if shape[k] != 1]
        shapes += [(*shape[:k], shape[k] + 1, *shape[k + 1 :]) for k in range(len(shape))]
        for new in shapes:
            args = list(case.args)
            args[i] = _draw(new, case.domain, seed=domains.SEED + 10 + i)
            yield tuple(args)


# -- the checks --------------------------------------------------------------------


def sanity(subject: Subject) -> None:
    """It runs on its example: an ``MLArray`` of finite numbers; float32 in gives float32 out, gradients too.

    A primitive declared ``NO_SCALAR`` must refuse the scalar engine with a
    ``GraphError`` naming it.
    """
    op = operation_of(subject)
    case = _example_case(subject, op)
    out = guarded(f"calling it on {case.describe()}", lambda: op(*_arrays(case, np.float64, "array"), **case.kwargs))
    if not isinstance(out, MLArray):
        raise Problem(f"it returned {type(out).__name__}, not an MLArray", "call it through primitive(...)'s result")
    if not np.all(np.isfinite(out.numpy())):
        raise Problem(f"on {case.describe()} it computed numbers that are not finite", "keep the forward finite there")
    _float32(op, case)
    if not op.runs_on_values:
        _refuses_values(op, case)


def _float32(op: Operation, case: Case) -> None:
    arrays = _arrays(case, np.float32, "array")
    out = guarded("calling it on float32 arrays", lambda: op(*arrays, **case.kwargs))
    fix = "compute in the inputs' dtype: avoid float64 constants and np.zeros(shape) without dtype=x.dtype"
    if out.dtype != np.float32:
        raise Problem(f"float32 inputs gave a {out.dtype} output", fix)
    if case.differentiable:
        guarded("backward() from its float32 output", lambda: out.sum().backward())
        for i in case.differentiable:
            grad = arrays[i].grad()
            if grad.dtype != np.float32:
                raise Problem(f"float32 inputs gave a {grad.dtype} gradient for argument {i}", fix)


def _refuses_values(op: Operation, case: Case) -> None:
    arrays = _arrays(case, np.float64, "scalar")
    try:
        op(*arrays, **case.kwargs)
    except GraphError as exc:
        if op.name not in str(exc):
            raise Problem(f"on the scalar engine it raised an error that does not name it: {exc}") from exc
        return
    raise Problem(
        "it was declared NO_SCALAR, yet it ran on the scalar engine",
        "make it through smolml_core.primitive(..., scalar_forward=NO_SCALAR)",
    )


def gradients(subject: Subject, engine: str) -> None:
    """Each vjp against central finite differences (array engine), or both engines agreeing (scalar engine).

    On the array engine every case is checked; on the scalar engine the
    example's case, whose values and gradients (from ``Value.backward``) must
    match the array engine's to 1e-10.
    """
    op = operation_of(subject)
    found = cases(subject, op)
    if not found[0].differentiable:
        raise NotApplicable("none of its arguments has a vjp, so there is no gradient to check")
    if engine == "scalar":
        if not op.runs_on_values:
            raise NotApplicable("it was declared NO_SCALAR: the scalar engine refuses it (the sanity check sees to it)")
        _engines_agree(op, found[0])
        return
    for case in found:
        _check_case(op, case)


def _check_case(op: Operation, case: Case) -> None:
    def f(*chosen: MLArray) -> MLArray:
        args = list(case.args)
        for i, array in zip(case.differentiable, chosen, strict=True):
            args[i] = array
        out = op(*args, **case.kwargs)
        for array in chosen:  # keeps backward() possible when the output ignores an argument
            out = out + (array * 0.0).sum()
        return out

    try:
        check_gradients(f, *(case.args[i] for i in case.differentiable))
    except AssertionError as exc:
        detail = _argument_named(str(exc), case)
        raise Problem(f"on {case.describe()}, the {detail}", _VJP_FIX) from exc
    except Exception as exc:
        raise Problem(f"on {case.describe()}, computing the gradients raised {type(exc).__name__}: {exc}") from exc


def _argument_named(message: str, case: Case) -> str:
    """check_gradients numbers the inputs it was given; say which of the operation's arguments that is."""
    for k, i in enumerate(case.differentiable):
        message = message.replace(f"gradient of input {k} ", f"gradient of argument {i} ", 1)
    return message


def _engines_agree(op: Operation, case: Case) -> None:
    results = {
        engine: guarded(f"running it on the {engine} engine", partial(_run, op, case, engine)) for engine in ENGINES
    }
    what = ["its output"] + [f"the gradient of argument {i}" for i in case.differentiable]
    for name, a, s in zip(what, results["array"], results["scalar"], strict=True):
        if a.shape != s.shape or not np.allclose(a, s, rtol=1e-10, atol=1e-12):
            raise Problem(
                f"on {case.describe()}, {name} on the scalar engine differs from the array engine's "
                f"(max abs difference {float(np.max(np.abs(a - s))) if a.shape == s.shape else 'shapes differ'})",
                "the forward (or scalar_forward) on arrays of Value must compute what the numpy forward does; "
                "give a scalar_forward, or declare scalar_forward=NO_SCALAR",
            )


def _run(op: Operation, case: Case, engine: str) -> list[np.ndarray]:
    """Its output on ``engine`` and the gradients of ``sum(output * R)`` (a fixed random ``R``) by argument."""
    arrays = _arrays(case, np.float64, engine)
    out = op(*arrays, **case.kwargs)
    (out * np.random.default_rng(domains.SEED).standard_normal(out.shape)).sum().backward()
    return [out.numpy()] + [arrays[i].grad().numpy() for i in case.differentiable]


def _arrays(case: Case, dtype: Any, engine: str) -> list[Any]:
    """The case's arguments, those with a vjp as ``MLArray``s that need a gradient."""
    return [
        MLArray(np.asarray(a, dtype=dtype), engine=engine) if i in case.differentiable else a
        for i, a in enumerate(case.args)
    ]


def probe(op: Operation, subject: Subject) -> list[np.ndarray]:
    """The numbers it computes on its example, for the determinism and rebuild checks."""
    case = _example_case(subject, op)
    out = guarded(f"calling it on {case.describe()}", lambda: op(*_arrays(case, np.float64, "array"), **case.kwargs))
    return [out.numpy().astype(np.float64)]
