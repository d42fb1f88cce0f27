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

Nothing a file only declares is trusted with memory: the zip's table of
contents, then each ``.npy`` header, then the description are checked against
limits and against each other before anything is unpacked or built, the
network is built within the bytes the file holds, and each array is read in
chunks into an array of its checked size (``_Archive``; docs/saving.md lists
the checks).
"""

from __future__ import annotations

import io
import json
import math
import os
import zipfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, BinaryIO

import numpy as np

from ._version import __version__
from .array.allocation import allocation_budget, bytes_text, memory_limit
from .config import MAX_INTEGER, build_network
from .errors import ModelFileError, SmolMLError
from .files import SpecialFileError, open_regular, special_file_kind, write_atomically
from .nn import NeuralNetwork
from .nn.saving import check_save_path, declare_file_format, save_refused
from .nn.walk import layer_prefix, named_parameters, named_state
from .registry import USER_PLUGIN, Component, components_used, get_registry, with_recorded_names
from .rng import get_rng
from .wording import UPGRADE_SMOLML, quote

__all__ = ["FORMAT", "FORMAT_VERSION", "load_network", "network_from_bytes", "network_to_bytes", "save_network"]

FORMAT = "smolml.network"
FORMAT_VERSION = 1
"""Raised when the file layout changes; files from a newer version are refused with advice."""

_META = "meta"
_ZIP_MAGIC = b"PK\x03\x04"
_FLOAT_DTYPES = ("float32", "float64")

# Limits checked before anything is decompressed or built (see docs/saving.md).
_MAX_MEMBERS = 50_000
"""Arrays in one file: a network of thousands of layers, each with its optimizer's buffers, fits."""
_MAX_ENTRY_BYTES = 200
"""Bytes per member, on average, in the zip's table of contents (its fixed part is 46, then the name)."""
_MAX_NAME = 1_000
_MAX_META = 8_000_000
"""Bytes of the JSON description; a network of thousands of layers needs well under one million."""
_MAX_HEADER = 10_000
"""Bytes of one ``.npy`` header, numpy's own limit."""
_MAX_DEFLATE_RATIO = 1032
"""Deflate never unpacks one byte into more than this many, so a member claiming more is a lie (a zip bomb)."""
_SMALL = 1 << 20
"""Room for rounding: a few headers' worth, or a tiny array a layer makes for itself while built."""
_CHUNK = 1 << 20

_Shape = tuple[int, ...]


# -- saving ------------------------------------------------------------------------


def save_network(network: NeuralNetwork, path: str | os.PathLike[str]) -> Path:
    """Write ``network`` to ``path`` (atomically: the old file survives any failure) and return the path.

    Only a regular file (or a new one) can be written; a device, a FIFO or a folder is a ``ModelFileError``.
    """
    check_save_path(path)
    arrays = _contents(network)  # refuses unregistered components before any file is touched
    try:
        # numpy's stubs type every keyword of savez like allow_pickle (bool), hence the ignore
        return write_atomically(path, lambda file: np.savez(file, **arrays))  # type: ignore[arg-type]
    except SpecialFileError as exc:  # made special between the check and the write
        raise save_refused(path, special_file_kind(path) or "not a regular file") from exc


def network_to_bytes(network: NeuralNetwork) -> bytes:
    """The bytes ``save_network`` would write for ``network``: the same format, kept in memory.

    ``network_from_bytes`` reads them back. This is how a network travels inside
    another object's pickle (a scikit-learn estimator's) as numbers and JSON only.
    """
    buffer = io.BytesIO()
    np.savez(buffer, **_contents(network))  # type: ignore[arg-type]
    return buffer.getvalue()


def _contents(network: NeuralNetwork) -> dict[str, np.ndarray]:
    """Every array a model file holds, by member name, the description (``meta``) among them."""
    config = network.to_config()
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
    return arrays


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


