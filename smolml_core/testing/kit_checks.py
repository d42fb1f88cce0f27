"""The checks of the component test kit, one function per check, each covering every kind it applies to.

Each function takes a ``Subject`` and returns quietly, raises ``Problem``
(the component is wrong, and how to fix it) or raises ``NotApplicable`` (the
check means nothing for this kind of component, and why). ``kit.py`` turns
these into the public API and its messages.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import json
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np

# By its full name: `from . import domains` would tie this module to the package, whose __init__ loads the kit.
import smolml_core.testing.domains as domains
import smolml_core.testing.primitive_checks as primitive_checks

from ..array import MLArray
from ..errors import ShapeError
from ..nn import Optimizer, training_mode
from ..nn.data_checks import takes_labels
from ..nn.walk import HOW_TO_EXPOSE, hidden_arrays, named_buffers, named_parameters, replace
from ..registry import reference, resolve
from ..registry.kinds import TABLE, base_class, row
from ..rng import set_seed
from .gradients import check_gradients
from .subject import NotApplicable, Problem, Subject, guarded, input_sample, input_width

__all__ = ["determinism", "docstring", "gradients", "rebuild", "sanity", "shape_errors"]

MIN_DOC_WORDS = 3
"""A docstring needs at least this many words to say what the component does."""

OPTIMIZER_STEPS = 5
"""Steps an optimizer takes on the convex quadratic."""

_GRADIENT_FIX = (
    "build the output only from MLArray operations on the inputs and parameters, so autograd sees every step "
    "(numbers taken out with .data, .numpy(), .item() or float() are constants to it)"
)
_RANDOM_FIX = "draw random numbers only from smolml_core.get_rng(), so that smolml_core.set_seed repeats them"
_BASES = "smolml_core." + ", ".join(kind.base for kind in TABLE if kind.base)
"""The base classes, as the rebuild check's advice lists them: ``smolml_core.Optimizer, WeightInitializer, ...``."""


# -- docstring ------------------------------------------------------------------


def docstring(subject: Subject) -> None:
    """The registered function or class has a docstring of its own, of a few words at least."""
    obj = subject.component.obj
    target = obj.func if isinstance(obj, functools.partial) else obj
    where = f"{getattr(target, '__qualname__', repr(target))} (in {getattr(target, '__module__', '?')})"
    # A class's own docstring only: inspect.getdoc would hand back the base class's.
    doc = target.__dict__.get("__doc__") if isinstance(target, type) else getattr(target, "__doc__", None)
    if isinstance(target, type) and dataclasses.is_dataclass(target) and str(doc).startswith(target.__name__ + "("):
        doc = None  # the signature dataclasses write when there is no docstring
    text = inspect.cleandoc(doc) if isinstance(doc, str) else ""
    fix = (
        "write a docstring on it saying what the component computes and what its parameters mean; "
        "it is what users read with help()"
    )
    if not text:
        raise Problem(f"{where} has no docstring", fix)
    if len(text.split()) < MIN_DOC_WORDS:
        raise Problem(f"the docstring of {where} is only {text!r}", fix)


# -- sanity ---------------------------------------------------------------------


def sanity(subject: Subject) -> None:
    """What every component of its kind must do: shapes, finite numbers, the right base class, descent.

    A kind whose row in the table of kinds names a base class is checked for
    it, whether or not the kit has more to check for that kind.
    """
    checks: dict[str, Callable[[Subject], None]] = {
        "activation": _activation_sanity,
        "loss": _loss_sanity,
        "optimizer": _optimizer_sanity,
        "initializer": _initializer_sanity,
        "layer": _layer_sanity,
        "metric": _metric_sanity,
        "schedule": _schedule_sanity,
        "primitive": primitive_checks.sanity,
    }
    if subject.kind in checks:
        checks[subject.kind](subject)
    elif base_class(subject.kind) is not None:
        _instance_of(subject.build(), subject.kind)
    else:
        raise NotApplicable(f"the kit knows no sanity check for the kind {subject.kind!r}")


