"""The table of differentiable primitives: each forward formula beside its gradient rule.

A primitive is a numpy function plus one vector-Jacobian product (vjp) per
differentiable argument. A vjp receives ``g`` (the gradient arriving at the
output), ``ans`` (the output's value) and the primitive's inputs, and returns
the gradient for its own argument, with that argument's shape. An argument that
is not differentiable by nature (an index, a condition, a bound, a shape) is
declared ``CONSTANT`` in its place; a rule left out (None) is an error as soon
as an array that needs a gradient is passed there.

Everything else the array engine offers (mean, std, softmax, every loss) is
composed from these, so its gradient comes for free. A primitive joins the table
only when composing would be slow or numerically unstable (``sigmoid``,
``logsumexp``, ``clip``).

The forward formulas use numpy functions that also accept object arrays of
``Value`` (the scalar engine, see ``scalar.py``): numpy hands ``np.exp`` on
such an array to each element's ``exp``. A primitive whose forward cannot run
there as it is (it checks its inputs' numbers, or needs a ``Value`` node of its
own) declares a ``scalar_forward``, which ``MLArray`` runs instead whenever an
input holds Values; no forward has to ask which engine it is on.

Operations without a real-number answer raise ``NumericalError`` here, and the
``Value`` methods raise it in the same cases, so both engines agree on what fails.

Plugins add operations through ``primitive(...)`` (``extension.py``): the same
``Primitive`` record, run by the same ``_apply``, but registered in the
registry, not here. This table is the core's own: ``MLArray``'s methods need
it at import, before any plugin is loaded, and none of its names is chosen by
a user or may be taken by a plugin.
"""

from __future__ import annotations

import enum
import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Union

import numpy as np

from ..errors import GraphError, NumericalError
from .scalar import as_numbers, each, extremum, is_values, numbers

__all__ = ["CONSTANT", "PRIMITIVES", "Primitive", "defprimitive", "unbroadcast"]

Vjp = Callable[..., Any]


class _Constant(enum.Enum):
    CONSTANT = "constant"

    def __repr__(self) -> str:
        return "CONSTANT"


CONSTANT: Final = _Constant.CONSTANT
"""In a primitive's table of rules, in place of a vjp: this argument is a constant by nature.

An index, the condition of ``where``, clipping bounds, a target shape: the
forward reads their numbers, and no gradient flows to them, even from an array
that would accept one. Declaring it says so on purpose, where a missing rule
(None) would be an error.
"""

Rule = Union[Vjp, _Constant, None]


@dataclass(frozen=True, slots=True)
class Primitive:
    """A forward function, one gradient rule per positional argument, and optionally a scalar formula.

    ``vjps[i]`` is argument ``i``'s vjp, or ``CONSTANT`` when the argument is
    not differentiable by nature. None, or no entry at all, means the rule is
    missing: recording an operation that passes an array needing a gradient
    there raises ``GraphError``, rather than leaving that gradient at zero.

    ``scalar_forward`` is run instead of ``forward`` when any input holds
    ``Value`` objects (the scalar engine); None means ``forward`` serves both.
    """

    name: str
    forward: Callable[..., Any]
    vjps: tuple[Rule, ...]
    scalar_forward: Callable[..., Any] | None = None

    def argument_name(self, position: int) -> str | None:
        """The name of positional argument ``position``, from the forward's or a rule's signature, if known."""
        # a rule's parameters are g, ans, then the inputs
        candidates = [(self.forward, 0)] + [(rule, 2) for rule in self.vjps if callable(rule)]
        for function, skip in candidates:
            try:
                parameters = list(inspect.signature(function).parameters.values())[skip:]
            except (TypeError, ValueError):  # some builtins have no signature to read
                continue
            if position < len(parameters) and parameters[position].kind in _POSITIONAL:
                return parameters[position].name
        return None

    def missing_rule(self, position: int) -> GraphError:
        """The error for an array needing a gradient passed as argument ``position``, which has no rule."""
        name = self.argument_name(position)
        argument = f"argument {position}" + (f" ({name})" if name else "")
        return GraphError(
            f"primitive {self.name!r} has no gradient rule for {argument}, but an array that needs a "
            f"gradient was passed there; give that argument a vjp, declare it CONSTANT if it is not "
            f"differentiable by nature, or pass a constant (requires_grad=False, or .detach())"
        )


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)

