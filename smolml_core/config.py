"""Building a whole network from plain data: a dict in Python, or a TOML/JSON file.

The dict's keys are ``NeuralNetwork``'s parameters; each component is a
registered name or a table with ``type`` plus that component's parameters::

    {"layers": [{"type": "dense", "input_size": 2, "output_size": 16,
                 "activation_function": "relu"}, ...],
     "loss_function": "mse",
     "optimizer": {"type": "adagrad", "learning_rate": 0.1},
     "engine": "array"}

``engine`` is optional: ``"array"`` (numpy, the default) or ``"scalar"`` (every
weight a ``Value``, for following gradients by hand).

Every error names the place in the config, such as ``layers[1].activation_function``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ConfigError, SmolMLError
from .nn import NeuralNetwork
from .registry import resolve
from .wording import did_you_mean

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["build_network", "load_config"]

_NETWORK_KEYS = ("layers", "loss_function", "optimizer", "engine")


def build_network(config: Mapping[str, Any]) -> NeuralNetwork:
    """A new, freshly initialised network from a config dict (see the module docs)."""
    if not isinstance(config, Mapping):
        raise ConfigError(f"a network config must be a table (dict), not {type(config).__name__}")
    for key in config:
        if key not in _NETWORK_KEYS:
            raise ConfigError(
                f"unknown key {key!r}{did_you_mean(str(key), _NETWORK_KEYS)}; "
                f"a network config has: {', '.join(_NETWORK_KEYS)}",
                path=(str(key),),
            )
    for key in ("layers", "loss_function"):
        if key not in config:
            raise ConfigError(f"a network config needs {key!r}", path=(key,))
    specs = config["layers"]
    if isinstance(specs, (str, Mapping)) or not isinstance(specs, (list, tuple)) or not specs:
        raise ConfigError("must be a non-empty list of layer tables", path=("layers",))

    layers = []
    for i, spec in enumerate(specs):
        try:
            layers.append(resolve("layer", spec))
        except SmolMLError as exc:
            raise exc.at(f"layers[{i}]") from exc.__cause__
    loss = resolve("loss", config["loss_function"], param="loss_function")
    optimizer = resolve("optimizer", config.get("optimizer", "sgd"), param="optimizer")
    return NeuralNetwork(layers, loss, optimizer, engine=config.get("engine"))


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a ``.toml`` or ``.json`` file into a dict."""
    path = Path(path)
    if path.suffix.lower() not in (".toml", ".json"):
        raise ConfigError(f"{str(path)!r}: config files must end in .toml or .json")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {str(path)!r}: {exc.strerror}") from exc
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{str(path)!r} is not valid {path.suffix[1:].upper()}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{str(path)!r} must hold a table at its top level")
    return data
