"""Saving a network to one file and loading it back, exactly, without running any code from the file.

The file is a numpy ``.npz`` archive (a zip of ``.npy`` arrays) read with
``allow_pickle=False``, so loading only ever parses numbers and JSON. It holds:

- ``meta``: JSON text (as bytes) with the format version, the network's config
  (``to_config()``), the plugins whose components the config names (so a
  missing one can be named with the package to install), the shape and dtype
  of every array, the optimizer's step counters, the random generator's state
  and the number of epochs trained;
- one array per layer array (``layers.0.weights``): each layer's parameters
  and buffers, named by the layer walk (``smolml_core.nn.walk``), and one per
  optimizer buffer (``optimizer.0.weights.velocity``).

Why ``.npz`` and not safetensors plus JSON: it needs nothing beyond numpy,
which SmolML depends on anyway, it is one file, and with pickling off it is as
inert as safetensors for our arrays (floats only).

Every way a file can be wrong (not a zip, truncated, a flipped byte, a missing
or extra array, a wrong shape or dtype, edited JSON, a newer format) becomes a
``ModelFileError`` that says what is wrong, never a numpy or zip traceback.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ._version import __version__
from .config import MAX_INTEGER, build_network
from .errors import ModelFileError, SmolMLError
from .files import write_atomically
from .nn import NeuralNetwork
from .nn.saving import declare_file_format
from .nn.walk import layer_prefix, named_parameters, named_state
from .registry import USER_PLUGIN, components_used, get_registry
from .rng import get_rng
from .wording import quote

__all__ = ["FORMAT", "FORMAT_VERSION", "load_network", "save_network"]

FORMAT = "smolml.network"
FORMAT_VERSION = 1
"""Raised when the file layout changes; files from a newer version are refused with advice."""

_META = "meta"
_ZIP_MAGIC = b"PK\x03\x04"
_FLOAT_DTYPES = ("float32", "float64")


# -- saving ------------------------------------------------------------------------


def save_network(network: NeuralNetwork, path: str | os.PathLike[str]) -> Path:
    """Write ``network`` to ``path`` (atomically: the old file survives any failure) and return the path."""
    config = network.to_config()  # refuses unregistered components before any file is touched
    arrays: dict[str, np.ndarray] = {}
    layer_arrays: dict[str, dict[str, Any]] = {}
    for i, layer in enumerate(network.layers):
        for key, array in named_state(layer, layer_prefix(i)).items():
            arrays[key] = array.numpy()
            layer_arrays[key] = _describe(arrays[key])
    optimizer_state = []
    for (layer_index, name), state in sorted(network.optimizer.state.items(), key=lambda item: str(item[0])):
        entry: dict[str, Any] = {"layer": layer_index, "parameter": name, "buffers": {}, "values": {}}
        for key, value in state.items():
            if isinstance(value, np.ndarray):
                array_key = f"optimizer.{layer_index}.{name}.{key}"
                arrays[array_key] = value
                entry["buffers"][key] = {"array": array_key, **_describe(value)}
            elif isinstance(value, (bool, int, float)):
                entry["values"][key] = value
            else:
                raise ModelFileError(
                    f"the optimizer keeps {type(value).__name__} {key!r} for layer {layer_index} {name!r}; "
                    "only numpy arrays and numbers can be saved"
                )
        optimizer_state.append(entry)
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "smolml_version": _smolml_version(),
        "config": config,
        "plugins": _plugins_used(network),
        "epochs_trained": network.epochs_trained,
        "layer_arrays": layer_arrays,
        "optimizer_state": optimizer_state,
        "rng": get_rng().bit_generator.state,
    }
    arrays[_META] = np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8)
    # numpy's stubs type every keyword of savez like allow_pickle (bool), hence the ignore
    return write_atomically(path, lambda file: np.savez(file, **arrays))  # type: ignore[arg-type]


def _describe(array: np.ndarray) -> dict[str, Any]:
    return {"shape": list(array.shape), "dtype": array.dtype.name}


def _smolml_version() -> str:
    return __version__


def _plugins_used(network: NeuralNetwork) -> list[dict[str, Any]]:
    """Which plugin provided each component the network uses, grouped by plugin."""
    by_plugin: dict[tuple[str, str | None, str | None], set[tuple[str, str]]] = {}
    for entry in components_used(network):
        key = (entry.plugin, entry.distribution, entry.version)
        by_plugin.setdefault(key, set()).add((entry.kind, entry.name))
    return [
        {"plugin": plugin, "distribution": dist, "version": version, "components": sorted(map(list, names))}
        for (plugin, dist, version), names in sorted(by_plugin.items(), key=lambda item: item[0][0])
    ]


# -- loading ---------------------------------------------------------------------------


def load_network(path: str | os.PathLike[str]) -> NeuralNetwork:
    """The network saved at ``path``, ready to predict or to go on training exactly where it stopped.

    Loading also restores the random generator to its state at saving time, so a
    resumed run draws the same numbers an uninterrupted one would have.
    """
    return _load(path, NeuralNetwork)


def _load(path: str | os.PathLike[str], network_class: type[NeuralNetwork]) -> NeuralNetwork:
    """``load_network``, building the network as ``network_class`` (what ``MyNetwork.load`` asks for)."""
    where = f"{os.fspath(path)!r}"
    arrays = _read_arrays(path, where)
    meta = _read_meta(arrays, where)
    try:
        return _rebuild(meta, arrays, network_class)
    except ModelFileError as exc:
        raise ModelFileError(f"{where}: {exc}") from exc.__cause__


def _read_arrays(path: str | os.PathLike[str], where: str) -> dict[str, np.ndarray]:
    """Every array in the archive, read eagerly so that damage shows up here and nowhere later."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ModelFileError(f"{where}: no such file") from None
    except OSError as exc:
        raise ModelFileError(f"{where}: cannot be read ({exc.strerror or exc})") from exc
    if not data.startswith(_ZIP_MAGIC):  # else numpy would guess other formats and talk about pickles
        raise ModelFileError(f"{where} is not a SmolML network file (it is not a .npz archive)")
    try:
        archive = np.load(io.BytesIO(data), allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise ValueError("it is a single array, not an archive")
        with archive:
            arrays = {name: archive[name] for name in archive.files}
    # Whatever numpy or zipfile raise on these bytes (BadZipFile, a bad CRC, a broken .npy
    # header, zlib or struct errors), it means the same thing to the user: a damaged file.
    except Exception as exc:
        raise ModelFileError(f"{where} is not a SmolML network file, or it is damaged ({_reason(exc)})") from exc
    for name, value in arrays.items():
        if not isinstance(value, np.ndarray):  # numpy hands back members that are not .npy as raw bytes
            raise ModelFileError(f"{where} is not a SmolML network file, or it is damaged ({name!r} is not an array)")
    return arrays


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 200 else text[:200] + "..."


def _read_meta(arrays: dict[str, np.ndarray], where: str) -> dict[str, Any]:
    raw = arrays.get(_META)
    if raw is None or raw.dtype != np.uint8 or raw.ndim != 1:
        raise ModelFileError(f"{where} has no SmolML description ('meta'); it was not written by network.save()")
    try:
        meta = json.loads(raw.tobytes().decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ModelFileError(f"{where}: its description is not valid JSON ({_reason(exc)})") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelFileError(f"{where} is not a SmolML network file (its description names no {FORMAT!r} format)")
    version = meta.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFileError(f"{where}: format_version must be a whole number >= 1, got {version!r}")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{where} was written by a newer SmolML ({meta.get('smolml_version', 'unknown version')}, file format "
            f"{version}); this SmolML reads format {FORMAT_VERSION} and older. Upgrade: pip install --upgrade smolml"
        )
    return meta


def _rebuild(meta: dict[str, Any], arrays: dict[str, np.ndarray], network_class: type[NeuralNetwork]) -> NeuralNetwork:
    _check_plugins(_field(meta, "plugins", list))
    config = _field(meta, "config", dict)
    rng = get_rng()
    state_before = rng.bit_generator.state
    try:
        network = build_network(config, network_class=network_class)  # fresh weights, overwritten below
    except SmolMLError as exc:
        raise ModelFileError(f"its network config cannot be built: {exc}") from exc
    except MemoryError as exc:
        raise ModelFileError(
            "the network its config describes does not fit in memory; the file is probably damaged or edited"
        ) from exc
    finally:
        rng.bit_generator.state = state_before

    expected = {_META}
    expected |= _restore_layer_arrays(network, _field(meta, "layer_arrays", dict), arrays)
    expected |= _restore_optimizer(network, _field(meta, "optimizer_state", list), arrays)
    extra = sorted(set(arrays) - expected)
    if extra:
        raise ModelFileError(f"it holds arrays its description does not mention: {', '.join(extra)}")
    epochs = _field(meta, "epochs_trained", int)
    if epochs < 0:
        raise ModelFileError(f"epochs_trained must be >= 0, got {epochs}")
    _restore_rng(_field(meta, "rng", dict))
    network.epochs_trained = epochs
    return network


def _field(meta: Mapping[str, Any], key: str, kind: type, where: str = "") -> Any:
    """``meta[key]``, which must exist and be of ``kind`` (a bool is not an int)."""
    place = f"{where}.{key}" if where else key
    if key not in meta:
        raise ModelFileError(f"its description lacks {place!r}")
    value = meta[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ModelFileError(f"{place} must be {kind.__name__}, got {type(value).__name__}")
    return value


def _check_plugins(plugins: list[Any]) -> None:
    """Every component the file names must be registered here; if not, say what to install."""
    registry = get_registry()
    missing: list[str] = []
    for i, record in enumerate(plugins):
        if not isinstance(record, dict):
            raise ModelFileError(f"plugins[{i}] must be a table")
        plugin = _field(record, "plugin", str, f"plugins[{i}]")
        distribution, version = record.get("distribution"), record.get("version")
        for item in _field(record, "components", list, f"plugins[{i}]"):
            if not (isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)):
                raise ModelFileError(f"plugins[{i}].components must hold [kind, name] pairs, got {item!r}")
            kind, name = item
            try:
                registry.get(kind, f"{plugin}:{name}")
            except SmolMLError:
                missing.append(_missing_component(kind, name, plugin, distribution, version))
    if missing:
        raise ModelFileError("; and ".join(missing))


def _missing_component(kind: str, name: str, plugin: str, distribution: Any, version: Any) -> str:
    if plugin == USER_PLUGIN:
        return (
            f"it uses the {kind} {name!r}, which was registered from code when it was saved; register it again "
            f"(smolml_core.register({kind!r}, {name!r}, ...)) before loading"
        )
    if isinstance(distribution, str):
        pinned = f"{distribution}=={version}" if isinstance(version, str) else distribution
        return (
            f"it uses the {kind} {name!r} from plugin {plugin!r} (distribution {distribution}"
            f"{' ' + version if isinstance(version, str) else ''}), which is not installed here; "
            f"install it: pip install {pinned}"
        )
    return f"it uses the {kind} {name!r} from plugin {plugin!r}, which is not installed or not loaded here"


def _restore_layer_arrays(network: NeuralNetwork, described: dict[str, Any], arrays: dict[str, np.ndarray]) -> set[str]:
    """Copy each saved layer array into the freshly built network, checking it fits exactly."""
    found: set[str] = set()
    for i, layer in enumerate(network.layers):
        for key, target in named_state(layer, layer_prefix(i)).items():
            loaded = _array(arrays, described, key)
            if loaded.shape != target.shape or loaded.dtype != target.dtype:
                raise ModelFileError(
                    f"{key} is {_shape_text(loaded)} but layer {i} ({type(layer).__name__}) needs "
                    f"{_shape_text(target)}; the arrays do not fit the network"
                )
            target.assign(loaded)
            target.restart()
            found.add(key)
    missing = sorted(set(described) - found)
    if missing:
        raise ModelFileError(f"it describes layer arrays the network does not have: {', '.join(missing)}")
    return found


def _array(arrays: dict[str, np.ndarray], described: dict[str, Any], key: str) -> np.ndarray:
    """The array ``key``, present, float, and matching its own description."""
    if key not in described:
        raise ModelFileError(f"its description lacks the array {key!r}")
    if key not in arrays:
        raise ModelFileError(f"the array {key!r} is missing")
    array = arrays[key]
    if array.dtype.byteorder not in "=|":  # numpy writes native order as "="; this one is foreign
        array = array.astype(array.dtype.newbyteorder("="))  # a file from a machine of the other byte order
    info = described[key]
    if not isinstance(info, dict) or info.get("shape") != list(array.shape) or info.get("dtype") != array.dtype.name:
        raise ModelFileError(f"the array {key!r} is {_shape_text(array)}, not what its description says ({info})")
    if array.dtype.name not in _FLOAT_DTYPES:
        raise ModelFileError(f"the array {key!r} holds {array.dtype.name}; only float32 and float64 are allowed")
    return array


def _shape_text(array: Any) -> str:
    return f"{array.dtype.name} of shape {tuple(array.shape)}"


def _restore_optimizer(network: NeuralNetwork, entries: list[Any], arrays: dict[str, np.ndarray]) -> set[str]:
    """Put back each parameter's step counter and buffers, so training resumes exactly."""
    found: set[str] = set()
    state: dict[tuple[int, str], dict[str, Any]] = {}
    for n, entry in enumerate(entries):
        where = f"optimizer_state[{n}]"
        if not isinstance(entry, dict):
            raise ModelFileError(f"{where} must be a table")
        layer_index = _field(entry, "layer", int, where)
        name = _field(entry, "parameter", str, where)
        if not 0 <= layer_index < len(network.layers):
            raise ModelFileError(f"{where} names layer {layer_index}, but the network has {len(network.layers)}")
        params = named_parameters(network.layers[layer_index])
        if name not in params:
            raise ModelFileError(f"{where} names parameter {name!r}, which layer {layer_index} does not have")
        values = _field(entry, "values", dict, where)
        for key, value in values.items():
            if not isinstance(value, (bool, int, float)):
                raise ModelFileError(f"{where}.values.{key} must be a number, got {type(value).__name__}")
            if isinstance(value, int) and abs(value) > MAX_INTEGER:  # no float can hold it: arithmetic would overflow
                raise ModelFileError(f"{where}.values.{key} must fit in 64 bits, got {quote(value)}")
        step = values.get("step")
        if not isinstance(step, int) or isinstance(step, bool) or step < 1:
            raise ModelFileError(f"{where}.values.step must be a whole number >= 1, got {step!r}")
        buffers: dict[str, Any] = {}
        for key, info in _field(entry, "buffers", dict, where).items():
            array_key = info.get("array") if isinstance(info, dict) else None
            if array_key != f"optimizer.{layer_index}.{name}.{key}":
                raise ModelFileError(f"{where}.buffers.{key} names the array {array_key!r}")
            buffer = _array(arrays, {array_key: info}, array_key)
            if buffer.dtype != params[name].dtype or buffer.shape != params[name].shape:
                raise ModelFileError(
                    f"{array_key} is {_shape_text(buffer)} but its parameter is {_shape_text(params[name])}"
                )
            buffers[key] = buffer.copy()
            found.add(array_key)
        state[(layer_index, name)] = {**values, **buffers}
    network.optimizer.state.clear()
    network.optimizer.state.update(state)
    return found


def _restore_rng(saved: dict[str, Any]) -> None:
    generator = get_rng().bit_generator
    try:
        generator.state = saved
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise ModelFileError(f"its random generator state cannot be restored ({_reason(exc)})") from exc


class _NetworkFiles:
    """This module as the file format ``NeuralNetwork.save`` and ``NeuralNetwork.load`` use."""

    def save(self, network: NeuralNetwork, path: str | os.PathLike[str]) -> Path:
        return save_network(network, path)

    def load(self, path: str | os.PathLike[str], network_class: type[NeuralNetwork]) -> NeuralNetwork:
        return _load(path, network_class)


declare_file_format(_NetworkFiles())