def _activation_sanity(subject: Subject) -> None:
    f = subject.build()
    x = domains.activation_input()
    out = guarded(f"calling it on an input of shape {x.shape}", lambda: f(MLArray(x)))
    if not isinstance(out, MLArray):
        raise Problem(f"it returned {type(out).__name__}, not an MLArray", "return the result of MLArray operations")
    if out.shape != x.shape:
        raise Problem(
            f"it turned an input of shape {x.shape} into shape {out.shape}",
            "an activation works element by element (or along an axis, as softmax does) and keeps the shape",
        )
    _finite(out.numpy(), "its output for inputs with 0.1 <= |x| <= 2")


def _loss_sanity(subject: Subject) -> None:
    loss = subject.build()
    y_pred, y_true = domains.loss_inputs(labels=takes_labels(loss))
    out = guarded(_loss_call(y_pred, y_true), lambda: loss(MLArray(y_pred), MLArray(y_true, requires_grad=False)))
    if not isinstance(out, MLArray):
        raise Problem(
            f"it returned {type(out).__name__}, not an MLArray",
            "return the result of MLArray operations, so that training can call backward() on it",
        )
    if out.size() != 1:
        raise Problem(
            f"it returned an array of shape {out.shape}, not one number",
            "reduce over the samples (and outputs), usually with .mean()",
        )
    _finite(out.numpy(), f"the loss of predictions in (0.05, 0.95) against {_targets(loss)} targets")


def _metric_sanity(subject: Subject) -> None:
    metric = subject.build()
    y_pred, y_true = domains.loss_inputs()
    out = guarded(_loss_call(y_pred, y_true, "numpy arrays"), lambda: metric(y_pred, y_true))
    if not isinstance(out, float):
        raise Problem(f"it returned {out!r} ({type(out).__name__}), not a float", "return float(...)")
    _finite(np.asarray(out), "the metric of predictions in (0.05, 0.95) against one-hot targets")


def _initializer_sanity(subject: Subject) -> None:
    initializer = subject.build()
    _instance_of(initializer, subject.kind)
    for shape in ((4, 3), (7, 2)):
        rng = np.random.default_rng(domains.SEED)
        out = np.asarray(guarded(f"sample({shape}, rng)", functools.partial(initializer.sample, shape, rng)))
        if out.shape != shape:
            raise Problem(
                f"sample({shape}, rng) returned an array of shape {out.shape}",
                "return exactly the shape asked for, e.g. rng.normal(0.0, scale, size=shape)",
            )
        _finite(out, f"sample({shape}, rng)")


def _optimizer_sanity(subject: Subject) -> None:
    first = subject.build()
    _instance_of(first, subject.kind)
    losses, final = _descend(first, "array")
    if not all(math.isfinite(v) for v in losses):
        raise Problem(f"on a convex quadratic its steps gave non-finite values: {losses}", "check step()")
    if not losses[-1] < losses[0]:
        raise Problem(
            f"{OPTIMIZER_STEPS} steps on the convex quadratic f(w) = 0.5 * sum(c * (w - t)^2) took f from "
            f"{losses[0]:.6g} to {losses[-1]:.6g}, not lower",
            "step(value, grad, state) must move value against grad and change it in place (value -= ...); "
            "assigning a new array to the name value changes nothing",
        )
    _, on_scalar = _descend(subject.build(), "scalar")
    if not np.allclose(on_scalar, final, rtol=1e-9, atol=1e-12):
        raise Problem(
            f"the same {OPTIMIZER_STEPS} steps end elsewhere on the scalar engine than on the array engine "
            f"(largest difference {float(np.max(np.abs(on_scalar - final))):.3g})",
            "change value in place and keep in state only buffers of your own: on the scalar engine value is a "
            "fresh copy of the numbers at every step",
        )


def _schedule_sanity(subject: Subject) -> None:
    schedule = subject.build()
    if not callable(schedule):
        raise Problem(f"it built {schedule!r}, which cannot be called", "implement __call__(epoch, base_lr)")
    for epoch, rate in zip(domains.EPOCHS, _rates(schedule), strict=True):
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate < math.inf:
            raise Problem(
                f"for epoch {epoch} and base_lr 0.1 it returned {rate!r}",
                "return the epoch's learning rate as a finite number > 0",
            )