def network_from_bytes(data: bytes, where: str = "the network's bytes") -> NeuralNetwork:
    """The network ``network_to_bytes`` gave ``data`` for, read with every check a model file gets.

    As with a file, nothing in ``data`` is run: it is parsed as numbers and
    JSON, and only registered components are built. Unlike ``load_network``,
    the random generator is left as it was. ``where`` names the data in errors.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ModelFileError(f"{where} must be bytes, got {type(data).__name__}")
    rng = get_rng().bit_generator
    state = rng.state
    try:
        with _archive_of(io.BytesIO(bytes(data)), len(data), where) as archive:
            return _build_from(archive, where, NeuralNetwork)
    finally:
        rng.state = state


def _load(path: str | os.PathLike[str], network_class: type[NeuralNetwork]) -> NeuralNetwork:
    """``load_network``, building the network as ``network_class`` (what ``MyNetwork.load`` asks for)."""
    where = f"{os.fspath(path)!r}"
    with _open_archive(path, where) as archive:
        return _build_from(archive, where, network_class)


def _build_from(archive: _Archive, where: str, network_class: type[NeuralNetwork]) -> NeuralNetwork:
    meta = _read_meta(archive, where)
    try:
        return _rebuild(meta, archive, network_class)
    except ModelFileError as exc:
        raise ModelFileError(f"{where}: {exc}") from exc.__cause__


@contextmanager
def _open_archive(path: str | os.PathLike[str], where: str) -> Iterator[_Archive]:
    """The file's archive, its table of contents checked; no member is decompressed yet."""
    kind = special_file_kind(path)
    if kind is not None:  # a FIFO could block forever, /dev/zero never ends: refused before opening
        raise ModelFileError(f"{where} cannot be read as a model file: it is {kind}, not a regular file")
    try:
        file = open_regular(path)
    except FileNotFoundError:
        raise ModelFileError(f"{where}: no such file") from None
    except OSError as exc:
        raise ModelFileError(f"{where}: cannot be read ({exc.strerror or exc})") from exc
    with file, _archive_of(file, os.fstat(file.fileno()).st_size, where) as archive:
        yield archive


@contextmanager
def _archive_of(file: BinaryIO, file_size: int, where: str) -> Iterator[_Archive]:
    """The archive in ``file`` (open, at its start, ``file_size`` bytes long), its table of contents checked."""
    try:
        if file.read(len(_ZIP_MAGIC)) != _ZIP_MAGIC:  # else numpy would guess other formats, talk of pickles
            raise ModelFileError(f"{where} is not a SmolML network file (it is not a .npz archive)")
        archive = _Archive(file, file_size, where)
    except ModelFileError:
        raise
    # Whatever zipfile raises on these bytes (BadZipFile, struct or zlib errors), it means the
    # same thing to the user: a damaged file.
    except Exception as exc:
        raise _damaged(where, _reason(exc)) from exc
    with archive.zip:
        yield archive


def _damaged(where: str, reason: str) -> ModelFileError:
    return ModelFileError(f"{where} is not a SmolML network file, or it is damaged ({reason})")


