"""Training steps captured once and replayed: the eager step's numbers without its bookkeeping.

A training step is the same work every time: the same operations on arrays
of the same shapes, only the numbers change. So ``train()`` watches the first
steps of each batch shape. It runs the first eagerly while a ``Tape``
records every operation, and the second the same way; if both did the same
operations on the same constants, the second is compiled into a ``Program``
(``smolml_core.array.program``): a flat list of numpy calls writing into
buffers allocated once, the forward pass, the loss and the backward pass
worked out in advance. Every later step with that shape binds the batch, runs
the program and hands the gradients straight to the optimizer's ``step``, in
the order the eager update would. The weights it leaves are bitwise those of
the eager step.

Whatever the program cannot represent stays eager: the scalar engine; an
operation that changes state outside the graph (``MLArray.assign``, such as a
layer's running statistics); random numbers drawn outside operations declared
``random`` (``smolml_core.primitive(..., random=True)``, which a replayed step
calls again for fresh numbers); numbers read out of the graph; constants that differed between the two watched steps (a
graph that depends on the values); and any layer, loss or optimizer with
``capturable = False``. Before each replay, guards check that the network is
still the one compiled: the same layers with the same attributes, the same
parameter arrays holding no gradient, the same loss function, optimizer and
optimizer state. A plan whose guards fail is captured again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from ..array import MLArray, program
from ..array.tape import Tape
from ..rng import get_rng
from .layer import Layer
from .optimizer import Optimizer
from .step import ScoredStep, eager_step
from .walk import named_layers, named_parameters

if TYPE_CHECKING:
    from .network import NeuralNetwork

__all__ = ["Replay", "ReplayReport"]

Key = tuple[Any, ...]


@dataclass
class ReplayReport:
    """How a run's steps were taken: ``history.replay`` after ``train()``."""

    replayed: int = 0
    """Steps run from a captured program."""
    eager: int = 0
    """Steps run by the eager engine (the watched ones included)."""
    captured: int = 0
    """Programs compiled (one per batch shape, again after a guard failed)."""
    eager_because: list[str] = field(default_factory=list)
    """Why steps stayed eager, each reason once; empty when every shape was captured."""

    def __str__(self) -> str:
        why = f" (eager because: {'; '.join(self.eager_because)})" if self.eager_because else ""
        return f"{self.replayed} steps replayed, {self.eager} eager, {self.captured} captured{why}"


class Replay:
    """Capture and replay of one run's training steps; ``step`` takes one, eager or replayed."""

    def __init__(self, network: NeuralNetwork, enabled: bool = True) -> None:
        self.network = network
        self.report = ReplayReport()
        self.plans: dict[Key, _Watched | _Plan | str] = {}
        self.off = None if enabled else "replay was turned off (replay=False)"
        self.changes = 0
        """How often code outside the steps may have changed the layers (see ``may_have_changed``)."""

    def may_have_changed(self) -> None:
        """Code outside the step ran (a callback, the end of an epoch): check the layers before the next replay."""
        self.changes += 1

    def step(self, X: MLArray, y: MLArray, before_update: Callable[[ScoredStep], None] | None) -> float:
        """One training step on the constant rows ``X``, ``y``, with ``train_step``'s contract."""
        key = (X.data.shape, X.data.dtype, y.data.shape, y.data.dtype)
        known = self.plans.get(key)
        if type(known) is _Plan and known.holds(self.network, self.changes):
            self.report.replayed += 1
            return known.run(X.data, y.data, before_update)
        self.report.eager += 1
        if type(known) is str:
            return eager_step(self.network, X, y, before_update).loss
        reason = self.off or _not_capturable(self.network)
        if reason is not None:
            return self._stay_eager(key, reason, X, y, before_update)
        return self._watch(key, known if type(known) is _Watched else None, X, y, before_update)

    def _stay_eager(self, key: Key, reason: str, X: MLArray, y: MLArray, before: Any) -> float:
        return self._give_up(key, reason, eager_step(self.network, X, y, before).loss)

    def _watch(self, key: Key, first: _Watched | None, X: MLArray, y: MLArray, before: Any) -> float:
        """An eager step recorded on a tape: the first of a shape is kept, the second compiled if it agrees."""
        network, tape = self.network, Tape()
        rng = get_rng().bit_generator.state
        parts = _fingerprints(_parts(network))
        done = eager_step(network, X, y, before, tape)
        fixed = [p.data for p in _parameters(network)]
        if tape.unrecordable:
            return self._give_up(key, f"a step uses {tape.unrecordable[0]}", done.loss)
        if not tape.drew_all(rng, get_rng().bit_generator.state):
            return self._give_up(key, "a step draws random numbers outside operations declared random", done.loss)
        seen = program.signature(tape, (X.data, y.data), fixed)
        if first is None:  # the first step may set up what later steps reuse, so only the second is held to this
            self.plans[key] = _Watched(seen)
            return done.loss
        if _fingerprints(_parts(network)) != parts:
            return self._give_up(
                key, "a layer's attributes change during a step (its forward has side effects)", done.loss
            )
        if not program.same_signature(first.signature, seen):
            return self._give_up(key, "two steps of the same shape ran different operations or constants", done.loss)
        self.plans[key] = _Plan.compile(network, tape, done, (X.data, y.data), fixed)
        self.report.captured += 1
        return done.loss

    def _give_up(self, key: Key, reason: str, loss: float) -> float:
        self.plans[key] = reason
        if reason not in self.report.eager_because:
            self.report.eager_because.append(reason)
        return loss


@dataclass
class _Watched:
    """The first watched step of a shape, waiting for a second to agree with it."""

    signature: list[tuple[Any, ...]]