def _layer_sanity(subject: Subject) -> None:
    set_seed(domains.SEED)
    layer = subject.build()
    _instance_of(layer, subject.kind)
    for where, why in hidden_arrays(layer):
        raise Problem(
            f"its {where} is {why}: the walk over its arrays cannot see it, so it is never trained or saved",
            HOW_TO_EXPOSE,
        )
    X = domains.layer_input(input_sample(layer, subject.params))
    for training in (False, True):
        out = _forward(layer, MLArray(X), training)
        if not isinstance(out, MLArray):
            raise Problem(
                f"forward(X) {_mode(training)} returned {type(out).__name__}, not an MLArray",
                "return the result of MLArray operations",
            )
        if out.ndim == 0 or out.shape[0] != X.shape[0]:
            raise Problem(
                f"forward(X) {_mode(training)} turned {X.shape[0]} samples (shape {X.shape}) into shape {out.shape}",
                "keep the first axis: one output row per sample",
            )
        _finite(out.numpy(), f"forward(X) {_mode(training)}")


# -- gradients -------------------------------------------------------------------


def gradients(subject: Subject, engine: str) -> None:
    """Autograd agrees with finite differences on ``engine``, for every input and parameter."""
    if row(subject.kind).no_gradient:
        raise NotApplicable(row(subject.kind).no_gradient)
    if subject.kind == "activation":
        f = subject.build()
        _compare_gradients(lambda x: f(x), domains.activation_input(), engine, "with respect to its input")
    elif subject.kind == "loss":
        loss = subject.build()
        y_pred, y_true = domains.loss_inputs(labels=takes_labels(loss))
        _compare_gradients(
            lambda p: loss(p, MLArray(y_true, requires_grad=False, engine=engine)),
            y_pred,
            engine,
            f"with respect to y_pred (in (0.05, 0.95), against {_targets(loss)} y_true)",
        )
    elif subject.kind == "layer":
        for training in (False, True):
            _layer_gradients(subject, engine, training)
    elif subject.kind == "primitive":
        primitive_checks.gradients(subject, engine)
    else:
        raise NotApplicable(f"the kit knows no gradient check for the kind {subject.kind!r}")


def _layer_gradients(subject: Subject, engine: str, training: bool) -> None:
    """One finite-difference check per input and parameter, the others held as constants."""
    set_seed(domains.SEED)
    layer = subject.build()
    originals = named_parameters(layer)
    X = domains.layer_input(input_sample(layer, subject.params))
    constants = {name: MLArray(p.numpy(), requires_grad=False, engine=engine) for name, p in originals.items()}
    targets: list[tuple[str | None, np.ndarray]] = [(None, X)] + [(n, p.numpy()) for n, p in originals.items()]
    fix = _GRADIENT_FIX + (f"; and {_RANDOM_FIX}" if training else "")
    try:
        for target, value in targets:

            def f(a: MLArray, target: str | None = target) -> MLArray:
                for name, constant in constants.items():
                    replace(layer, name, a if name == target else constant)
                inputs = a if target is None else MLArray(X, requires_grad=False, engine=engine)
                set_seed(domains.SEED + 1)  # the same random draws (a dropout mask) at every call
                with training_mode(training):
                    return layer.forward(inputs)

            what = "the input X" if target is None else f"its parameter {target!r}"
            _compare_gradients(f, value, engine, f"with respect to {what}", fix, _mode(training))
    finally:
        for name, original in originals.items():
            replace(layer, name, original)


def _compare_gradients(
    f: Callable[[MLArray], MLArray], x: np.ndarray, engine: str, what: str, fix: str = _GRADIENT_FIX, mode: str = ""
) -> None:
    """``check_gradients`` on one input, its message reworded to name that input (and the mode, if any)."""
    where = f"on the {engine} engine" + (f", {mode}," if mode else ",")

    def connected(a: MLArray) -> MLArray:
        # Adding 0 * a keeps backward() possible when the output ignores a (its gradient is then 0 everywhere),
        # so finite differences decide whether ignoring it was right.
        return f(a) + (a * 0.0).sum()

    try:
        check_gradients(connected, x, engine=engine)
    except AssertionError as exc:
        detail = re.sub(r"gradient of input \d+", f"gradient {what}", str(exc), count=1)
        raise Problem(f"{where} the {detail}", fix) from exc
    except Exception as exc:
        raise Problem(f"{where} computing the gradient {what} raised {type(exc).__name__}: {exc}", fix) from exc


# -- rebuild ---------------------------------------------------------------------


