"""The learning-rate schedule contract: the rate for each epoch.

A schedule answers one question, "what learning rate for this epoch?", given
the epoch number and the optimizer's own rate. The trainer asks it at the start
of every epoch, sets ``optimizer.learning_rate`` and logs the answer as ``"lr"``.
The standard schedules (``step_decay``, ``cosine``...) come from ``smolml_std``.
"""

from __future__ import annotations

import math
from typing import Any

from ..errors import ConfigError, SmolMLError, TrainingError
from ..registry import Configurable, resolve
from ..registry.kinds import component_base

__all__ = ["Schedule", "resolve_schedule", "scheduled_rate"]


@component_base("schedule")
class Schedule(Configurable):
    """Base class of every learning-rate schedule.

    A subclass implements ``__call__(epoch, base_lr)`` and returns the rate for
    ``epoch``, which counts from 0 over the network's life
    (``network.epochs_trained`` when the epoch starts), so a resumed run
    continues its schedule. ``base_lr`` is the optimizer's configured rate.
    Constructor arguments are recorded, so a schedule can be written by name.
    """

    def __call__(self, epoch: int, base_lr: float) -> float:
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(epoch, base_lr)")

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({params})"


def resolve_schedule(ref: Any, param: str = "lr_schedule") -> Any:
    """The schedule ``ref`` names: a registered name, a ``{"type": ...}`` table, a ``Schedule`` or a function."""
    schedule = resolve("schedule", ref, param=param)
    if not callable(schedule):
        raise ConfigError(f"a schedule must be callable as schedule(epoch, base_lr), not {schedule!r}", path=(param,))
    return schedule


def scheduled_rate(schedule: Any, epoch: int, base_lr: float) -> float:
    """The schedule's rate for ``epoch``, checked to be a finite number >= 0."""
    try:
        rate = schedule(epoch, base_lr)
    except SmolMLError as exc:
        raise exc.at("lr_schedule") from None
    try:
        value = float(rate)
    except (TypeError, ValueError):
        value = math.nan
    if isinstance(rate, bool) or not 0 <= value < math.inf:
        raise TrainingError(
            f"the learning-rate schedule {schedule!r} gave {rate!r} for epoch {epoch}; "
            "a learning rate must be a finite number >= 0"
        )
    return value