PRIMITIVES: dict[str, Primitive] = {}


def defprimitive(
    name: str, forward: Callable[..., Any], *vjps: Rule, scalar_forward: Callable[..., Any] | None = None
) -> Primitive:
    """Add a primitive to the table and return it: ``forward``, then one rule per positional argument.

    Each rule is a vjp, or ``CONSTANT`` for an argument that is not
    differentiable by nature. ``scalar_forward`` is the formula for the scalar
    engine, when ``forward`` cannot serve object arrays of ``Value`` as it is.
    """
    if name in PRIMITIVES:
        raise ValueError(f"primitive {name!r} is already defined")
    prim = Primitive(name, forward, vjps, scalar_forward)
    PRIMITIVES[name] = prim
    return prim


def unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``g`` over the axes that broadcasting added or stretched, back to ``shape``."""
    if g.shape == shape:
        return g
    extra = g.ndim - len(shape)
    if extra:
        g = g.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if stretched:
        g = g.sum(axis=stretched, keepdims=True)
    return g


def _expand(g: np.ndarray, shape: tuple[int, ...], axis: Any, keepdims: bool) -> np.ndarray:
    """Undo a reduction over ``axis``: put the reduced axes back and broadcast to ``shape``."""
    if axis is None and g.ndim == 0:  # a full reduction: the common case, and np.full is quickest
        return np.full(shape, g, dtype=g.dtype)
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    elif axis is None and not keepdims:
        g = np.reshape(g, (1,) * len(shape))
    return np.broadcast_to(g, shape)


# -- elementwise arithmetic (binary rules reduce through unbroadcast) ----------

defprimitive(
    "add",
    np.add,
    lambda g, ans, x, y: unbroadcast(g, np.shape(x)),
    lambda g, ans, x, y: unbroadcast(g, np.shape(y)),
)
defprimitive(
    "subtract",
    np.subtract,
    lambda g, ans, x, y: unbroadcast(g, np.shape(x)),
    lambda g, ans, x, y: unbroadcast(-g, np.shape(y)),
)
defprimitive(
    "multiply",
    np.multiply,
    lambda g, ans, x, y: unbroadcast(g * y, np.shape(x)),
    lambda g, ans, x, y: unbroadcast(g * x, np.shape(y)),
)


def _divide(x: Any, y: Any) -> Any:
    if not np.all(y):
        _refuse(np.equal(y, 0), "division by zero: the divisor is 0{at}; keep divisors away from 0 (add an epsilon)")
    return np.divide(x, y)


def _divide_values(x: Any, y: Any) -> Any:
    """A divisor of Values refuses 0 itself (``Value.__truediv__``); a divisor of numbers is checked as above."""
    return np.divide(x, y) if is_values(y) else _divide(x, y)


defprimitive(
    "divide",  # d(x/y)/dx = 1/y;  d(x/y)/dy = -x/y^2 = -ans/y
    _divide,
    lambda g, ans, x, y: unbroadcast(g / y, np.shape(x)),
    lambda g, ans, x, y: unbroadcast(-g * ans / y, np.shape(y)),
    scalar_forward=_divide_values,
)


def _power(x: Any, y: Any) -> Any:
    """x ** y, refusing 0 to a negative power and a negative number to a fractional power.

    On the scalar engine ``np.power`` alone is the formula: ``Value.__pow__``
    refuses the same cases.
    """
    y_negative = np.less(y, 0)
    if np.any(y_negative):
        _refuse(np.equal(x, 0) & y_negative, "0 raised to a negative power is a division by zero{at}")
    if np.any(np.less(x, 0)):
        _refuse(
            np.less(x, 0) & (np.floor(y) != y),
            "a negative number raised to a fractional power is not a real number{at}",
        )
    return np.power(x, y)


def _power_vjp_base(g: np.ndarray, ans: np.ndarray, x: Any, y: Any) -> np.ndarray:
    # d(x^y)/dx = y * x^(y-1), taken as 0 where y == 0 (x^0 is the constant 1);
    # infinite at x == 0 for 0 < y < 1, which is refused where a gradient arrives
    with np.errstate(divide="ignore", invalid="ignore"):
        local = np.where(np.equal(y, 0), 0.0, y * np.power(x, np.subtract(y, 1)))
    if not np.all(x):
        root_of_zero = np.equal(x, 0) & np.greater(y, 0) & np.less(y, 1)
        if np.any(root_of_zero):
            _refuse(
                root_of_zero & (g != 0),
                "the gradient of x ** y is infinite at x = 0 for 0 < y < 1{at}; add a small epsilon to x",
            )
            local = np.where(root_of_zero, 0.0, local)
    return unbroadcast(g * local, np.shape(x))


def _power_vjp_exponent(g: np.ndarray, ans: np.ndarray, x: Any, y: Any) -> np.ndarray:
    # d(x^y)/dy = x^y * ln(x), taken as 0 at x == 0 for y >= 0 (as PyTorch does)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_x = np.where((x == 0) & (y >= 0), 0.0, np.log(np.where(x == 0, 1.0, x)))
    return unbroadcast(g * ans * log_x, np.shape(y))


defprimitive("power", _power, _power_vjp_base, _power_vjp_exponent, scalar_forward=np.power)


# -- matrix product ------------------------------------------------------------


def _matmul_vjp_x(g: np.ndarray, ans: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    # ans = x @ y  =>  dx = g @ y^T  (vectors are promoted to matrices, then demoted)
    if y.ndim == 1:
        gx = np.multiply.outer(g, y) if x.ndim > 1 else g * y
        return unbroadcast(gx, x.shape)
    gx = (g[..., None, :] if x.ndim == 1 else g) @ np.swapaxes(y, -1, -2)
    return unbroadcast(gx[..., 0, :] if x.ndim == 1 else gx, x.shape)


def _matmul_vjp_y(g: np.ndarray, ans: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    # ans = x @ y  =>  dy = x^T @ g
    if x.ndim == 1:  # dy[..., k, n] = x[k] * g[..., n]
        gy = x[:, None] * g[..., None, :] if y.ndim > 1 else g * x
        return unbroadcast(gy, y.shape)
    gy = np.swapaxes(x, -1, -2) @ (g[..., None] if y.ndim == 1 else g)
    return unbroadcast(gy[..., 0] if y.ndim == 1 else gy, y.shape)


defprimitive("matmul", np.matmul, _matmul_vjp_x, _matmul_vjp_y)


# -- elementwise functions of one input ---------------------------------------

defprimitive("negative", np.negative, lambda g, ans, x: -g)
defprimitive("exp", np.exp, lambda g, ans, x: g * ans)


def _log(x: Any) -> Any:
    if not np.all(np.greater(x, 0)):
        _refuse(
            ~np.greater(x, 0) & ~np.isnan(x),
            "log is defined for numbers > 0 only; the input is {value}{at} (clip it, e.g. x.clip(1e-12, 1.0))",
            values=x,
        )
    return np.log(x)


def _sqrt(x: Any) -> Any:
    if np.any(np.less(x, 0)):
        _refuse(np.less(x, 0), "sqrt of a negative number ({value}){at}", values=x)
    return np.sqrt(x)


def _sqrt_vjp(g: np.ndarray, ans: np.ndarray, x: Any) -> np.ndarray:
    # d sqrt(x)/dx = 1 / (2 sqrt(x)): infinite at 0, refused there unless no gradient arrives
    if np.all(ans):
        return g / (2 * ans)
    _refuse((ans == 0) & (g != 0), "the gradient of sqrt is infinite at 0{at}; add a small epsilon, sqrt(x + 1e-12)")
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(ans == 0, 0.0, g / (2 * ans))


# On the scalar engine Value.log and Value.sqrt refuse the same inputs themselves.
defprimitive("log", _log, lambda g, ans, x: g / x, scalar_forward=np.log)
defprimitive("sqrt", _sqrt, _sqrt_vjp, scalar_forward=np.sqrt)
defprimitive("abs", np.abs, lambda g, ans, x: g * np.sign(x))
defprimitive("tanh", np.tanh, lambda g, ans, x: g * (1 - ans * ans))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """1 / (1 + e^-x) without overflow: only e^-|x| (at most 1) is ever computed."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