def rebuild(subject: Subject) -> None:
    """Written down by ``reference`` (as JSON) and built again by ``resolve``, it is the same component."""
    set_seed(domains.SEED)
    original = subject.build()
    kind = subject.kind
    config_fix = (
        f"subclass the kind's base class ({_BASES}), "
        "which records the constructor's arguments, and keep get_config() returning exactly those arguments"
    )
    ref = guarded(f"reference({kind!r}, component)", lambda: reference(kind, original), config_fix)
    try:
        text = json.dumps(ref)
    except (TypeError, ValueError) as exc:
        raise Problem(
            f"it is written down as {ref!r}, which JSON cannot hold ({exc})",
            "keep constructor arguments to numbers, strings, booleans, None, lists and dicts "
            "(components given as arguments are written by name on their own)",
        ) from exc
    written = json.loads(text)
    rebuilt = guarded(f"rebuilding it by name with resolve({kind!r}, {written!r})", lambda: resolve(kind, written))
    again = json.loads(json.dumps(guarded("writing the rebuilt component down", lambda: reference(kind, rebuilt))))
    if again != written:
        raise Problem(
            f"it is written down as {written!r}, but once rebuilt from that it is written as {again!r}",
            config_fix,
        )
    if kind == "layer":
        _copy_parameters(original, rebuilt)
    before = _probe(kind, original, subject, training=False)
    if not before or not _same(before, _probe(kind, original, subject, training=False)):
        return  # nothing to compare, or not repeatable: the determinism check reports that
    after = _probe(kind, rebuilt, subject, training=False)
    if not _same(before, after):
        condition = "with the same parameters copied in, in eval mode" if kind == "layer" else "on the same input"
        raise Problem(
            f"rebuilt from {written!r} it computes something else {condition}: {_difference(before, after)}",
            "get_config() (or the recorded constructor arguments) must capture everything that decides the output",
        )


def _copy_parameters(original: Any, rebuilt: Any) -> None:
    """Copy ``original``'s parameters and buffers into ``rebuilt``, which must have the same names and shapes."""
    for which, walk in (("parameters", named_parameters), ("buffers", named_buffers)):
        mine, theirs = walk(original), walk(rebuilt)
        shapes = {name: p.shape for name, p in mine.items()}
        rebuilt_shapes = {name: p.shape for name, p in theirs.items()}
        if list(shapes.items()) != list(rebuilt_shapes.items()):  # the same names in the same order, as files need
            raise Problem(
                f"built again by name it has the {which} {rebuilt_shapes}, not {shapes}",
                f"get_config() must return the constructor arguments that decide the {which}' names, order and shapes",
            )
        for name, array in mine.items():
            theirs[name].assign(array.numpy())


# -- determinism -----------------------------------------------------------------


def determinism(subject: Subject, seed: int = domains.SEED) -> None:
    """Two builds after ``set_seed(seed)`` have the same parameters and compute the same outputs."""
    kind = subject.kind
    if kind == "callback":
        raise NotApplicable("a callback acts on a training run, which the kit does not start")
    set_seed(seed)
    first = subject.build()
    set_seed(seed)
    second = subject.build()
    if kind == "layer":
        params_a, params_b = named_parameters(first), named_parameters(second)
        for name in {**params_a, **params_b}:
            pa, pb = params_a.get(name), params_b.get(name)
            if pa is None or pb is None or pa.shape != pb.shape or not np.array_equal(pa.numpy(), pb.numpy()):
                raise Problem(
                    f"two builds after set_seed({seed}) start with different values of parameter {name!r}",
                    "draw starting values from smolml_core.get_rng() or through a WeightInitializer, "
                    "never from np.random, random or a generator of your own",
                )
    for training in (False, True) if kind == "layer" else (False,):
        a, b = _probe(kind, first, subject, training=training), _probe(kind, second, subject, training=training)
        if not _same(a, b):
            raise Problem(_unrepeatable(kind, seed, training, _difference(a, b)), _determinism_fix(kind))


def _unrepeatable(kind: str, seed: int, training: bool, difference: str) -> str:
    if kind == "initializer":
        return f"sample((4, 3), rng) gave different numbers for two generators made from seed {seed}: {difference}"
    if kind == "optimizer":
        return f"two builds took {OPTIMIZER_STEPS} steps from the same start and ended apart: {difference}"
    if kind == "layer":
        return f"two builds after set_seed({seed}) computed different outputs {_mode(training)}: {difference}"
    return f"two calls with the same input after set_seed({seed}) gave different results: {difference}"


