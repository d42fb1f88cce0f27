"""``Value``: one number that remembers how it was made, so gradients can flow back.

This is the scalar engine the tutorial starts from. Every operation builds a new
``Value`` (``out``), records its inputs in ``_prev`` and its operation in ``_op``,
and leaves a small ``_backward`` function that adds ``out.grad`` times the local
derivative into each input's ``grad``. ``backward()`` orders the graph and runs
those functions from the output back to the leaves.

Each ``_backward`` takes the Values it needs as default arguments
(``def _backward(self=self, other=other, out=out)``) rather than as free
variables of a closure. It computes the same thing; the difference is what it
leaves for Python's garbage collector, which walks every object that can hold
references whenever enough new ones have appeared. A closure keeps a tuple and
one cell per free variable; default arguments are a single tuple. A node of a
binary operation is then four such objects instead of seven, and on a graph of
a hundred thousand nodes the collector's passes, not the arithmetic, are most
of the time it takes to build.

It is complete on its own, and it is the reference the array engine is checked
against, so it stays deliberately plain.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Union

from .errors import NumericalError

__all__ = ["Value"]

Number = Union[int, float]


class Value:
    """A scalar with a gradient: ``data`` is its value, ``grad`` is d(output)/d(this)."""

    __slots__ = ("_backward", "_op", "_prev", "data", "grad")

    def __init__(self, data: Number, _children: tuple[Value, ...] = (), _op: str = "") -> None:
        self.data = float(data)
        self.grad = 0.0
        self._backward: Callable[[], None] = _no_backward
        self._prev = _children
        self._op = _op

    # -- arithmetic ---------------------------------------------------------

    def __add__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)  # inline: the busiest line of the engine
        out = Value(self.data + other.data, (self, other), "+")

        def _backward(self: Value = self, other: Value = other, out: Value = out) -> None:
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Value | Number) -> Value:
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward(self: Value = self, other: Value = other, out: Value = out) -> None:
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, other: Value | Number) -> Value:
        other = _as_value(other)
        x, y = self.data, other.data
        out = Value(_power(x, y), (self, other), "**")

        def _backward(self: Value = self, other: Value = other, out: Value = out, x: float = x, y: float = y) -> None:
            # d(x^y)/dx = y * x^(y-1) (0 when y == 0);  d(x^y)/dy = x^y * ln(x)
            if out.grad:
                if x == 0 and 0 < y < 1:
                    raise NumericalError(f"the gradient of x ** {y} is infinite at x = 0; add a small epsilon to x")
                self.grad += (y * _power(x, y - 1) if y else 0.0) * out.grad
                other.grad += out.data * _log_base(x, y) * out.grad

        out._backward = _backward
        return out

    def __truediv__(self, other: Value | Number) -> Value:
        other = _as_value(other)
        if other.data == 0.0:
            raise NumericalError(
                f"division by zero: the divisor is 0 ({self.data} / 0); keep divisors away from 0 (add an epsilon)"
            )
        out = Value(self.data / other.data, (self, other), "/")

        def _backward(self: Value = self, other: Value = other, out: Value = out) -> None:
            # d(x/y)/dx = 1/y;  d(x/y)/dy = -x/y^2 = -out/y
            self.grad += out.grad / other.data
            other.grad -= out.grad * out.data / other.data

        out._backward = _backward
        return out

    def __neg__(self) -> Value:  # -x
        return self * -1

    def __sub__(self, other: Value | Number) -> Value:  # x - y
        return self + (-_as_value(other))

    def __radd__(self, other: Number) -> Value:  # n + x
        return self + other

    def __rsub__(self, other: Number) -> Value:  # n - x
        return _as_value(other) - self

    def __rmul__(self, other: Number) -> Value:  # n * x
        return self * other

    def __rtruediv__(self, other: Number) -> Value:  # n / x
        return _as_value(other) / self

    def __rpow__(self, other: Number) -> Value:  # n ** x
        return _as_value(other) ** self

    # -- functions of one input -------------------------------------------

    def _unary(self, result: float, local_grad: float, op: str) -> Value:
        """Build ``out = f(self)`` whose backward adds ``local_grad * out.grad``."""
        out = Value(result, (self,), op)

        def _backward(self: Value = self, local_grad: float = local_grad, out: Value = out) -> None:
            self.grad += local_grad * out.grad

        out._backward = _backward
        return out

    def exp(self) -> Value:
        """e^x, whose derivative is itself."""
        try:
            result = math.exp(self.data)
        except OverflowError:
            result = math.inf
        return self._unary(result, result, "exp")

    def log(self) -> Value:
        """Natural logarithm; derivative 1/x. Defined for x > 0 only."""
        if not self.data > 0 and not math.isnan(self.data):
            raise NumericalError(
                f"log is defined for numbers > 0 only; the input is {self.data:g} (clip it, e.g. x.clip(1e-12, 1.0))"
            )
        return self._unary(math.log(self.data), 1.0 / self.data, "log")

    def sqrt(self) -> Value:
        """Square root; derivative 1/(2 sqrt(x)). Defined for x >= 0; the gradient at 0 is refused."""
        if self.data < 0:
            raise NumericalError(f"sqrt of a negative number ({self.data:g})")
        root = math.sqrt(self.data)
        out = Value(root, (self,), "sqrt")

        def _backward(self: Value = self, out: Value = out, root: float = root) -> None:
            if out.grad and not root:
                raise NumericalError("the gradient of sqrt is infinite at 0; add a small epsilon, sqrt(x + 1e-12)")
            if out.grad:
                self.grad += out.grad / (2.0 * root)

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        """Hyperbolic tangent; derivative 1 - tanh(x)^2."""
        t = math.tanh(self.data)
        return self._unary(t, 1.0 - t * t, "tanh")

    def sigmoid(self) -> Value:
        """1 / (1 + e^-x), evaluated without overflow; derivative s(1 - s)."""
        if self.data >= 0:
            s = 1.0 / (1.0 + math.exp(-self.data))
        else:
            e = math.exp(self.data)
            s = e / (1.0 + e)
        return self._unary(s, s * (1.0 - s), "sigmoid")

    def softplus(self) -> Value:
        """ln(1 + e^x), evaluated without overflow; derivative sigmoid(x).

        It is the loss of a logistic unit, ``-ln sigmoid(-x)``, which is why the
        fused binary cross-entropy uses it.
        """
        x = self.data
        result = max(x, 0.0) + math.log1p(math.exp(-abs(x)))
        e = math.exp(-abs(x))
        slope = 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)
        return self._unary(result, slope, "softplus")

    def relu(self) -> Value:
        """max(0, x); derivative 1 for x > 0, else 0."""
        return self._unary(max(self.data, 0.0), 1.0 if self.data > 0 else 0.0, "ReLU")

    def abs(self) -> Value:
        """|x|; derivative sign(x) (0 at 0)."""
        x = self.data
        sign = 1.0 if x > 0 else -1.0 if x < 0 else 0.0 if x == 0 else math.nan
        return self._unary(abs(self.data), sign, "abs")

    __abs__ = abs

    # -- comparisons compare the numbers; they build no graph ---------------

    def __lt__(self, other: Value | Number) -> bool:
        return self.data < _number(other)

    def __le__(self, other: Value | Number) -> bool:
        return self.data <= _number(other)

    def __gt__(self, other: Value | Number) -> bool:
        return self.data > _number(other)

    def __ge__(self, other: Value | Number) -> bool:
        return self.data >= _number(other)

    def __float__(self) -> float:
        return self.data

    # -- backpropagation ---------------------------------------------------

    def backward(self) -> None:
        """Add d(self)/d(leaf) to the ``grad`` of every leaf this Value depends on.

        Leaves (Values made from numbers) accumulate: call ``backward`` twice, or
        on two losses, and their gradients add up; reset them yourself between
        steps. Inner nodes show this pass's gradient only. The graph is walked
        with an explicit stack, so chains of any length work.
        """
        order = self._topological_order()
        for node in order:
            if node._prev:
                node.grad = 0.0
        self.grad += 1.0
        for node in reversed(order):
            node._backward()

    def _topological_order(self) -> list[Value]:
        """Every Value this one depends on, itself last, each after all of its inputs.

        A depth-first walk, as micrograd's recursive ``build_topo``, with the
        recursion kept in two lists: ``path``, the nodes being visited, and
        ``pending``, for each of them an iterator over the inputs not looked at
        yet. Inputs are visited in the order ``_prev`` lists them, so the order
        depends only on the shape of the computation (drawings number their
        boxes by it). A Value hashes by identity, so ``visited`` holds the nodes.
        """
        order: list[Value] = []
        visited = {self}
        path = [self]
        pending = [iter(self._prev)]
        while path:
            for child in pending[-1]:
                if child not in visited:  # go down into it; come back to the rest of pending[-1] later
                    visited.add(child)
                    path.append(child)
                    pending.append(iter(child._prev))
                    break
            else:  # every input of the last node on the path is in order: the node follows them
                pending.pop()
                order.append(path.pop())
        return order

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"


def _no_backward() -> None:
    """A leaf has nothing to pass its gradient on to."""


def _as_value(x: Value | Number) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _number(x: Value | Number) -> float:
    return x.data if isinstance(x, Value) else float(x)


def _power(x: float, y: float) -> float:
    """x ** y as a real number (0 ** 0 == 1); too large a result is inf, as in numpy."""
    if x == 0.0 and y < 0:
        raise NumericalError(f"0 raised to a negative power ({y:g}) is a division by zero")
    if x < 0 and not float(y).is_integer() and not math.isnan(y):
        raise NumericalError(f"a negative number raised to a fractional power ({x:g} ** {y:g}) is not a real number")
    try:
        return float(x**y)
    except OverflowError:
        odd = float(y).is_integer() and int(y) % 2 == 1
        return -math.inf if x < 0 and odd else math.inf


def _log_base(x: float, y: float) -> float:
    """ln(x) as it appears in d(x^y)/dy, taken as 0 at x = 0 for y >= 0 (as PyTorch does)."""
    if x > 0:
        return math.log(x)
    if x == 0 and y >= 0:
        return 0.0
    return math.nan