# on the scalar engine, one ``Value.sigmoid`` node per element, as the tutorial draws it
defprimitive("sigmoid", _sigmoid, lambda g, ans, x: g * ans * (1 - ans), scalar_forward=each("sigmoid"))


def _relu(x: np.ndarray) -> np.ndarray:
    """max(x, 0). A primitive for speed: one numpy call, where mask-and-select took three operations."""
    return np.maximum(x, 0)


# on the scalar engine, Value.relu: its slope at exactly 0 is 0, as here
defprimitive("relu", _relu, lambda g, ans, x: g * (ans > 0), scalar_forward=each("relu"))


def _clip(x: np.ndarray, low: float, high: float) -> np.ndarray:
    return np.minimum(np.maximum(x, low), high)


defprimitive(  # the gradient passes only where x was inside [low, high]; the bounds are constants
    "clip",
    _clip,
    lambda g, ans, x, low, high: g * ((x >= low) & (x <= high)),
    CONSTANT,
    CONSTANT,
)


def _where(condition: np.ndarray, x: Any, y: Any) -> np.ndarray:
    return np.where(condition, x, y)


defprimitive(  # the condition is a constant: a mask of booleans
    "where",
    _where,
    CONSTANT,
    lambda g, ans, c, x, y: unbroadcast(np.where(c, g, 0.0), np.shape(x)),
    lambda g, ans, c, x, y: unbroadcast(np.where(c, 0.0, g), np.shape(y)),
)