def _determinism_fix(kind: str) -> str:
    if kind == "initializer":
        return "draw only from the rng that sample() receives, never from np.random, random or smolml_core.get_rng()"
    return _RANDOM_FIX + ", and keep no state that changes from one call to the next"


# -- shape errors ----------------------------------------------------------------


def shape_errors(subject: Subject) -> None:
    """Input of the wrong shape is refused with ``smolml_core.ShapeError``, not computed with, nor another error."""
    if subject.kind == "layer":
        _layer_shape_errors(subject)
    elif subject.kind == "loss":
        _loss_shape_errors(subject)
    elif subject.kind == "metric":
        raise NotApplicable(
            "a metric may accept targets laid out unlike the predictions (accuracy takes integer labels)"
        )
    else:
        raise NotApplicable(f"{row(subject.kind).plural} take no input batch whose shape could be wrong")


def _layer_shape_errors(subject: Subject) -> None:
    set_seed(domains.SEED)
    layer = subject.build()
    width = input_width(layer, subject.params)
    if width is None:
        raise NotApplicable(
            f"its input width is unknown (no input_size attribute, no {'/'.join(domains.WIDTH_PARAMETERS)} "
            "parameter), so the kit takes it to accept any width"
        )
    fix = (
        "compare X.shape[-1] with the expected width at the start of forward() and raise smolml_core.ShapeError "
        "naming the expected and the given shapes"
    )
    for wrong in (width + 1, width - 1):
        if wrong < 1:
            continue
        X = domains.layer_input(wrong)
        try:
            with training_mode(False):
                layer.forward(MLArray(X))
        except ShapeError:
            continue
        except Exception as exc:
            raise Problem(
                f"input of width {wrong} (shape {X.shape}) where {width} is expected raised "
                f"{type(exc).__name__}: {exc}, not smolml_core.ShapeError",
                fix,
            ) from exc
        raise Problem(f"it accepted input of width {wrong} (shape {X.shape}) although its input width is {width}", fix)


def _loss_shape_errors(subject: Subject) -> None:
    loss = subject.build()
    y_pred, _ = domains.loss_inputs()
    fix = (
        "compare the shapes of y_pred and y_true first and raise smolml_core.ShapeError naming both; "
        "otherwise numpy broadcasting quietly makes them fit"
    )
    # a loss taking labels wants (BATCH, 1): one-hot rows and a label for one row are wrong there
    wrong = ((domains.BATCH, y_pred.shape[1]), (1, 1)) if takes_labels(loss) else ((domains.BATCH, 1), (1, 3))
    for shape in wrong:
        y_true = np.zeros(shape)
        try:
            out = loss(MLArray(y_pred), MLArray(y_true, requires_grad=False))
        except ShapeError:
            continue
        except Exception as exc:
            raise Problem(
                f"{_loss_call(y_pred, y_true)} raised {type(exc).__name__}: {exc}, not smolml_core.ShapeError", fix
            ) from exc
        raise Problem(f"{_loss_call(y_pred, y_true)} returned {out!r} instead of raising smolml_core.ShapeError", fix)


# -- probes: what a component computes on the kit's fixed inputs --------------------


def _probe(kind: str, obj: Any, subject: Subject, *, training: bool) -> list[np.ndarray]:
    """The numbers ``obj`` computes on fixed inputs under fixed seeds; none for kinds that compute nothing here."""
    set_seed(domains.SEED + 1)
    if kind == "activation":
        x = domains.activation_input()
        return [guarded(f"calling it on shape {x.shape}", lambda: _numbers(obj(MLArray(x))))]
    if kind in ("loss", "metric"):
        y_pred, y_true = domains.loss_inputs(labels=kind == "loss" and takes_labels(obj))
        if kind == "metric":
            return [guarded(_loss_call(y_pred, y_true, "numpy arrays"), lambda: _numbers(obj(y_pred, y_true)))]
        call = _loss_call(y_pred, y_true)
        return [guarded(call, lambda: _numbers(obj(MLArray(y_pred), MLArray(y_true, requires_grad=False))))]
    if kind == "initializer":
        rng = np.random.default_rng(domains.SEED)
        return [guarded("sample((4, 3), rng)", lambda: _numbers(obj.sample((4, 3), rng)))]
    if kind == "optimizer":
        if isinstance(obj, Optimizer):
            obj.reset()  # each probe starts with no momentum or step count
        return [_descend(obj, "array")[1]]
    if kind == "schedule":
        return [np.asarray(_rates(obj), dtype=object)]
    if kind == "layer":
        X = domains.layer_input(input_sample(obj, subject.params))
        return [_numbers(_forward(obj, MLArray(X), training))]
    if kind == "primitive":
        return primitive_checks.probe(obj, subject)
    return []


