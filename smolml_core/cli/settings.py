"""Reading a ``smolml train`` config: its three tables, and every key of ``[training]`` checked before training.

A mistake is a ``ConfigError`` whose path names the place (``training.batch_size``)
and whose message says what would be right, so a typo costs one line, not a
traceback after a long run.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, SmolMLError
from ..registry import KINDS, get_registry
from ..validation import boolean, is_number, whole_number
from ..wording import did_you_mean

__all__ = ["SECTIONS", "TRAINING_KEYS", "TrainingSettings", "check_sections", "read_training"]

SECTIONS = ("network", "data", "training")

TRAINING_KEYS = (
    "epochs",
    "batch_size",
    "shuffle",
    "validation_split",
    "metrics",
    "early_stopping",
    "lr_schedule",
    "seed",
    "print_every",
    "verbose",
    "save",
    "checkpoint_every",
    "replay",
    "callbacks",
)

EARLY_STOPPING_KEYS = ("monitor", "patience", "min_delta", "mode", "restore_best_weights")


@dataclass
class TrainingSettings:
    """The ``[training]`` table, checked, with its defaults filled in."""

    epochs: int = 100
    batch_size: int | None = None
    shuffle: bool = True
    validation_split: float = 0.0
    metrics: list[str] | None = None
    """None: chosen from the data (accuracy for class labels, mae otherwise)."""
    early_stopping: dict[str, Any] | None = None
    lr_schedule: str | dict[str, Any] | None = None
    seed: int = 0
    print_every: int = 10
    verbose: bool = True
    save: Path | None = None
    """Resolved against the config file's folder."""
    checkpoint_every: int | None = None
    replay: bool = True
    callbacks: list[str | dict[str, Any]] = field(default_factory=list)
    """Registered callbacks by name or ``{ type = ..., ... }`` table, built when training starts."""
    keys_given: set[str] = field(default_factory=set)


def check_sections(config: Mapping[str, Any]) -> None:
    """The file holds ``[network]`` and ``[data]`` tables, maybe ``[training]``, and nothing else."""
    for key in config:
        if key not in SECTIONS:
            raise ConfigError(
                f"unknown section [{key}]{did_you_mean(str(key), SECTIONS)}; a config has: "
                f"{', '.join(f'[{s}]' for s in SECTIONS)}"
            )
    for key in ("network", "data"):
        if key not in config:
            raise ConfigError(f"the config needs a [{key}] table{_SECTION_HELP[key]}")
    for key in SECTIONS:
        if key in config and not isinstance(config[key], Mapping):
            raise ConfigError(f"must be a table, not {_kind(config[key])}{_SECTION_HELP[key]}", path=(key,))


_SECTION_HELP = {
    "network": " (layers, loss_function, optimizer: what build_network takes)",
    "data": ' (for example name = "moons", or csv = "file.csv" with target = "column")',
    "training": " (epochs, batch_size, metrics, ...)",
}


def read_training(table: Mapping[str, Any], config_dir: Path) -> TrainingSettings:
    """Check every key of ``[training]``; errors carry the path ``training.<key>``."""
    try:
        return _read(table, config_dir)
    except SmolMLError as exc:
        raise exc.at("training") from exc.__cause__