def _reason(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 200 else text[:200] + "..."


class _Archive:
    """A model file's zip members, checked from the archive's table of contents before any is decompressed.

    The table (the zip's central directory) gives each member's name and its
    sizes, packed and unpacked. They are checked against the file and against
    limits here; each array's ``.npy`` header is checked against its member's
    size and against the description before its data is read; and data is
    read in chunks into an array of exactly the checked size, so no declared
    size is ever trusted to allocate memory.
    """

    def __init__(self, file: BinaryIO, file_size: int, where: str) -> None:
        self.where = where
        _check_table_size(file, where)
        self.zip = zipfile.ZipFile(file)
        infos = self.zip.infolist()
        if len(infos) > _MAX_MEMBERS:
            raise _damaged(where, f"it has {len(infos):,} members; a SmolML file has at most {_MAX_MEMBERS:,}")
        self.members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            self.members[self._check_member(info, file_size)] = info
        self.unpacked_bytes = sum(info.file_size for info in infos)
        """What all members hold once unpacked: at most what the file holds, or deflate could make of it."""
        limit = memory_limit()
        if self.unpacked_bytes > limit:
            raise ModelFileError(
                f"{where} holds arrays of {bytes_text(self.unpacked_bytes)}, more than this machine's memory "
                f"({bytes_text(limit, exact=False)})"
            )
        self.headers = self._read_headers()

    def _check_member(self, info: zipfile.ZipInfo, file_size: int) -> str:
        """The array name of the member ``info`` (``layers.0.weights``), once its entry is found sane."""
        name = info.filename
        if len(name) > _MAX_NAME:
            raise _damaged(self.where, f"a member's name is {len(name):,} characters long")
        if not name.endswith(".npy"):
            raise _damaged(self.where, f"{name!r} is not an array")
        key = name[: -len(".npy")]
        if key in self.members:
            raise _damaged(self.where, f"it holds two members named {name!r}")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) or info.flag_bits & 1:
            raise _damaged(self.where, f"{name!r} is encrypted or packed in a way numpy never writes")
        if info.header_offset + info.compress_size > file_size:
            raise _damaged(self.where, f"{name!r} would end past the end of the file")
        most = (
            info.compress_size if info.compress_type == zipfile.ZIP_STORED else _MAX_DEFLATE_RATIO * info.compress_size
        )
        if info.file_size > most + _SMALL:
            raise _damaged(
                self.where,
                f"{name!r} claims to unpack {info.compress_size:,} bytes into {bytes_text(info.file_size)}, "
                "more than they can hold",
            )
        return key

    def _read_headers(self) -> dict[str, tuple[_Shape, bool, np.dtype[Any]]]:
        """Each member's ``.npy`` header (its shape, order and dtype), checked against the member's size.

        Only the first bytes of each member are unpacked, so a header that
        declares more data than its member holds is refused before anything
        is allocated for it.
        """
        headers = {}
        for key, info in self.members.items():
            try:
                with self.zip.open(info) as stream:
                    shape, fortran, dtype = _read_npy_header(stream)
                    size = stream.tell() + math.prod(shape) * dtype.itemsize
            except Exception as exc:  # zip CRC, zlib, truncation, a broken .npy header
                raise _damaged(self.where, f"the array {key!r}: {_reason(exc)}") from exc
            if dtype.hasobject:
                raise _damaged(
                    self.where,
                    f"the array {key!r} holds Python objects, stored pickled; files are read with allow_pickle=False",
                )
            if size != info.file_size:
                raise _damaged(
                    self.where,
                    f"the header of the array {key!r} declares {_shape_text(shape, dtype)}, {bytes_text(size)} with "
                    f"the header, but its member holds {info.file_size:,} bytes",
                )
            headers[key] = (shape, fortran, dtype)
        return headers

    def read(
        self, key: str, check: Callable[[_Shape, np.dtype[Any]], None], into: np.ndarray | None = None
    ) -> np.ndarray:
        """The array ``key``, once ``check(shape, dtype)`` has accepted its header.

        ``into``, an array of exactly the header's shape and dtype in C order,
        receives the numbers in place and is returned: loading fills a
        network's weights without a second copy of them. Any other ``into``
        is ignored and a new array is made.
        """
        shape, fortran, dtype = self.headers[key]
        check(shape, dtype)
        fits = into is not None and into.shape == shape and into.dtype == dtype and into.flags.c_contiguous
        if fits and not fortran:
            assert into is not None
            flat = into.reshape(-1)  # a view: writing it writes ``into``
        else:
            flat = np.empty(math.prod(shape), dtype)
        try:
            with self.zip.open(self.members[key]) as stream:
                _read_npy_header(stream)
                _read_exactly(stream, flat.view(np.uint8) if flat.nbytes else None, flat.nbytes)
                if stream.read(1):
                    raise ValueError("it holds more than its header says")
        except Exception as exc:  # zip CRC, zlib, truncation
            raise ModelFileError(f"the array {key!r} is damaged ({_reason(exc)})") from exc
        return flat.reshape(shape, order="F" if fortran else "C")


def _check_table_size(file: BinaryIO, where: str) -> None:
    """Refuse a table of contents too long for a SmolML file before zipfile reads it all into objects."""
    find_end = getattr(zipfile, "_EndRecData", None)  # zipfile's own reader of the end record
    if find_end is None:
        return
    end = find_end(file)
    if end is None:
        return  # no end record: zipfile says so
    if end[4] > _MAX_MEMBERS:  # index 4: how many members the archive says it has
        raise _damaged(where, f"it has {end[4]:,} members; a SmolML file has at most {_MAX_MEMBERS:,}")
    if end[5] > _MAX_MEMBERS * _MAX_ENTRY_BYTES:  # index 5: the table's size in bytes
        raise _damaged(where, f"its table of contents is {bytes_text(end[5])}, more than a SmolML file's can be")


