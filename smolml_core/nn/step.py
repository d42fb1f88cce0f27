"""One training step, as the eager engine takes it: ``train_step`` and what it leaves to watchers.

A step is the tutorial's five: forward, loss, backward, update, reset. The
training loop (``training.py``) takes one per batch, eagerly or replayed from
a captured program (``replay.py``), with the same result.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any, NamedTuple

from ..array import MLArray, graph
from ..array.tape import Tape
from .data_checks import as_constant, check_rows, loss_value, match_targets
from .mode import training_mode
from .unused import warn_unused_parameters

if TYPE_CHECKING:
    from .network import NeuralNetwork

__all__ = ["EagerStep", "ScoredStep", "eager_step", "train_step"]


class ScoredStep(NamedTuple):
    """A training step once its loss is known and before its update: what ``before_update`` is shown."""

    loss: float
    """The loss, a float: it measures the weights the step started with."""
    predictions: MLArray
    """The network's output for the step's rows."""
    targets: MLArray
    """The step's targets, shaped as the predictions (a flat ``y`` for one output is a column here)."""
    outputs: list[MLArray]
    """Every layer's output, in order: where a non-finite number first appeared can be read from them."""


def train_step(
    network: NeuralNetwork, X: Any, y: Any, *, before_update: Callable[[ScoredStep], None] | None = None
) -> float:
    """One step of gradient descent on the rows ``X``, ``y``; returns the loss.

    The tutorial's five steps, which ``train`` takes once per batch: the forward
    pass in training mode, the loss, ``loss.backward()``,
    ``layer.update(optimizer, index)`` for every layer (the optimizer changes
    the parameters in place), and every parameter's gradient reset. The loss
    measures the weights the step started with. A step on all the rows changes
    the network exactly as one full-batch epoch of ``train`` does, bit for bit,
    without the bookkeeping (``epochs_trained``, history, callbacks, schedule).

    ``X`` and ``y`` are data as ``train`` takes it, converted to constants of
    the network's dtype and checked the same way; MLArrays that need no
    gradient are used as they are, as ``forward`` uses them.
    ``before_update``, if given, is called with the ``ScoredStep`` once the
    loss is known; if it raises, the step ends there and the weights stay as
    they were (that is where ``train`` stops on a non-finite loss and calls the
    callbacks' ``on_step_scored``).
    """
    if not (_is_constant(X) and _is_constant(y)):
        X, y = _constant(X, "X", network), _constant(y, "y", network)
        check_rows(X, y)
    return eager_step(network, X, y, before_update).loss


class EagerStep(NamedTuple):
    """What an eager step leaves for whoever watches it: the scored step and its backward plan."""

    loss: float
    scored: ScoredStep
    backward: graph.Plan


def eager_step(
    network: NeuralNetwork,
    X: MLArray,
    y: MLArray,
    before_update: Callable[[ScoredStep], None] | None,
    tape: Tape | None = None,
) -> EagerStep:
    """``train_step`` on rows already made constants; ``tape``, if given, records the forward pass and the loss."""
    outputs: list[MLArray] = []
    with training_mode(), nullcontext() if tape is None else tape.recording((X.data, y.data)):
        y_pred = network._forward(X, outputs)
        y = match_targets(y, y_pred, network.loss_function)
        loss = network.loss_function(y_pred, y)
    value = loss_value(loss, network.loss_function)
    scored = ScoredStep(value, y_pred, y, outputs)
    if before_update is not None:
        before_update(scored)
    backward = graph.plan(loss)
    graph.run(backward)  # loss.backward(), keeping the plan
    if not network.__dict__.get("_unused_checked", False):
        network._unused_checked = True
        warn_unused_parameters(network)
    for index, layer in enumerate(network.layers):
        layer.update(network.optimizer, index)
    for layer in network.layers:
        for param in layer.parameters().values():
            param.restart()
    return EagerStep(value, scored, backward)


def _is_constant(data: Any) -> bool:
    """An MLArray that needs no gradient: used as it is, as ``forward`` uses it (the loop's batches, checked once)."""
    return isinstance(data, MLArray) and not data.requires_grad


def _constant(data: Any, name: str, network: NeuralNetwork) -> MLArray:
    """Data as a constant: converted to the network's dtype and checked as ``train`` does, unless it is one."""
    return data if _is_constant(data) else as_constant(data, name, network.dtype)