def _numbers(result: Any) -> np.ndarray:
    """The numbers of a component's result, an ``MLArray`` or anything numpy can read, in float64."""
    return np.asarray(result.numpy() if isinstance(result, MLArray) else result, dtype=np.float64)


def _same(a: list[np.ndarray], b: list[np.ndarray]) -> bool:
    return len(a) == len(b) and all(
        x.shape == y.shape and (np.array_equal(x, y, equal_nan=x.dtype != object) if x.size else True)
        for x, y in zip(a, b, strict=True)
    )


def _difference(a: list[np.ndarray], b: list[np.ndarray]) -> str:
    for x, y in zip(a, b, strict=True):
        if x.shape != y.shape:
            return f"shape {x.shape} against {y.shape}"
        if x.dtype == object or y.dtype == object:
            return f"{x.tolist()} against {y.tolist()}"
        if not np.array_equal(x, y, equal_nan=True):
            gap = np.abs(x.astype(float) - y.astype(float))
            index = np.unravel_index(np.nanargmax(gap), gap.shape) if gap.ndim else ()
            where = f" at index {tuple(int(i) for i in index)}" if index else ""
            return f"{float(x[index])!r} against {float(y[index])!r}{where}"
    return "different results"


# -- helpers ---------------------------------------------------------------------


class _Holder:
    """Stands in for a layer: the optimizer updates its attribute ``w``."""

    w: MLArray


def _descend(optimizer: Any, engine: str) -> tuple[list[float], np.ndarray]:
    """``OPTIMIZER_STEPS`` steps on the kit's convex quadratic: the values of f met, and where w ends."""
    bowl = domains.quadratic()
    holder = _Holder()
    holder.w = MLArray(bowl["start"], engine=engine)
    target = MLArray(bowl["target"], requires_grad=False)
    curvature = MLArray(bowl["curvature"], requires_grad=False)
    values = []
    for step in range(OPTIMIZER_STEPS + 1):
        holder.w.restart()
        diff = holder.w - target
        f = (curvature * diff * diff).sum() * 0.5
        values.append(f.item())
        if step < OPTIMIZER_STEPS:
            f.backward()
            guarded("optimizer.update(...) (which calls step)", lambda: optimizer.update(holder, 0, ("w",)))
    return values, holder.w.numpy()


def _rates(schedule: Any) -> list[Any]:
    return [guarded(f"schedule({epoch}, 0.1)", functools.partial(schedule, epoch, 0.1)) for epoch in domains.EPOCHS]


def _forward(layer: Any, X: MLArray, training: bool) -> Any:
    set_seed(domains.SEED + 1)
    with training_mode(training):
        return guarded(f"forward(X) with X of shape {X.shape} {_mode(training)}", lambda: layer.forward(X))


def _mode(training: bool) -> str:
    return "in training mode" if training else "in eval mode"


def _targets(loss: Any) -> str:
    return "class-label" if takes_labels(loss) else "one-hot"


def _loss_call(y_pred: np.ndarray, y_true: np.ndarray, what: str = "MLArrays") -> str:
    return f"calling it with y_pred of shape {y_pred.shape} and y_true of shape {y_true.shape} ({what})"


def _finite(values: np.ndarray, what: str) -> None:
    if not np.all(np.isfinite(np.asarray(values, dtype=float))):
        raise Problem(f"{what} is not finite: {values!r}", "keep the computation finite on ordinary inputs")


def _instance_of(obj: Any, kind: str) -> None:
    """``obj`` is an instance of the base class the table of kinds gives its kind (if it gives one)."""
    base = base_class(kind)
    if base is not None and not isinstance(obj, base):
        raise Problem(
            f"it built {obj!r}, which is not a smolml_core.{base.__name__}",
            f"subclass smolml_core.{base.__name__} and implement {row(kind).contract}",
        )