def _read(table: Mapping[str, Any], config_dir: Path) -> TrainingSettings:
    for key in table:
        if key not in TRAINING_KEYS:
            raise ConfigError(
                f"unknown key{did_you_mean(str(key), TRAINING_KEYS)}; [training] has: {', '.join(TRAINING_KEYS)}",
                path=(str(key),),
            )
    s = TrainingSettings(keys_given=set(table))
    s.epochs = _whole(table, "epochs", s.epochs, minimum=1)
    s.print_every = _whole(table, "print_every", max(1, s.epochs // 10), minimum=1)
    if "batch_size" in table:
        s.batch_size = _whole(table, "batch_size", 0, minimum=1)
    s.shuffle = _flag(table, "shuffle", s.shuffle)
    s.verbose = _flag(table, "verbose", s.verbose)
    s.replay = _flag(table, "replay", s.replay)
    s.seed = _whole(table, "seed", s.seed, minimum=0)
    s.validation_split = _fraction(table, "validation_split")
    if "metrics" in table:
        s.metrics = _metrics(table["metrics"])
    if "early_stopping" in table:
        s.early_stopping = _early_stopping(table["early_stopping"], s.validation_split)
    if "lr_schedule" in table:
        s.lr_schedule = _lr_schedule(table["lr_schedule"])
    if "save" in table:
        value = table["save"]
        if not isinstance(value, str) or not value.strip():
            raise ConfigError(f'must be a file path such as "model.npz", got {value!r}', path=("save",))
        s.save = config_dir / value
    if "checkpoint_every" in table:
        s.checkpoint_every = _whole(table, "checkpoint_every", 0, minimum=1)
    if "callbacks" in table:
        s.callbacks = _callbacks(table["callbacks"])
    return s


def _whole(table: Mapping[str, Any], key: str, default: int, *, minimum: int) -> int:
    return whole_number(table.get(key, default), key, minimum=minimum)


def _flag(table: Mapping[str, Any], key: str, default: bool) -> bool:
    return boolean(table.get(key, default), key)


def _fraction(table: Mapping[str, Any], key: str) -> float:
    value = table.get(key, 0.0)
    if not is_number(value) or not math.isfinite(value):
        raise ConfigError(f"must be a number from 0 up to (not including) 1, got {value!r}", path=(key,))
    if not 0 <= value < 1:
        raise ConfigError(
            f"must be from 0 up to (not including) 1, the share of training rows held out; got {value!r}",
            path=(key,),
        )
    return float(value)


def _metrics(value: Any) -> list[str]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError(f'must be a list of metric names such as ["accuracy"], got {value!r}', path=("metrics",))
    for i, name in enumerate(names):
        _check_registered("metric", name, ("metrics", f"[{i}]") if not isinstance(value, str) else ("metrics",))
    return list(names)


def _callbacks(value: Any) -> list[str | dict[str, Any]]:
    """Names or ``{ type = "csv_logger", path = "log.csv" }`` tables of registered callbacks, never code."""
    entries = [value] if isinstance(value, (str, Mapping)) else value
    if not isinstance(entries, list):
        raise ConfigError(
            f'must be a list of callbacks such as [{{ type = "csv_logger", path = "log.csv" }}], got {value!r}',
            path=("callbacks",),
        )
    checked: list[str | dict[str, Any]] = []
    for i, entry in enumerate(entries):
        where = ("callbacks", f"[{i}]") if isinstance(value, list) else ("callbacks",)
        if isinstance(entry, str):
            _check_registered("callback", entry, where)
            checked.append(entry)
        elif isinstance(entry, Mapping) and isinstance(entry.get("type"), str):
            _check_registered("callback", entry["type"], (*where, "type"))
            checked.append(dict(entry))
        else:
            raise ConfigError(
                f'must be a callback name or a table such as {{ type = "csv_logger", path = "log.csv" }}, '
                f"got {entry!r}",
                path=where,
            )
    return checked


def _early_stopping(value: Any, validation_split: float) -> dict[str, Any] | None:
    if value is False:
        return None
    table: dict[str, Any] = {} if value is True else value
    if not isinstance(table, Mapping):
        raise ConfigError(
            f'must be true, false or a table such as {{ monitor = "val_loss", patience = 5 }}, got {value!r}',
            path=("early_stopping",),
        )
    for key in table:
        if key not in EARLY_STOPPING_KEYS:
            raise ConfigError(
                f"unknown key{did_you_mean(str(key), EARLY_STOPPING_KEYS)}; early_stopping has: "
                f"{', '.join(EARLY_STOPPING_KEYS)}",
                path=("early_stopping", str(key)),
            )
    monitor = table.get("monitor", "val_loss")
    if not isinstance(monitor, str):
        raise ConfigError(
            f'must be the name of a logged value such as "val_loss", got {monitor!r}',
            path=("early_stopping", "monitor"),
        )
    if monitor.startswith("val_") and validation_split == 0:
        raise ConfigError(
            f"monitors {monitor!r}, which needs validation data; set validation_split = 0.2 in [training] "
            'or monitor = "loss"',
            path=("early_stopping", "monitor"),
        )
    return dict(table)


def _lr_schedule(value: Any) -> str | dict[str, Any]:
    if isinstance(value, str):
        _check_registered("schedule", value, ("lr_schedule",))
        return value
    if isinstance(value, Mapping) and isinstance(value.get("type"), str):
        _check_registered("schedule", value["type"], ("lr_schedule", "type"))
        return dict(value)
    raise ConfigError(
        f'must be a schedule name or a table such as {{ type = "step_decay", ... }}, got {value!r}',
        path=("lr_schedule",),
    )


def _check_registered(kind: str, name: str, path: tuple[str, ...]) -> None:
    """Refuse an unknown name now (with a did-you-mean) rather than after the data is loaded."""
    if kind not in KINDS or not get_registry().names(kind):  # nothing to compare with: the trainer will judge
        return
    try:
        get_registry().get(kind, name)
    except SmolMLError as exc:
        exc.path = path
        exc.args = (str(exc),)
        raise


def _kind(value: Any) -> str:
    return {str: "a string", int: "a number", float: "a number", bool: "true/false", list: "a list"}.get(
        type(value), type(value).__name__
    )