def _parameters(network: NeuralNetwork) -> list[MLArray]:
    return [p for layer in network.layers for p in named_parameters(layer).values()]


def _not_capturable(network: NeuralNetwork) -> str | None:
    """Why this network's steps cannot be replayed at all, or None."""
    for part in [*_parts(network), network.optimizer]:
        if getattr(part, "capturable", True) is False:
            return f"{type(part).__name__} declares capturable = False"
    if any(p.data.dtype == object for p in _parameters(network)):
        return "the scalar engine has no buffers to replay into"
    return None


class _Plan:
    """A compiled step, the guards that say it still fits the network, and the update it ends with."""

    def __init__(self, network: NeuralNetwork, compiled: program.Program, fixed: list[MLArray]) -> None:
        self.network = network
        self.program = compiled
        self.layers = list(network.layers)
        self.loss_function = network.loss_function
        self.optimizer = network.optimizer
        self.parameters = [(p, p.data) for p in fixed]
        self.parts = _parts(network)
        self.fingerprints = _fingerprints(self.parts)
        self.checked = -1
        self.updates: list[tuple[dict[str, Any], np.ndarray, int, tuple[int, str]]] = []
        self.standard_update = type(self.optimizer).update is Optimizer.update and all(
            type(layer).update is Layer.update for layer in self.layers
        )
        loss, predictions, targets, *outputs = compiled.watched
        self.loss, self.predictions, self.targets, self.outputs = loss, predictions, targets, outputs

    @classmethod
    def compile(
        cls, network: NeuralNetwork, tape: Tape, done: Any, inputs: tuple[np.ndarray, ...], fixed: list[np.ndarray]
    ) -> _Plan:
        scored = done.scored
        watch = [done.backward.root.data, scored.predictions.data, scored.targets.data]
        watch += [output.data for output in scored.outputs]
        compiled = program.compile(tape, done.backward, inputs, fixed, watch)
        plan = cls(network, compiled, _parameters(network))
        plan.updates = plan._updates()
        return plan

    def _updates(self) -> list[tuple[dict[str, Any], np.ndarray, int, tuple[int, str]]]:
        """For each parameter the eager update would step, in its order: its state, numbers and gradient slot."""
        slot_of = {id(leaf): slot for leaf, slot in self.program.gradients}
        state = self.optimizer.state
        updates = []
        for index, layer in enumerate(self.layers):
            for name, param in named_parameters(layer).items():
                slot = slot_of.get(id(param))
                if slot is not None:
                    updates.append((state[(index, name)], param.data, slot, (index, name)))
        return updates

    def holds(self, network: NeuralNetwork, changes: int) -> bool:
        """True when the network is still the one this plan was compiled from (see the module's docstring).

        Only code outside the steps can change a layer's attributes (a layer
        that changes its own is never compiled), so they are compared again
        only after ``changes`` moved on. It runs before every replayed step, so
        it is written as plain loops.
        """
        if (
            network.loss_function is not self.loss_function
            or network.optimizer is not self.optimizer
            or network.layers != self.layers  # layers compare by identity
        ):
            return False
        for param, data in self.parameters:
            if param.data is not data or param._grad is not None:
                return False
        state = self.optimizer.state
        for entry, _, _, key in self.updates:
            if state.get(key) is not entry:
                return False
        if changes != self.checked:
            if _fingerprints(self.parts) != self.fingerprints:
                return False
            self.checked = changes
        return True

    def run(self, X: np.ndarray, y: np.ndarray, before_update: Callable[[ScoredStep], None] | None) -> float:
        """One step: the program, the loss, ``before_update``, then the optimizer, as ``eager_step`` orders them."""
        compiled = self.program
        compiled.run((X, y))
        regs = compiled.regs
        value: float = regs[self.loss].item()
        if before_update is not None:
            outputs = [MLArray._result(regs[slot], None) for slot in self.outputs]
            predictions = MLArray._result(regs[self.predictions], None)
            before_update(ScoredStep(value, predictions, MLArray._result(regs[self.targets], None), outputs))
        if self.standard_update:
            step = self.optimizer.step
            for state, numbers, slot, _ in self.updates:
                state["step"] += 1
                step(numbers, regs[slot], state)
        else:
            self._update_through_layers()
        return value

    def _update_through_layers(self) -> None:
        """A layer or optimizer with an ``update`` of its own: hand it the gradients as the eager step does."""
        regs = self.program.regs
        for leaf, slot in self.program.gradients:
            leaf._grad = regs[slot]
        for index, layer in enumerate(self.layers):
            layer.update(self.optimizer, index)
        for param, _ in self.parameters:
            param.restart()


def _fingerprints(parts: list[Any]) -> list[int]:
    """Which objects each part (a layer, the loss function) holds, and which objects its lists and dicts hold.

    An attribute set, replaced or grown (a new activation, a swapped array, a
    sub-layer replaced in a list, a list a layer appends to as it runs)
    changes it.
    """
    found: list[int] = []
    for part in parts:
        attributes = getattr(part, "__dict__", {})
        found += (id(part), len(attributes))
        for value in attributes.values():
            found.append(id(value))
            kind = type(value)
            if kind is list or kind is tuple:
                found.append(len(value))
                found += map(id, value)
            elif kind is dict:
                found.append(len(value))
                found += map(id, value.values())
            elif kind is set:
                found.append(len(value))
    return found


def _parts(network: NeuralNetwork) -> list[Any]:
    """Every layer at any depth, then the loss function."""
    layers = [inner for top in network.layers for inner in (top, *(layer for _, layer in named_layers(top)))]
    return [*layers, network.loss_function]
