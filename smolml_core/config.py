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

A layer may leave out what its input determines, a dense layer's ``input_size``:
it is taken from the previous layer's output, and the first layer's from
``input_shape`` when that is given (``smolml train`` gives the data's). Layers
that do not fit the one before are refused here, not at the first forward pass.

Every error names the place in the config, such as ``layers[1].activation_function``,
and, for a config file, the file. Parameters are checked against their
annotations (a string where a whole number belongs is refused before the
component is built), and a config that fails leaves the random generator as it
found it, so fixing the mistake and building again gives the weights a correct
first try would have.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import ConfigError, SmolMLError
from .files import read_regular
from .nn import NeuralNetwork, Shape, build_layers
from .registry import resolve
from .rng import get_rng
from .wording import PATH_LIMIT, did_you_mean, quote

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["build_network", "load_config"]

_NETWORK_KEYS = ("layers", "loss_function", "optimizer", "engine")


def build_network(
    config: Mapping[str, Any] | str | os.PathLike[str],
    *,
    input_shape: Shape | None = None,
    network_class: type[NeuralNetwork] = NeuralNetwork,
) -> NeuralNetwork:
    """A new, freshly initialised network from a config dict or a ``.toml``/``.json`` file.

    A file laid out for ``smolml train`` holds the network in its ``[network]``
    table, which is used; otherwise the whole file is the network config.
    If the config is wrong, nothing is drawn from the random generator: its
    state is put back before the error is raised. ``network_class`` builds a
    subclass of ``NeuralNetwork`` instead (``MyNetwork.load`` does that); it is
    called as ``NeuralNetwork`` is, with the layers, loss, optimizer and engine.
    ``input_shape`` is the shape of one sample of the input, ``(n_features,)``:
    the first layer may then leave out its ``input_size``, and is checked against it.
    """
    if isinstance(config, (str, os.PathLike)):
        return _build_from_file(config, input_shape, network_class)
    rng = get_rng()
    state = rng.bit_generator.state
    try:
        return _build(config, input_shape, network_class)
    except BaseException:
        rng.bit_generator.state = state  # layers built before the mistake drew their weights: undo that
        raise


def _build_from_file(
    path: str | os.PathLike[str], input_shape: Shape | None, network_class: type[NeuralNetwork]
) -> NeuralNetwork:
    data = load_config(path)
    try:
        if "network" not in data:
            return build_network(data, input_shape=input_shape, network_class=network_class)
        try:
            if not isinstance(data["network"], Mapping):
                raise ConfigError("must be a table holding the network's layers, loss_function, ...")
            return build_network(data["network"], input_shape=input_shape, network_class=network_class)
        except SmolMLError as exc:
            exc.at("network")
            raise
    except SmolMLError as exc:
        exc.in_file(path)
        raise


def _build(config: Mapping[str, Any], input_shape: Shape | None, network_class: type[NeuralNetwork]) -> NeuralNetwork:
    if not (isinstance(network_class, type) and issubclass(network_class, NeuralNetwork)):
        raise TypeError(f"network_class must be NeuralNetwork or a subclass of it, not {network_class!r}")
    if not isinstance(config, Mapping):
        raise ConfigError(f"a network config must be a table (dict), not {type(config).__name__}")
    check_plain(config)
    for key in config:
        if key not in _NETWORK_KEYS:
            raise ConfigError(
                f"unknown key {quote(key)}{did_you_mean(key, _NETWORK_KEYS)}; "
                f"a network config has: {', '.join(_NETWORK_KEYS)}",
                path=(str(key),),
            )
    for key in ("layers", "loss_function"):
        if key not in config:
            raise ConfigError(f"a network config needs {key!r}", path=(key,))
    specs = config["layers"]
    if isinstance(specs, (str, Mapping)) or not isinstance(specs, (list, tuple)) or not specs:
        raise ConfigError("must be a non-empty list of layer tables", path=("layers",))

    layers, _ = build_layers(specs, None if input_shape is None else tuple(input_shape))
    loss = resolve("loss", config["loss_function"], param="loss_function")
    optimizer = resolve("optimizer", config.get("optimizer", "sgd"), param="optimizer")
    if network_class.__init__ is NeuralNetwork.__init__:  # its constructor is NeuralNetwork's: errors are the config's
        return network_class(layers, loss, optimizer, engine=config.get("engine"))
    try:
        return network_class(layers, loss, optimizer, engine=config.get("engine"))
    except (TypeError, SmolMLError) as exc:
        name = network_class.__name__
        raise TypeError(
            f"{name} cannot be built from a network config: it is called as NeuralNetwork is, "
            f"{name}(layers, loss_function, optimizer, engine=...), and its constructor raised "
            f"{type(exc).__name__}: {exc}. Give {name}.__init__ those parameters, or build it as a NeuralNetwork"
        ) from exc


def load_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a ``.toml`` or ``.json`` file into a dict (``build_network(path)`` reads and builds in one call).

    Everything that can go wrong is a ``ConfigError`` naming the file: a path
    that is no regular file (a FIFO or a device is refused before it is
    opened), more than ``MAX_CONFIG_BYTES``, text that is not UTF-8 (the line
    is named), a syntax error, or what ``check_plain`` refuses.
    """
    path = Path(path)
    if path.suffix.lower() not in (".toml", ".json"):
        raise ConfigError(f"{quote(str(path), PATH_LIMIT)}: config files must end in .toml or .json")
    data = read_document(path, "config file")
    if not isinstance(data, dict):
        raise ConfigError(f"{quote(str(path), PATH_LIMIT)} must hold a table at its top level")
    return data


def read_document(path: str | os.PathLike[str], what: str) -> Any:
    """The data in a JSON file (a name ending in ``.json``) or a TOML file, checked with ``check_plain``.

    The one reader of the small documents SmolML keeps as text (configs, the
    description beside a model); ``what`` names the file in messages
    (``"config file"``). Every failure is a ``ConfigError`` naming the file.
    """
    name = os.fspath(path)
    is_json = name.lower().endswith(".json")
    try:
        raw = read_regular(name, MAX_CONFIG_BYTES)
    except OSError as exc:
        raise ConfigError(f"cannot read {what} {quote(name, PATH_LIMIT)}: {exc.strerror or exc}") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ConfigError(
            f"{quote(name, PATH_LIMIT)}: line {line} is not UTF-8 text (byte {raw[exc.start]:#04x}); "
            "save the file as UTF-8"
        ) from exc
    try:
        data = json.loads(text) if is_json else tomllib.loads(text)
    except RecursionError as exc:
        raise ConfigError(f"{quote(name, PATH_LIMIT)}: {_TOO_DEEP}") from exc
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{quote(name, PATH_LIMIT)} is not valid {'JSON' if is_json else 'TOML'}: {exc}") from exc
    try:
        check_plain(data)
    except SmolMLError as exc:
        raise exc.in_file(name) from None
    return data


MAX_CONFIG_BYTES = 16 * 1024 * 1024
"""The most bytes a config file may hold; a real one holds a few hundred."""

MAX_DEPTH = 64
"""How deeply tables and lists may nest in a config; a network of nested blocks needs a handful of levels."""

MAX_INTEGER = 2**63 - 1
"""The largest whole number a config may hold: TOML's own limit, and far beyond any size or count."""

_TOO_DEEP = (
    f"tables and lists nest more than {MAX_DEPTH} levels deep, far more than any config needs "
    "(check for a list or a table that holds itself)"
)


def check_plain(config: Any) -> None:
    """Refuse what no config holds and code deeper down cannot take, before anything is built.

    Tables and lists nested more than ``MAX_DEPTH`` levels (or holding
    themselves), keys that are not strings, strings holding a NUL byte (no
    name or path can) and whole numbers beyond ``MAX_INTEGER`` (which no
    float can hold either) are ``ConfigError``s
    naming the place. Objects other than tables and lists (a layer, a
    function) are left for the components to judge. The walk uses no
    recursion, so no nesting can exhaust Python's stack here.
    """
    stack: list[tuple[Any, tuple[str, ...]]] = [(config, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, int) and not isinstance(value, bool) and not -MAX_INTEGER - 1 <= value <= MAX_INTEGER:
            raise ConfigError(
                f"{quote(value)} is too large: whole numbers here must fit in 64 bits (+-{MAX_INTEGER:,})",
                path=path,
            )
        if isinstance(value, str) and "\0" in value:
            raise ConfigError(f"{quote(value)} holds a NUL byte, which no name or file path can", path=path)
        if not isinstance(value, (Mapping, list, tuple)):
            continue
        if len(path) >= MAX_DEPTH:
            raise ConfigError(_TOO_DEEP, path=path[:2])
        if isinstance(value, Mapping):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise ConfigError(f"keys must be strings, got {quote(key)} ({type(key).__name__})", path=path)
                stack.append((item, (*path, key)))
        else:
            stack.extend((item, (*path, f"[{i}]")) for i, item in enumerate(value))