def _read_npy_header(stream: IO[bytes]) -> tuple[tuple[int, ...], bool, np.dtype[Any]]:
    """``(shape, fortran_order, dtype)`` from the header of a ``.npy`` stream, which is left at the data."""
    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(stream, max_header_size=_MAX_HEADER)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(stream, max_header_size=_MAX_HEADER)
    raise ValueError(f".npy format version {version[0]}.{version[1]}, which numpy.save never writes for numbers")


def _read_exactly(stream: IO[bytes], into: np.ndarray | None, nbytes: int) -> None:
    """Fill ``into`` (bytes) with the next ``nbytes`` of ``stream``, a chunk at a time: never more, never a copy."""
    done = 0
    while done < nbytes:
        chunk = stream.read(min(_CHUNK, nbytes - done))
        if not chunk:
            raise EOFError(f"the data ends after {done:,} of {nbytes:,} bytes")
        assert into is not None
        into[done : done + len(chunk)] = np.frombuffer(chunk, dtype=np.uint8)
        done += len(chunk)


def _read_meta(archive: _Archive, where: str) -> dict[str, Any]:
    absent = f"{where} has no SmolML description ('meta'); it was not written by network.save()"
    if _META not in archive.members:
        raise ModelFileError(absent)

    shape, _, dtype = archive.headers[_META]
    if dtype != np.uint8 or len(shape) != 1:
        raise ModelFileError(absent)
    if shape[0] > _MAX_META:
        raise ModelFileError(
            f"{where}: its description is {bytes_text(shape[0])} long; a SmolML description has at most "
            f"{bytes_text(_MAX_META)}"
        )
    try:
        raw = archive.read(_META, lambda shape, dtype: None)
    except ModelFileError as exc:
        raise ModelFileError(f"{where}: {exc}") from exc.__cause__
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
            f"{version}); this SmolML reads format {FORMAT_VERSION} and older. Upgrade SmolML: {UPGRADE_SMOLML}"
        )
    return meta


def _rebuild(meta: dict[str, Any], archive: _Archive, network_class: type[NeuralNetwork]) -> NeuralNetwork:
    _check_descriptions(meta, archive)  # before plugins are loaded or anything is built
    recorded = _check_plugins(_field(meta, "plugins", list))
    # Names another plugin provides too by now find the recorded plugin's components, not an ambiguity.
    config = with_recorded_names(_field(meta, "config", dict), recorded)
    rng = get_rng()
    state_before = rng.bit_generator.state
    # The network is built within the bytes the file's members really hold: a config that asks
    # for bigger layers than the file has arrays for is refused before their weights are drawn.
    holds = f"the {bytes_text(archive.unpacked_bytes, exact=False)} of arrays the file holds"
    try:
        with allocation_budget(archive.unpacked_bytes + _SMALL, holds):
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
    expected |= _restore_layer_arrays(network, _field(meta, "layer_arrays", dict), archive)
    expected |= _restore_optimizer(network, _field(meta, "optimizer_state", list), archive)
    extra = sorted(set(archive.members) - expected)
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


def _check_plugins(plugins: list[Any]) -> list[Component]:
    """The components the file records, each from its plugin; if one is not registered here, say what to install."""
    registry = get_registry()
    missing: list[str] = []
    found: list[Component] = []
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
                found.append(registry.get(kind, f"{plugin}:{name}"))
            except SmolMLError:
                missing.append(_missing_component(kind, name, plugin, distribution, version))
    if missing:
        raise ModelFileError("; and ".join(missing))
    return found


def _missing_component(kind: str, name: str, plugin: str, distribution: Any, version: Any) -> str:
    if plugin == USER_PLUGIN:
        return (
            f"it uses the {kind} {name!r}, which was registered from code when it was saved; register it again "
            f"(smolml_core.register({kind!r}, {name!r}, ...)) before loading; the smolml command does it "
            "with -p FILE.py (or -p a.module.name), the code that registers it"
        )
    if isinstance(distribution, str):
        pinned = f"{distribution}=={version}" if isinstance(version, str) else distribution
        return (
            f"it uses the {kind} {name!r} from plugin {plugin!r} (distribution {distribution}"
            f"{' ' + version if isinstance(version, str) else ''}), which is not installed here; "
            f"install it: pip install {pinned} from a package index, or pip install the folder of its source"
        )
    return f"it uses the {kind} {name!r} from plugin {plugin!r}, which is not installed or not loaded here"


