"""``MLArray``: an n-dimensional array of numbers with reverse-mode autograd.

An ``MLArray`` wraps a numpy array (``.data``). Arithmetic on it runs the
primitive's numpy forward and, while recording is on and some input needs a
gradient, remembers the primitive and its inputs; ``backward()`` later turns
those records into gradients (see ``graph.py`` and ``primitives.py``).

It plays the part the tutorial's ``MLArray`` of ``Value`` objects plays, with the
same method names (``grad()``, ``restart()``, ``to_list()``, ``ensure_array``),
at numpy speed. On the scalar engine (``engine="scalar"``, see ``scalar.py``)
it is exactly that picture: its elements are ``Value`` objects, and
``Value.backward`` computes the gradients.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any, Union

import numpy as np

import smolml_core.array.graph as graph
import smolml_core.array.scalar as scalar

from ..errors import ConfigError, DataError, ShapeError
from ..value import Value
from .graph import FREED, Node, Record
from .primitives import CONSTANT, PRIMITIVES, Primitive
from .scalar import OBJECT
from .tape import Entry, Tape

__all__ = ["MLArray", "Number", "sigmoid_cross_entropy", "softmax_cross_entropy", "where"]

ArrayLike = Union["MLArray", np.ndarray, Sequence[Any], float, int]
Axis = Union[int, Sequence[int], None]

_P = PRIMITIVES
_next_seq = itertools.count().__next__


class MLArray:
    """An array of floats that records the operations applied to it, for ``backward()``.

    ``MLArray(data)`` accepts a number, a (rectangular) nested list, a numpy array
    or another ``MLArray``, and copies it. Integers and booleans become
    ``float64``; ``dtype=np.float32`` asks for single precision.
    ``requires_grad=False`` makes a constant: no gradient is computed for it.

    ``engine="scalar"`` makes every element a ``Value`` (new leaf Values holding
    the numbers), so the tutorial's scalar autograd does the differentiation.
    ``Value`` objects given directly (a list of them, or an array of dtype
    object) are kept as they are, on the scalar engine, so graphs built by
    hand connect to array operations; another ``MLArray`` is copied, as always.
    """

    __slots__ = ("__weakref__", "_grad", "_node", "_seq", "data", "requires_grad")
    __array_ufunc__ = None  # numpy defers ``ndarray + MLArray`` to our __radd__

    data: np.ndarray

    def __init__(
        self, data: ArrayLike, *, dtype: Any = None, requires_grad: bool = True, engine: str | None = None
    ) -> None:
        storage = _to_storage(data, dtype, None if engine is None else scalar.check_engine(engine))
        self.data = storage if storage.ndim else storage.view(Number)
        self.requires_grad = requires_grad
        self._grad: np.ndarray | None = None
        self._node: Record = None  # how it was made (see graph.Node); None for an array made directly
        self._seq = _next_seq()  # creation order, which backward() sorts by

    @classmethod
    def _result(cls, data: np.ndarray, node: Node | None) -> MLArray:
        """Wrap a primitive's output without copying or converting it."""
        out = cls.__new__(cls)
        out.data = data if data.ndim else data.view(Number)
        out.requires_grad = node is not None
        out._grad = None
        out._node = node
        out._seq = _next_seq()
        return out

    # -- basic facts -------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype[Any]:
        """The numbers' precision; float64 on the scalar engine (a ``Value`` holds a Python float)."""
        return _FLOAT64 if self.data.dtype == object else self.data.dtype

    @property
    def engine(self) -> str:
        """``"scalar"`` when the elements are ``Value`` objects, else ``"array"``."""
        return "scalar" if self.data.dtype == object else "array"

    @property
    def is_leaf(self) -> bool:
        """True for arrays made directly (parameters, data), False for results of recorded operations."""
        return self._node is None

    def size(self) -> int:
        """Number of elements (a method, as in the tutorial)."""
        return int(self.data.size)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("a 0-dimensional MLArray has no length")
        return len(self.data)

    def __iter__(self) -> Iterator[MLArray]:
        for i in range(len(self)):
            yield self[i]

    # -- gradients -----------------------------------------------------------

    def backward(self, grad: ArrayLike | None = None, *, retain_graph: bool = False) -> None:
        """Compute d(self)/d(x) for every array x this one was computed from.

        ``self`` must hold a single number unless ``grad`` (the gradient arriving
        at ``self``, same shape) is given. Results accumulate in each leaf's
        ``grad()`` until ``restart()``.
        """
        g = None if grad is None else np.asarray(_raw_numbers(grad), dtype=self.dtype)
        graph.backward(self, g, retain_graph=retain_graph)

    def grad(self) -> MLArray:
        """The gradient held by this array (zeros before any ``backward()``), as a constant of numbers."""
        if self._grad is None:
            return MLArray(np.zeros(self.shape, dtype=self.dtype), requires_grad=False)
        return MLArray(self._grad, requires_grad=False)

    def restart(self) -> MLArray:
        """Forget the gradient this array holds, ready for the next step; returns the array (``X = X.restart()``)."""
        self._grad = None
        if self.data.dtype == object:
            scalar.reset_gradients(self.data)
        return self

    def assign(self, numbers: ArrayLike) -> None:
        """Write ``numbers`` into this array in place, on either engine (a load, ``set_weights``).

        The array keeps its identity, its storage and its engine, so everything
        that holds it (a layer, an optimizer's state, a drawing of the graph)
        sees the new numbers. ``numbers`` must have the array's shape.
        """
        new = np.asarray(_raw_numbers(numbers))
        if graph._mode.tape is not None:
            graph._mode.tape.note("MLArray.assign (a state change outside the operations)")
        if new.shape != self.data.shape:
            raise ShapeError(f"assign() needs numbers of shape {self.data.shape}, not {new.shape}")
        if self.data.dtype == object:
            scalar.assign(self.data, new)
        else:
            self.data[...] = new

    def detach(self) -> MLArray:
        """The same numbers as a constant outside any graph (shared on the array engine, new Values on the scalar)."""
        if self.data.dtype == object:
            return MLArray._result(scalar.constant(self.data), None)
        return MLArray._result(self.data, None)

    def to_engine(self, engine: str) -> MLArray:
        """A new leaf array with the same numbers on ``engine`` (``"array"`` or ``"scalar"``)."""
        return MLArray(_numbers(self), requires_grad=self.requires_grad, engine=engine)

    def value(self, *index: int) -> Value:
        """The ``Value`` at ``index`` on the scalar engine; with no index, the array's only element.

        ``loss.value()`` is the loss as a ``Value`` whose ``_prev`` and ``_op``
        can be followed back through the whole computation;
        ``layer.weights.value(0, 3)`` is one weight, with its ``.grad``.
        """
        if self.data.dtype != object:
            raise TypeError(
                "this MLArray runs on the array engine, so its elements are plain numbers, not Values; "
                "use MLArray(..., engine='scalar'), array.to_engine('scalar') or network.set_engine('scalar')"
            )
        if not index:
            if self.data.size != 1:
                raise ShapeError(f"value() without an index needs an array of one element, not shape {self.shape}")
            return self.data.reshape(-1)[0]
        try:
            found = self.data[index]
        except IndexError as exc:
            raise ShapeError(f"index {index} does not fit an array of shape {self.shape}") from exc
        if not isinstance(found, Value):
            raise ShapeError(f"index {index} selects shape {found.shape}, not one element; give one index per axis")
        return found

    # -- conversions -----------------------------------------------------------

    def to_list(self) -> Any:
        """The values as nested Python lists (a float for a 0-d array; ``Value`` objects on the scalar engine)."""
        _reading(self, "to_list()")
        return self.data.tolist()

    def item(self) -> float:
        """The single number this array holds."""
        _reading(self, "item()")
        if self.data.size != 1:
            raise ShapeError(f"item() needs an array of one element, not shape {self.shape}")
        return float(self.data.reshape(()))

    def numpy(self) -> np.ndarray:
        """A copy of the numbers as a numpy array (on either engine)."""
        _reading(self, "numpy()")
        return _numbers(self).copy()

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        _reading(self, "np.asarray()")
        numbers = _numbers(self)
        return numbers if dtype is None else numbers.astype(dtype)

    def __float__(self) -> float:
        return self.item()

    def __bool__(self) -> bool:
        _reading(self, "bool()")
        return bool(_numbers(self))

    @staticmethod
    def ensure_array(*items: ArrayLike, dtype: Any = None) -> Any:
        """Each argument as an ``MLArray`` (arrays pass through unchanged).

        One argument gives one array; several give a tuple, so
        ``X, y = MLArray.ensure_array(X, y)`` reads as in the tutorial.
        """
        arrays = tuple(x if isinstance(x, MLArray) else MLArray(x, dtype=dtype) for x in items)
        return arrays[0] if len(arrays) == 1 else arrays

    def __repr__(self) -> str:
        body = np.array2string(_numbers(self), separator=", ", prefix="MLArray(")
        return f"MLArray({body}, engine='scalar')" if self.data.dtype == object else f"MLArray({body})"

    # -- arithmetic (numbers and arrays on either side, numpy broadcasting) ----

    def __add__(self, other: ArrayLike) -> MLArray:
        return _apply(_P["add"], self, other)

    def __radd__(self, other: ArrayLike) -> MLArray:
        return _apply(_P["add"], other, self)

    def __sub__(self, other: ArrayLike) -> MLArray:
        return _apply(_P["subtract"], self, other)

    def __rsub__(self, other: ArrayLike) -> MLArray:
        return _apply(_P["subtract"], other, self)

    def __mul__(self, other: ArrayLike) -> MLArray:
        return _apply(_P["multiply"], self, other)

    def __rmul__(self, other: ArrayLike) -> MLArray:
        return _apply(_P["multiply"], other, self)

    def __truediv__(self, other: ArrayLike) -> MLArray:
        return _apply(_P["divide"], self, other)

    def __rtruediv__(self, other: ArrayLike) -> MLArray:
        return _apply(_P["divide"], other, self)

    def __pow__(self, other: ArrayLike) -> MLArray:
        return _apply(_P["power"], self, other)

    def __rpow__(self, other: ArrayLike) -> MLArray:
        return _apply(_P["power"], other, self)

    def __matmul__(self, other: ArrayLike) -> MLArray:
        return _apply(_P["matmul"], self, _as_array_operand(other))

    def __rmatmul__(self, other: ArrayLike) -> MLArray:
        return _apply(_P["matmul"], _as_array_operand(other), self)

    def __neg__(self) -> MLArray:
        return _apply(_P["negative"], self)

    def __abs__(self) -> MLArray:
        return _apply(_P["abs"], self)

    # Ordering comparisons give a constant array of 0.0/1.0 (a mask); == and !=
    # keep Python's identity meaning, because arrays are nodes of a graph.
    def __lt__(self, other: ArrayLike) -> MLArray:
        return _compare(_P["less"], self, other)

    def __le__(self, other: ArrayLike) -> MLArray:
        return _compare(_P["less_equal"], self, other)

    def __gt__(self, other: ArrayLike) -> MLArray:
        return _compare(_P["greater"], self, other)

    def __ge__(self, other: ArrayLike) -> MLArray:
        return _compare(_P["greater_equal"], self, other)

    __hash__ = object.__hash__

    # -- elementwise functions -------------------------------------------------

    def exp(self) -> MLArray:
        return _apply(_P["exp"], self)

    def log(self) -> MLArray:
        return _apply(_P["log"], self)

    def sqrt(self) -> MLArray:
        return _apply(_P["sqrt"], self)

    def abs(self) -> MLArray:
        return _apply(_P["abs"], self)

    def tanh(self) -> MLArray:
        return _apply(_P["tanh"], self)

    def sigmoid(self) -> MLArray:
        """1 / (1 + e^-x), stable for any x."""
        return _apply(_P["sigmoid"], self)

    def relu(self) -> MLArray:
        """max(x, 0); the gradient is 1 where x > 0, else 0."""
        return _apply(_P["relu"], self)

    def softmax(self, axis: int = -1) -> MLArray:
        """e^x / sum(e^x) along ``axis``: each slice becomes a probability distribution, stable for any x."""
        return _apply(_P["softmax"], self, axis=axis)

    def clip(self, low: float, high: float) -> MLArray:
        """Values limited to [low, high]; the gradient passes only inside that range."""
        return _apply(_P["clip"], self, low, high)

    # -- reductions ------------------------------------------------------------

    def sum(self, axis: Axis = None, keepdims: bool = False) -> MLArray:
        return _apply(_P["sum"], self, axis=_axis(axis), keepdims=keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> MLArray:
        return _apply(_P["mean"], self, axis=_axis(axis), keepdims=keepdims)

    def max(self, axis: Axis = None, keepdims: bool = False) -> MLArray:
        return _apply(_P["max"], self, axis=_axis(axis), keepdims=keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False) -> MLArray:
        return _apply(_P["min"], self, axis=_axis(axis), keepdims=keepdims)

    def std(self, axis: Axis = None, keepdims: bool = False) -> MLArray:
        """Population standard deviation, sqrt(mean((x - mean(x))^2))."""
        centred = self - self.mean(axis, keepdims=True)
        return (centred * centred).mean(axis, keepdims).sqrt()

    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> MLArray:
        """log(sum(exp(x))), computed without overflow."""
        return _apply(_P["logsumexp"], self, axis=_axis(axis), keepdims=keepdims)

    # -- shape -------------------------------------------------------------------

    def reshape(self, *shape: Any) -> MLArray:
        """Same values in a new shape; ``reshape(2, 3)`` and ``reshape((2, 3))`` both work."""
        target = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return _apply(_P["reshape"], self, target)

    def transpose(self, *axes: Any) -> MLArray:
        """Axes reversed, or put in the order given."""
        order = tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes
        return _apply(_P["transpose"], self, order or None)

    @property
    def T(self) -> MLArray:
        return self.transpose()

    def made_by(self, operation: str, **params: Any) -> MLArray | None:
        """The input of ``operation`` if this array is its recorded result (with these ``params``), else None.

        ``probabilities.made_by("sigmoid")`` gives the logits a sigmoid turned into
        ``probabilities``: the standard cross-entropies use it to work from the
        logits, exactly, whenever the probabilities came straight from a sigmoid
        or softmax. Nothing is recorded under ``no_grad``, so it is None there.
        """
        node = self._node
        if node is None or node is FREED or node.primitive.name != operation:
            return None
        if any(node.kwargs.get(key) != value for key, value in params.items()):
            return None
        return node.parents[0]

    def __getitem__(self, index: Any) -> MLArray:
        if isinstance(index, MLArray):
            index = index.data.astype(np.intp) if index.data.dtype.kind == "f" else index.data
        return _apply(_P["getitem"], self, index)


class Number(np.ndarray):
    """The 0-d numpy array a one-number ``MLArray`` keeps, whose ``.data`` is that number.

    In the tutorial a loss is an ``MLArray`` of one ``Value``, so
    ``loss.data.data`` is a Python float. Here ``loss.data`` is a 0-d numpy
    array, and numpy's own ``.data`` would be its memory buffer; this view
    gives the number instead (the ``Value``'s number on the scalar engine).
    Anything numpy computes from it is a plain ``ndarray`` again, so it never
    spreads through a computation.
    """

    @property
    def data(self) -> Any:
        number = self.item()
        return number.data if isinstance(number, Value) else number

    def __array_wrap__(self, array: Any, context: Any = None, return_scalar: bool = False) -> Any:
        return array[()] if return_scalar else array.view(np.ndarray)


def sigmoid_cross_entropy(logits: ArrayLike, targets: ArrayLike) -> MLArray:
    """Binary cross-entropy per element from logits z: -(y ln sigmoid(z) + (1 - y) ln(1 - sigmoid(z))).

    Computed as softplus(z) - y z, exact for any z, with gradient sigmoid(z) - y.
    """
    return _apply(_P["sigmoid_cross_entropy"], logits, targets)


def softmax_cross_entropy(logits: ArrayLike, targets: ArrayLike, axis: int = -1) -> MLArray:
    """Cross-entropy per slice from logits z: -sum(y ln softmax(z)) along ``axis`` (that axis is removed).

    Computed as sum(y (logsumexp(z) - z)), exact for any z, with gradient softmax(z) sum(y) - y.
    """
    return _apply(_P["softmax_cross_entropy"], logits, targets, axis=axis)


def where(condition: ArrayLike, x: ArrayLike, y: ArrayLike) -> MLArray:
    """Elements of ``x`` where ``condition`` holds, else of ``y``; the gradient follows the choice."""
    if isinstance(condition, MLArray) and condition.data.dtype is not OBJECT:  # a mask made by an operation
        return _apply(_P["where"], condition, x, y)
    return _apply(_P["where"], np.asarray(_raw_numbers(condition), dtype=bool), x, y)


# -- machinery --------------------------------------------------------------------


def _apply(prim: Primitive, *args: Any, **kwargs: Any) -> MLArray:
    """Run a primitive on raw values and, if a gradient is wanted, record its ``Node``.

    Every operation of every epoch passes through here, so it is written to do
    as little Python work as possible: one pass over the arguments, and one
    choice of formula (the scalar engine's when any input holds Values).
    """
    inputs_: list[Any] = []
    parents_: list[MLArray | None] = []
    on_values = wants_grad = False
    vjps = prim.vjps
    for i, a in enumerate(args):
        if isinstance(a, MLArray):
            data = a.data
            if data.dtype is OBJECT:
                on_values = True
            if not a.requires_grad or (rule := vjps[i] if i < len(vjps) else None) is CONSTANT:
                parents_.append(None)  # a constant, or passed where the primitive reads only numbers
            else:
                if rule is None and graph._mode.enabled:
                    raise prim.missing_rule(i)
                parents_.append(a)
                wants_grad = True
        else:
            data = a
            parents_.append(None)
            if type(data) is np.ndarray and data.dtype is OBJECT:
                on_values = True
        inputs_.append(data)
    inputs = tuple(inputs_)
    parents = tuple(parents_)
    try:
        if on_values:
            inputs, ans = scalar.forward(prim.scalar_forward or prim.forward, inputs, parents, kwargs)
        else:
            ans = prim.forward(*inputs, **kwargs)
    except ValueError as exc:
        shapes = ", ".join(str(np.shape(x)) for x in inputs if isinstance(x, np.ndarray))
        raise ShapeError(f"{prim.name} cannot combine arrays of shapes {shapes}: {exc}") from exc
    except IndexError as exc:
        raise ShapeError(f"index {args[1]!r} does not fit an array of shape {np.shape(inputs[0])}: {exc}") from exc
    if type(ans) is not np.ndarray:
        ans = np.asarray(ans)
    mode = graph._mode
    if not wants_grad or not mode.enabled:  # a constant: on the scalar engine, cut loose from its inputs
        result = MLArray._result(scalar.constant(ans) if on_values else ans, None)
    else:
        result = MLArray._result(ans, _new_node(Node, (prim, inputs, parents, kwargs)))
    if mode.tape is not None:
        _record(mode.tape, prim, inputs, kwargs, result.data, on_values)
    return result


def _reading(array: MLArray, how: str) -> None:
    """Tell the tape that is recording, if any, that numbers are read out of ``array``."""
    tape = graph._mode.tape
    if tape is not None:
        tape.read(array.data, how)


def _record(
    tape: Tape, prim: Primitive, inputs: tuple[Any, ...], kwargs: dict[str, Any], ans: Any, on_values: bool
) -> None:
    """Put one operation on the tape that is recording (see ``tape.py``)."""
    if on_values:
        tape.note("the scalar engine")
    tape.entries.append(Entry(prim, inputs, kwargs, ans))
    tape.derived.add(id(ans))


_new_node = tuple.__new__  # Node(...) without its Python-level __new__: a node is made for every operation


def _to_storage(data: Any, dtype: Any, engine: str | None) -> np.ndarray:
    """The numpy array an MLArray keeps: numbers, or ``Value`` objects on the scalar engine."""
    if isinstance(data, MLArray):  # a copy, as on the array engine: new leaf Values, not the shared ones
        source: Any = _numbers(data)
        engine = engine or data.engine
    else:
        source = data
    holds_values = scalar.is_values(source) or isinstance(source, Value) or _first_is_value(source)
    if engine is None:
        engine = "scalar" if holds_values else "array"
    if engine == "array":
        if holds_values:
            source = scalar.numbers(_value_array(source))
        return _to_numpy(source, dtype)
    if dtype is not None and np.dtype(dtype) != _FLOAT64:
        raise ConfigError(f"the scalar engine computes in float64 (Python floats), so dtype={dtype!r} cannot be used")
    if holds_values:
        return _value_array(source)
    return scalar.to_values(_to_numpy(source, None))


def _first_is_value(data: Any) -> bool:
    """True when nested lists hold ``Value`` objects (checked on the first element)."""
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
    return isinstance(data, Value)


def _value_array(data: Any) -> np.ndarray:
    """Nested lists or an object array of ``Value`` as a new object array, every element checked."""
    try:
        array = np.array(data, dtype=object)
    except ValueError as exc:
        where_ = _first_ragged(data)
        raise ShapeError(f"MLArray needs rectangular data; {where_ or exc}") from exc
    for x in array.flat:
        if not isinstance(x, Value):
            raise TypeError(f"an MLArray of Value objects must hold only Values, but it also holds {x!r}")
    return array


def _to_numpy(data: Any, dtype: Any) -> np.ndarray:
    """Numbers as a new numpy array; ``None``, text and objects are refused whether or not ``dtype`` is given."""
    try:
        array = np.array(data)  # without dtype=: numpy would turn None into nan and parse text
    except ValueError as exc:
        where_ = _first_ragged(data)
        raise ShapeError(
            f"MLArray needs rectangular data (every row the same length); {where_}"
            if where_
            else f"cannot make an MLArray from this data: {exc}"
        ) from exc
    except TypeError as exc:
        raise TypeError(f"cannot make an MLArray from {type(data).__name__}: {exc}") from exc
    if array.dtype.kind not in "biuf":
        raise DataError(_not_numbers(array))
    if dtype is not None:
        array = array.astype(dtype, copy=False)
        if array.dtype.kind != "f":
            raise DataError(f"MLArray holds real numbers, so dtype={dtype!r} cannot be used; use float64 or float32")
    elif array.dtype.kind != "f":
        array = array.astype(np.float64)
    return array


def _not_numbers(array: np.ndarray) -> str:
    """Say what in ``data`` is not a number: the first ``None``, text or other object, else its numpy dtype."""
    what = f"numpy dtype {array.dtype}"
    for x in array.reshape(-1):
        if x is None:
            what = "None"
            break
        if isinstance(x, (str, bytes, np.str_, np.bytes_)):
            what = f"the text {str(x)!r}"
            break
        if not isinstance(x, (int, float, np.integer, np.floating)):
            what = f"a {type(x).__name__}"
            break
    return (
        f"MLArray holds real numbers, but this data holds {what}; convert it to numbers first "
        "(float(text) for text; drop or fill in the missing values for None)"
    )


def _first_ragged(data: Any, where_: str = "data") -> str | None:
    """Describe the first place where nested lists stop being rectangular."""
    if not isinstance(data, (list, tuple)) or not data:
        return None
    lengths = [len(item) if isinstance(item, (list, tuple, np.ndarray)) else None for item in data]
    if len(set(lengths)) > 1:
        first = lengths[0]
        for i, n in enumerate(lengths):
            if n != first:
                what = "a number" if n is None else f"length {n}"
                expected = "a number" if first is None else f"length {first}"
                return f"{where_}[{i}] has {what} where {where_}[0] has {expected}"
    for i, item in enumerate(data):
        found = _first_ragged(item, f"{where_}[{i}]")
        if found:
            return found
    return None


def _numbers(x: MLArray) -> np.ndarray:
    """The numbers an array holds, whichever engine it runs on."""
    return scalar.numbers(x.data) if x.data.dtype == object else x.data


def _raw_numbers(x: Any) -> Any:
    return _numbers(x) if isinstance(x, MLArray) else x


def _as_array_operand(x: Any) -> Any:
    """Matrix products need arrays on both sides; lists become constant arrays."""
    return x if isinstance(x, (MLArray, np.ndarray)) else np.asarray(x, dtype=np.float64)


_FLOAT64 = np.dtype(np.float64)


def _compare(prim: Primitive, x: MLArray, other: Any) -> MLArray:
    """A mask of 1.0 where the comparison holds, 0.0 elsewhere, in ``x``'s dtype: a constant to the gradient.

    On the array engine it is an operation like any other, so a replayed step
    computes it again from the new numbers; on the scalar engine, a mask of numbers.
    """
    if x.data.dtype is OBJECT or (isinstance(other, MLArray) and other.data.dtype is OBJECT):
        return MLArray._result(prim.forward(_numbers(x), _raw_numbers(other)), None)
    return _apply(prim, x, other)


def _axis(axis: Axis) -> int | tuple[int, ...] | None:
    return axis if axis is None or isinstance(axis, (int, np.integer)) else tuple(axis)
