"""The optimizer contract: how parameters change, given their gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..array import MLArray, no_grad, scalar
from ..registry import Configurable
from ..registry.kinds import component_base
from ..validation import positive
from .walk import pick

__all__ = ["Optimizer"]


@component_base("optimizer")
class Optimizer(Configurable):
    """Base class of every optimizer.

    A subclass implements ``step(value, grad, state)``: change the numpy array
    ``value`` *in place* using ``grad``. ``state`` is a dict kept for that one
    parameter across steps (momentum buffers go there); ``state["step"]`` counts
    this parameter's updates, starting at 1. Updating in place, outside the
    graph, is what keeps memory flat over long training runs. On the scalar
    engine ``value`` is a copy of the parameter's numbers, written back into
    its ``Value`` objects afterwards, so one ``step`` serves both engines.
    """

    def __init__(self, learning_rate: float = 0.01) -> None:
        self.learning_rate = positive(learning_rate, "learning_rate")
        self.state: dict[tuple[int, str], dict[str, Any]] = {}
        self._scratch: dict[tuple[Any, ...], list[np.ndarray]] = {}

    def scratch(self, like: np.ndarray, count: int) -> list[np.ndarray]:
        """``count`` work arrays shaped like ``like``, made once and handed out again at every step.

        For the temporaries of ``step``: written with numpy's ``out=``, they
        give the numbers a fresh array would, without allocating one per
        parameter per step. They are shared by every parameter of that shape
        and dtype, so their contents last only until ``step`` returns; they
        are not part of ``state`` and are never saved.
        """
        key = (like.shape, like.dtype)
        try:
            arrays = self._scratch[key]
        except (KeyError, AttributeError):  # AttributeError: a subclass that skipped Optimizer.__init__
            arrays = self.__dict__.setdefault("_scratch", {})[key] = []
        if len(arrays) < count:
            arrays += [np.empty_like(like) for _ in range(count - len(arrays))]
        return arrays

    def step(self, value: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        """Update ``value`` in place from ``grad``."""
        raise NotImplementedError(f"{type(self).__name__} must implement step(value, grad, state)")

    def update(self, object: Any, object_idx: int, param_names: tuple[str, ...]) -> tuple[MLArray, ...]:
        """Update the named parameters of ``object`` (a layer) and return them.

        This is the tutorial's entry point; each parameter's state is kept under
        ``(object_idx, name)``, with the name the layer walk gives it
        (``smolml_core.nn.walk``), which is also how a saved file names that
        state. Parameters that received no gradient are left alone.
        """
        params = pick(object, param_names)
        with no_grad():
            for name, param in zip(param_names, params, strict=True):
                grad = param._grad
                if grad is None:
                    continue
                state = self.state.setdefault((object_idx, name), {"step": 0})
                state["step"] += 1
                scalar.change_in_place(param, self.step, grad, state)
        return params

    def reset(self) -> None:
        """Forget all per-parameter state, as if no step had been taken."""
        self.state.clear()

    def state_nbytes(self) -> int:
        """Memory held by the optimizer's buffers."""
        return sum(v.nbytes for s in self.state.values() for v in s.values() if isinstance(v, np.ndarray))

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({params})"