# -- comparisons: masks of 1.0 and 0.0 in the left side's dtype, constants to the gradient --------


def _comparison(name: str, compare: Callable[[Any, Any], Any]) -> None:
    def forward(x: np.ndarray, y: Any) -> np.ndarray:
        return np.asarray(compare(x, y), dtype=x.dtype)

    forward.__name__ = forward.__qualname__ = f"_{name}"
    defprimitive(name, forward, CONSTANT, CONSTANT)


for _name, _compare in (
    ("less", np.less),
    ("less_equal", np.less_equal),
    ("greater", np.greater),
    ("greater_equal", np.greater_equal),
):
    _comparison(_name, _compare)


# -- reductions ----------------------------------------------------------------


def _sum(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return np.sum(x, axis=axis, keepdims=keepdims)


defprimitive(
    "sum",
    _sum,
    lambda g, ans, x, axis=None, keepdims=False: _expand(g, x.shape, axis, keepdims),
)


def _mean(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    """The average over ``axis``: one primitive, where sum-then-divide recorded two."""
    if _reduced_count(np.shape(x), axis) == 0:
        raise NumericalError("the mean of an empty selection is a division by zero")
    return np.mean(x, axis=axis, keepdims=keepdims)


def _reduced_count(shape: tuple[int, ...], axis: Any) -> int:
    """How many elements each result of a reduction over ``axis`` summarises."""
    if axis is None:
        return math.prod(shape)
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    return math.prod(shape[a] for a in axes)


defprimitive(
    "mean",
    _mean,
    lambda g, ans, x, axis=None, keepdims=False: _expand(g, x.shape, axis, keepdims) / _reduced_count(x.shape, axis),
)


def _extremum_vjp(
    g: np.ndarray, ans: np.ndarray, x: np.ndarray, axis: Any = None, keepdims: bool = False
) -> np.ndarray:
    # the gradient goes to the element(s) that won; ties share it equally
    winners = x == _expand(ans, x.shape, axis, keepdims)
    share = winners / np.sum(winners, axis=axis, keepdims=True)
    return _expand(g, x.shape, axis, keepdims) * share


def _max(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return np.max(x, axis=axis, keepdims=keepdims)


def _min(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return np.min(x, axis=axis, keepdims=keepdims)


def _max_values(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    """One ``Value`` per result, whose gradient ties share, as ``_extremum_vjp`` does."""
    return extremum(x, axis, keepdims, largest=True)


def _min_values(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return extremum(x, axis, keepdims, largest=False)


defprimitive("max", _max, _extremum_vjp, scalar_forward=_max_values)
defprimitive("min", _min, _extremum_vjp, scalar_forward=_min_values)


def _logsumexp(x: np.ndarray, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    """log(sum(exp(x))) shifted by the maximum, so no exp ever overflows."""
    return _logsumexp_shifted(x, np.max(x, axis=axis, keepdims=True), axis, keepdims)


def _logsumexp_values(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """The same on the scalar engine, the shift taken from the numbers (it may be either engine's input)."""
    return _logsumexp_shifted(x, np.max(as_numbers(x), axis=axis, keepdims=True), axis, keepdims)


def _logsumexp_shifted(x: Any, shift: np.ndarray, axis: Any, keepdims: bool) -> Any:
    """log(sum(exp(x - shift))) + shift for the largest number ``shift`` of each slice.

    The shift is a constant: its gradient would cancel exactly, so neither
    engine needs to follow it.
    """
    if not np.all(np.isfinite(shift)):
        _refuse(np.equal(shift, -np.inf), "logsumexp of a slice whose elements are all -inf is log(0){at}")
        shift = np.where(np.isfinite(shift), shift, 0.0)
    out = np.log(np.sum(np.exp(x - shift), axis=axis, keepdims=True)) + shift
    return out if keepdims else np.squeeze(out, axis=axis)


defprimitive(  # d/dx logsumexp(x) = softmax(x) = exp(x - ans)
    "logsumexp",
    _logsumexp,
    lambda g, ans, x, axis=None, keepdims=False: (
        _expand(g, x.shape, axis, keepdims) * np.exp(x - _expand(ans, x.shape, axis, keepdims))
    ),
    scalar_forward=_logsumexp_values,
)


# -- softmax and the fused cross-entropies ---------------------------------------
# Each is a primitive for speed and exactness: composed, softmax took three
# operations and a clipped cross-entropy about ten, and the clipping lost the
# gradient of confidently wrong predictions.


def _softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """e^x / sum(e^x) along ``axis``, shifted by the (constant) maximum so no exp overflows."""
    return _softmax_shifted(x, np.max(x, axis=axis, keepdims=True), axis)


def _softmax_values(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """The same on the scalar engine, the shift taken from the Values' numbers."""
    return _softmax_shifted(x, np.max(numbers(x), axis=axis, keepdims=True), axis)


def _softmax_shifted(x: Any, shift: np.ndarray, axis: int) -> Any:
    if not np.all(np.isfinite(shift)):
        _refuse(np.equal(shift, -np.inf), "softmax of a slice whose elements are all -inf divides 0 by 0{at}")
        shift = np.where(np.isfinite(shift), shift, 0.0)
    e = np.exp(x - shift)
    return e / np.sum(e, axis=axis, keepdims=True)


defprimitive(  # ds_i = s_i (g_i - sum_j g_j s_j)
    "softmax",
    _softmax,
    lambda g, ans, x, axis=-1: ans * (g - np.sum(g * ans, axis=axis, keepdims=True)),
    scalar_forward=_softmax_values,
)


def _sigmoid_cross_entropy(z: Any, y: Any) -> Any:
    """-(y ln sigmoid(z) + (1 - y) ln(1 - sigmoid(z))) per element, from the logits z.

    Written as softplus(z) - y z, which is exact for every z: no probability is
    ever rounded to 0 or 1, so nothing needs clipping.
    """
    return _softplus(z) - y * z


def _softplus(z: Any) -> Any:
    """ln(1 + e^z) without overflow."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


_value_softplus = each("softplus")


def _sigmoid_cross_entropy_values(z: Any, y: Any) -> Any:
    """The same on the scalar engine, one ``Value.softplus`` node per logit; logits of numbers stay numbers."""
    return (_value_softplus(z) if is_values(z) else _softplus(z)) - y * z


defprimitive(  # d/dz = sigmoid(z) - y;  d/dy = -z
    "sigmoid_cross_entropy",
    _sigmoid_cross_entropy,
    lambda g, ans, z, y: unbroadcast(g * (_sigmoid(z) - y), np.shape(z)),
    lambda g, ans, z, y: unbroadcast(-g * z, np.shape(y)),
    scalar_forward=_sigmoid_cross_entropy_values,
)


def _softmax_cross_entropy(z: Any, y: Any, axis: int = -1) -> Any:
    """-sum(y ln softmax(z)) along ``axis``, from the logits: sum(y (logsumexp(z) - z)).

    The softmax is taken over ``z``'s ``axis``; ``y`` then broadcasts against it.
    """
    axis = _from_end(axis, z)
    return np.sum(y * (_logsumexp(z, axis=axis, keepdims=True) - z), axis=axis)


def _softmax_cross_entropy_values(z: Any, y: Any, axis: int = -1) -> Any:
    """The same on the scalar engine, where either the logits or the targets may hold the Values."""
    axis = _from_end(axis, z)
    return np.sum(y * (_logsumexp_values(z, axis=axis, keepdims=True) - z), axis=axis)


def _softmax_cross_entropy_vjp_z(g: np.ndarray, ans: np.ndarray, z: Any, y: Any, axis: int = -1) -> np.ndarray:
    # L = sum(y lse(z)) - sum(y z), broadcasting y against z:
    # dL/dz = softmax(z) * (the weight each slice's lse received) - y, each summed back to z's shape
    axis = _from_end(axis, z)
    g = np.expand_dims(g, axis)
    if np.shape(z) == np.shape(y):  # the usual case, and a quick one: g (softmax(z) sum(y) - y)
        return g * (_softmax(z, axis) * np.sum(y, axis=axis, keepdims=True) - y)
    full = np.broadcast_shapes(np.shape(z), np.shape(y))
    lse_weight = unbroadcast(np.sum(g * np.broadcast_to(y, full), axis=axis, keepdims=True), _keepdims_shape(z, axis))
    return _softmax(z, axis) * lse_weight - unbroadcast(np.broadcast_to(g * y, full), np.shape(z))


def _softmax_cross_entropy_vjp_y(g: np.ndarray, ans: np.ndarray, z: Any, y: Any, axis: int = -1) -> np.ndarray:
    # dL/dy = lse(z) - z = -ln softmax(z), summed back to y's shape
    axis = _from_end(axis, z)
    full = np.broadcast_shapes(np.shape(z), np.shape(y))
    minus_log_p = _logsumexp(z, axis=axis, keepdims=True) - z
    return unbroadcast(np.broadcast_to(np.expand_dims(g, axis) * minus_log_p, full), np.shape(y))


def _from_end(axis: int, z: Any) -> int:
    """``axis`` of ``z`` counted from the end, which is how it lines up with a broadcast ``y``."""
    return axis - np.ndim(z) if axis >= 0 else axis


def _keepdims_shape(x: Any, axis: int) -> tuple[int, ...]:
    shape = list(np.shape(x))
    shape[axis] = 1
    return tuple(shape)


defprimitive(
    "softmax_cross_entropy",
    _softmax_cross_entropy,
    _softmax_cross_entropy_vjp_z,
    _softmax_cross_entropy_vjp_y,
    scalar_forward=_softmax_cross_entropy_values,
)


# -- shape changes -------------------------------------------------------------

defprimitive("reshape", np.reshape, lambda g, ans, x, shape: np.reshape(g, np.shape(x)), CONSTANT)


def _transpose(x: np.ndarray, axes: tuple[int, ...] | None = None) -> np.ndarray:
    return np.transpose(x, axes)


defprimitive(
    "transpose",
    _transpose,
    lambda g, ans, x, axes=None: np.transpose(g, None if axes is None else np.argsort(np.mod(axes, np.ndim(x)))),
    CONSTANT,
)


def _getitem(x: np.ndarray, index: Any) -> np.ndarray:
    return x[index]


def _getitem_vjp(g: np.ndarray, ans: np.ndarray, x: np.ndarray, index: Any) -> np.ndarray:
    # scatter g back into zeros; np.add.at sums repeated fancy indices correctly
    out = np.zeros_like(x)
    if _is_basic_index(index):
        out[index] = g
    else:
        np.add.at(out, index, g)
    return out


def _is_basic_index(index: Any) -> bool:
    """Slices, integers, None and Ellipsis select each element at most once."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (slice, int, np.integer)) for p in parts)


defprimitive("getitem", _getitem, _getitem_vjp, CONSTANT)


# -- refusing operations without a real-number answer ------------------------------


def _refuse(bad: Any, message: str, values: Any = None) -> None:
    """Raise ``NumericalError`` if any element of the mask ``bad`` is set, naming the first one.

    ``message`` may contain ``{at}`` (becomes " at index (i, j)" for arrays) and
    ``{value}`` (the offending number, taken from ``values``).
    """
    bad = np.asarray(bad)
    if not bad.any():
        return
    first = tuple(int(i) for i in np.argwhere(bad)[0])
    at = f" at index {first}" if bad.ndim else ""
    value = "" if values is None else f"{float(np.asarray(values)[first] if np.ndim(values) else values):g}"
    raise NumericalError(message.format(at=at, value=value))
