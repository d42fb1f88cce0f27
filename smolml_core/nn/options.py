"""How a training run trains: ``NeuralNetwork.train``'s options as one object, checked once when made."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import ConfigError
from .checkpoint import Checkpoint
from .data_checks import check_count

__all__ = ["TrainingOptions"]


@dataclass(frozen=True, kw_only=True)
class TrainingOptions:
    """Everything about a run but the network and the data: ``train``'s arguments, by the same names.

    ``NeuralNetwork.train`` builds one from its arguments (the defaults here are
    its defaults; see its docstring for what each option does) and hands it to
    the training loop. Each option is checked on its own when the object is
    made, with the error ``train`` has always raised for it, its path the
    option's name (``batch_size: must be a whole number >= 1, got 0``). What
    also depends on the data, the network or the registry (the validation rows,
    metric, schedule and callback names, whether the run logs what the
    checkpoint watches) is checked when the run starts, before the first epoch.
    """

    epochs: int
    verbose: bool = True
    print_every: int = 1
    batch_size: int | None = None
    shuffle: bool = True
    validation_data: Any = None
    validation_split: float = 0.0
    metrics: Any = ()
    early_stopping: Any = None
    lr_schedule: Any = None
    callbacks: Any = ()
    stop_on_nan: bool = True
    checkpoint: Checkpoint | None = None
    replay: bool = True

    def __post_init__(self) -> None:
        check_count(self.epochs, "epochs", minimum=0)
        check_count(self.print_every, "print_every", minimum=1)
        if self.batch_size is not None:
            check_count(self.batch_size, "batch_size", minimum=1)
        for name in ("shuffle", "replay"):
            if not isinstance(getattr(self, name), (bool, np.bool_)):
                raise ConfigError(f"must be True or False, got {getattr(self, name)!r}", path=(name,))
        _check_validation(self.validation_data, self.validation_split)
        if self.checkpoint is not None and not isinstance(self.checkpoint, Checkpoint):
            raise ConfigError(f"must be a smolml_core.Checkpoint, got {self.checkpoint!r}", path=("checkpoint",))


def _check_validation(validation_data: Any, validation_split: Any) -> None:
    """A fraction in [0, 1), or a pair (X_val, y_val), not both; the rows themselves are checked at the start."""
    split = validation_split
    if isinstance(split, bool) or not isinstance(split, (int, float, np.floating)) or not 0 <= split < 1:
        raise ConfigError(f"must be a fraction in [0, 1), got {split!r}", path=("validation_split",))
    if validation_data is None:
        return
    if split:
        raise ConfigError("give validation_data or validation_split, not both", path=("validation_split",))
    pair = isinstance(validation_data, Sequence) and not isinstance(validation_data, (str, Mapping))
    if not pair or len(validation_data) != 2:
        raise ConfigError(
            f"must be a pair (X_val, y_val), got {type(validation_data).__name__}", path=("validation_data",)
        )