def _restore_layer_arrays(network: NeuralNetwork, described: dict[str, Any], archive: _Archive) -> set[str]:
    """Copy each saved layer array into the freshly built network, checking it fits exactly."""
    found: set[str] = set()
    for i, layer in enumerate(network.layers):
        for key, target in named_state(layer, layer_prefix(i)).items():
            storage = target.data if target.data.dtype != object else None  # Values cannot be read into
            loaded = _array(archive, described, key, into=storage)
            if loaded.shape != target.shape or loaded.dtype != target.dtype:
                raise ModelFileError(
                    f"{key} is {_shape_text(loaded.shape, loaded.dtype)} but layer {i} ({type(layer).__name__}) needs "
                    f"{_shape_text(target.shape, target.dtype)}; the arrays do not fit the network"
                )
            if loaded is not storage:
                target.assign(loaded)
            target.restart()
            found.add(key)
    missing = sorted(set(described) - found)
    if missing:
        raise ModelFileError(f"it describes layer arrays the network does not have: {', '.join(missing)}")
    return found


def _array(archive: _Archive, described: dict[str, Any], key: str, into: np.ndarray | None = None) -> np.ndarray:
    """The array ``key``, present, float, and matching its own description, checked before its data is read.

    Read into ``into`` when it has the array's shape and dtype (see ``_Archive.read``).
    """
    if key not in described:
        raise ModelFileError(f"its description lacks the array {key!r}")
    if key not in archive.members:
        raise ModelFileError(f"the array {key!r} is missing")
    info = described[key]

    def check(shape: _Shape, dtype: np.dtype[Any]) -> None:
        _check_array(key, info, shape, dtype)

    array = archive.read(key, check, into)
    if array.dtype.byteorder not in "=|":  # numpy writes native order as "="; this one is foreign
        array = array.astype(array.dtype.newbyteorder("="))  # a file from a machine of the other byte order
    return array


def _check_array(key: str, info: Any, shape: _Shape, dtype: np.dtype[Any]) -> None:
    """The array ``key`` is what its description ``info`` says, and floats."""
    if not isinstance(info, dict) or info.get("shape") != list(shape) or info.get("dtype") != dtype.name:
        raise ModelFileError(
            f"the array {key!r} is {_shape_text(shape, dtype)}, not what its description says ({_cut(info)})"
        )
    if dtype.name not in _FLOAT_DTYPES:
        raise ModelFileError(f"the array {key!r} holds {dtype.name}; only float32 and float64 are allowed")


def _check_descriptions(meta: dict[str, Any], archive: _Archive) -> None:
    """Every array the description describes, as the archive's headers have it: checked before building."""
    described = meta.get("layer_arrays")
    pairs = list(described.items()) if isinstance(described, dict) else []
    entries = meta.get("optimizer_state")
    for entry in entries if isinstance(entries, list) else []:
        buffers = entry.get("buffers") if isinstance(entry, dict) else None
        for info in buffers.values() if isinstance(buffers, dict) else []:
            if isinstance(info, dict) and str(info.get("array")).startswith("optimizer."):
                pairs.append((info["array"], info))
    for key, info in pairs:
        if key in archive.headers:
            shape, _, dtype = archive.headers[key]
            _check_array(key, info, shape, dtype)


def _shape_text(shape: tuple[int, ...], dtype: np.dtype[Any]) -> str:
    return f"{dtype.name} of shape {tuple(shape)}"


def _cut(value: Any) -> str:
    """``repr(value)``, cut to a length a message can quote."""
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "..."


def _restore_optimizer(network: NeuralNetwork, entries: list[Any], archive: _Archive) -> set[str]:
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
            buffer = _array(archive, {array_key: info}, array_key)
            param = params[name]
            if buffer.dtype != param.dtype or buffer.shape != param.shape:
                raise ModelFileError(
                    f"{array_key} is {_shape_text(buffer.shape, buffer.dtype)} but its parameter is "
                    f"{_shape_text(param.shape, param.dtype)}"
                )
            buffers[key] = buffer  # read into a new array of its own: no copy needed
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
