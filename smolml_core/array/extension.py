"""Operations from outside the core: ``primitive(...)`` turns a numpy forward and its vjps into an operation.

The core's own primitives live in ``primitives.py``; this is the same door
opened to plugins and scripts (HIPS autograd's ``defvjp``, JAX's
``custom_vjp``, PyTorch's ``autograd.Function``). ``primitive`` builds the same
``Primitive`` record the core's table holds and returns an ``Operation``: call
it on ``MLArray``s (or numbers) and it runs through the very ``_apply`` that
``x + y`` and ``x.sum()`` run through, so it records its node, frees its graph
after ``backward()``, refuses a missing gradient rule by name and hands
gradients between the two engines exactly as the core's operations do.

An operation does not join the core's table: a plugin registers it as a
component of the kind ``primitive`` (hook ``smolml_register_primitives``), so
it has a provider, and two plugins giving one name is the registry's usual
error naming both.

On the scalar engine (arrays of ``Value``) an operation runs its ``forward``
on the object arrays (the default: right for forwards written with numpy
functions that ``Value`` answers, such as ``+``, ``*``, ``@``, ``np.exp``,
``np.tanh``), or the ``scalar_forward`` it gives, or, declared ``NO_SCALAR``,
refuses with a ``GraphError`` naming itself and its plugin: never a wrong
gradient.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable
from typing import Any, Final

import smolml_core.array.graph as graph

from ..errors import GraphError
from ..rng import get_rng
from .mlarray import MLArray, _apply
from .primitives import CONSTANT, Primitive, Rule

__all__ = ["NO_SCALAR", "Operation", "primitive"]


class _NoScalar(enum.Enum):
    NO_SCALAR = "no scalar"

    def __repr__(self) -> str:
        return "NO_SCALAR"


NO_SCALAR: Final = _NoScalar.NO_SCALAR
"""As ``scalar_forward``: this operation cannot run on the scalar engine, and says so by name when asked to."""


class Operation:
    """A differentiable operation made by ``primitive(...)``: call it like a function of ``MLArray``s.

    ``op(*args, **kwargs)`` runs ``forward`` on the arguments' numbers (an
    ``MLArray``'s array, a number or numpy array as it is) and returns an
    ``MLArray``; when an argument needs a gradient it records a node, whose
    vjps are later called as ``vjp(g, ans, *inputs, **kwargs)``. Keyword
    arguments are settings (a stride, an axis): passed to the forward and to
    every vjp, never differentiated.
    """

    def __init__(
        self, prim: Primitive, doc: str | None = None, mappings: dict[str, Callable[..., Any]] | None = None
    ) -> None:
        self.primitive = prim
        """The ``Primitive`` record: name, forward, one rule per positional argument, scalar formula."""
        self.mappings: dict[str, Callable[..., Any]] = dict(mappings or {})
        """How to write the operation for other runtimes, by format (``"onnx"``, ``"torch"``): see ``primitive``."""
        # help(), inspect.signature and the source are the forward's; the name is the operation's
        self.__doc__ = doc
        self.__wrapped__ = prim.forward
        self.__name__ = self.__qualname__ = prim.name
        self.__module__ = getattr(prim.forward, "__module__", __name__)

    @property
    def name(self) -> str:
        """The name given to ``primitive``: what graphs, errors and ``made_by`` call the operation."""
        return self.primitive.name

    @property
    def forward(self) -> Callable[..., Any]:
        """The numpy forward: numpy arrays in, a numpy array out."""
        return self.primitive.forward

    @property
    def vjps(self) -> tuple[Rule, ...]:
        """One rule per positional argument: a vjp, ``CONSTANT`` or None (missing)."""
        return self.primitive.vjps

    @property
    def runs_on_values(self) -> bool:
        """False when the operation was declared ``NO_SCALAR``: the scalar engine refuses it."""
        return not isinstance(self.primitive.scalar_forward, _Refusal)

    def __call__(self, *args: Any, **kwargs: Any) -> MLArray:
        return _apply(self.primitive, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<operation {self.name!r}>"


def primitive(
    name: str,
    forward: Callable[..., Any],
    *vjps: Rule,
    scalar_forward: Callable[..., Any] | _NoScalar | None = None,
    random: bool = False,
    onnx: Callable[..., Any] | None = None,
    torch: Callable[..., Any] | None = None,
) -> Operation:
    """A new differentiable operation: ``forward``, then one vector-Jacobian product per positional argument.

    ``forward(*inputs, **kwargs)`` takes numpy arrays (and numbers) and returns
    a numpy array. ``vjps[i]`` is ``vjp(g, ans, *inputs, **kwargs)``: ``g`` is
    the gradient arriving at the output, ``ans`` the output, and it returns the
    gradient for argument ``i``, with that argument's shape (sum a broadcast
    back with ``unbroadcast``). ``CONSTANT`` in its place says the argument is
    not differentiable by nature (an index, a mask); a rule left out is an
    error as soon as an array that needs a gradient is passed there.

    ``scalar_forward``: None to run ``forward`` itself on object arrays of
    ``Value`` (the scalar engine), a callable to run instead there, or
    ``NO_SCALAR`` to refuse the scalar engine by name.

    ``random=True`` declares a forward that draws from ``smolml_core.get_rng()``
    (a dropout mask): training then replays it like any operation, calling the
    forward again at every replayed step, which draws fresh numbers in the
    order eager steps draw them. A forward that draws without saying so keeps
    training eager.

    ``onnx`` and ``torch`` say how a network using the operation is exported
    (``network.to_onnx``, ``network.to_torch``): ``onnx(graph, *args,
    **kwargs)`` adds ONNX nodes to ``graph`` (a ``smolml_core.export.OnnxGraph``)
    and returns the name of the result; ``torch(*args, **kwargs)`` computes it
    with torch functions on tensors. An operation without one cannot be
    exported to that format, and the error names it and its plugin.

    The operation's docstring is ``forward``'s. Register it to give it a
    provider: ``register("primitive", name, op)``, or from a plugin's
    ``smolml_register_primitives(register)`` hook.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"a primitive's name must be a Python identifier, such as 'conv2d', not {name!r}")
    if not callable(forward):
        raise TypeError(f"the forward of primitive {name!r} must be a function, not {forward!r}")
    for position, rule in enumerate(vjps):
        if rule is not None and not callable(rule) and rule is not CONSTANT:
            raise TypeError(
                f"rule {position} of primitive {name!r} must be a vjp function, CONSTANT or None, not {rule!r}"
            )
    refusal = _Refusal(name) if scalar_forward is NO_SCALAR else None
    if refusal is None and scalar_forward is not None and not callable(scalar_forward):
        raise TypeError(f"the scalar_forward of primitive {name!r} must be a function, NO_SCALAR or None")
    formula = refusal or scalar_forward
    given = {"onnx": onnx, "torch": torch}
    for target, mapping in given.items():
        if mapping is not None and not callable(mapping):
            raise TypeError(f"the {target} mapping of primitive {name!r} must be a function, not {mapping!r}")
    mappings = {target: mapping for target, mapping in given.items() if mapping is not None}
    run = _drawing(forward) if random else forward
    prim = Primitive(name, run, tuple(vjps), formula)  # type: ignore[arg-type]
    operation = Operation(prim, forward.__doc__, mappings)
    if refusal is not None:
        refusal.operation = operation
    return operation


def _drawing(forward: Callable[..., Any]) -> Callable[..., Any]:
    """``forward``, telling a recording tape which random numbers it drew (see ``tape.Tape.drew``)."""

    @functools.wraps(forward)
    def drawing(*inputs: Any, **kwargs: Any) -> Any:
        tape = graph._mode.tape
        if tape is None:
            return forward(*inputs, **kwargs)
        generator = get_rng().bit_generator
        before = generator.state
        result = forward(*inputs, **kwargs)
        tape.drew(before, generator.state)
        return result

    return drawing


class _Refusal:
    """The scalar formula of a ``NO_SCALAR`` operation: a ``GraphError`` naming it and whoever registered it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.operation: Operation | None = None

    def __call__(self, *inputs: Any, **kwargs: Any) -> Any:
        raise GraphError(
            f"the operation {self.name!r}{self._provider()} cannot run on the scalar engine (arrays of Value): it "
            "was declared NO_SCALAR; run this network on the array engine, or give the operation a scalar_forward"
        )

    def _provider(self) -> str:
        """`` (registered by plugin ...)`` once the operation is registered; else nothing."""
        from ..registry import get_registry

        entry = get_registry().find_object(self.operation)
        return f" (registered by {entry.provider})" if entry is not None else ""
