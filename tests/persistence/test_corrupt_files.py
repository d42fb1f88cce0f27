"""A damaged or edited file is either loaded exactly or refused with ModelFileError, never anything else.

A valid file is corrupted in many ways: byte-level damage (truncation, flipped
bytes, zeroed blocks, garbage around it), files that are something else, and
archives rebuilt with numpy from the loaded arrays with one thing changed
(arrays swapped, reshaped, retyped, added, removed; the JSON description
edited field by field). When byte-level damage still loads, the network must be
exactly the original one (the change was harmless, e.g. a date or a local
header's copy of a CRC, never silently different numbers); an edited
description may load as another network. Whenever a load fails, the message
names the file and the random generator is untouched.

Run with ``-s`` to see how many corruptions of each family loaded or were refused.
"""

from __future__ import annotations

import copy
import io
import json
import os
import pickle
import subprocess
import sys
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smolml_core import ModelFileError, NeuralNetwork, get_rng, load_network, use_registry
from smolml_core.persistence import FORMAT_VERSION

from .helpers import (
    assert_same_network,
    dataset,
    installed_registry,
    read_archive,
    save_trained,
    write_archive,
)

# -- the valid file and the check every corruption goes through ------------------------------


@pytest.fixture(scope="module")
def valid_file(tmp_path_factory) -> Path:
    """A trained 3 -> 4 -> 2 network with Adam: two layers of different shapes, optimizer buffers."""
    path = tmp_path_factory.mktemp("valid") / "valid.npz"
    save_trained(path)
    return path


@pytest.fixture(scope="module")
def original(valid_file) -> NeuralNetwork:
    """The valid file, loaded: what any damaged copy that still loads must equal (only read, never trained)."""
    with use_registry(installed_registry()):
        return load_network(valid_file)


@pytest.fixture(scope="module")
def valid_bytes(valid_file) -> bytes:
    return valid_file.read_bytes()


@pytest.fixture(scope="module")
def valid_parts(valid_file) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    return read_archive(valid_file)


@pytest.fixture
def parts(valid_parts) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The valid file's description and arrays, fresh copies for each test to edit."""
    return copy.deepcopy(valid_parts)


X = dataset()[0]


def load_or_refuse(path: Path, original: NeuralNetwork, *, exact: bool = True) -> str | ModelFileError:
    """``"loaded"`` if the file loads, else the ModelFileError; any other exception propagates.

    With ``exact`` a file that loads must hold exactly the original network: for
    byte-level damage, which the zip's CRCs should catch. An edited description
    may legitimately load as another network (another activation, another step
    count), so there only the outcome counts.
    """
    rng_before = get_rng().bit_generator.state
    try:
        loaded = load_network(path)
    except ModelFileError as exc:
        assert get_rng().bit_generator.state == rng_before, "a failed load changed the random generator"
        assert str(exc).startswith(repr(str(path))), f"the message should name the file: {exc}"
        return exc
    if exact:
        assert_same_network(loaded, original, X)
    return "loaded"


def try_all(
    tmp_path: Path,
    original: NeuralNetwork,
    variants: Iterator[tuple[str, bytes]],
    family: str,
    *,
    exact: bool = True,
) -> Counter[str]:
    """Write each variant, load it, and report every outcome that is neither a load nor a ModelFileError."""
    outcomes: Counter[str] = Counter()
    failures = []
    path = tmp_path / "corrupt.npz"
    for label, data in variants:
        path.write_bytes(data)
        try:
            result = load_or_refuse(path, original, exact=exact)
        except Exception as exc:  # collected, so one run shows every bad case
            failures.append(f"{label}: {type(exc).__name__}: {exc}")
            outcomes["other"] += 1
        else:
            outcomes["loaded" if result == "loaded" else "refused"] += 1
    print(f"\n{family}: {sum(outcomes.values())} tried, {outcomes['loaded']} loaded, {outcomes['refused']} refused")
    assert not failures, "\n".join(failures[:20])
    return outcomes


# -- byte-level damage -------------------------------------------------------------------------


def test_truncated_at_many_offsets(tmp_path, valid_bytes, original) -> None:
    size = len(valid_bytes)
    offsets = sorted({*range(0, size, 37), *range(size - 30, size)})
    outcomes = try_all(
        tmp_path, original, ((f"truncated to {n} bytes", valid_bytes[:n]) for n in offsets), "truncations"
    )
    assert outcomes["refused"] == len(offsets)  # every byte of a zip's end record matters


def test_single_flipped_bytes(tmp_path, valid_bytes, original) -> None:
    rng = np.random.default_rng(2024)
    offsets = rng.integers(0, len(valid_bytes), size=300)
    masks = rng.integers(1, 256, size=300)

    def variants() -> Iterator[tuple[str, bytes]]:
        for offset, mask in zip(offsets, masks, strict=True):
            data = bytearray(valid_bytes)
            data[offset] ^= mask
            yield f"byte {offset} xor {mask:#04x}", bytes(data)

    outcomes = try_all(tmp_path, original, variants(), "flipped bytes")
    assert outcomes["refused"] > 250  # nearly every byte is covered by a CRC, a size, a name or an offset


def test_zeroed_blocks(tmp_path, valid_bytes, original) -> None:
    rng = np.random.default_rng(7)

    def variants() -> Iterator[tuple[str, bytes]]:
        for offset in rng.integers(0, len(valid_bytes), size=60):
            for length in (1, 16, 256):
                data = bytearray(valid_bytes)
                end = min(offset + length, len(data))
                data[offset:end] = bytes(end - offset)
                yield f"{length} zero bytes at {offset}", bytes(data)

    try_all(tmp_path, original, variants(), "zeroed blocks")


def test_garbage_around_the_file(tmp_path, valid_bytes, original) -> None:
    rng = np.random.default_rng(11)

    def variants() -> Iterator[tuple[str, bytes]]:
        for n in (1, 21, 22, 100, 5000, 70_000):
            garbage = rng.integers(0, 256, size=n, dtype=np.uint8).tobytes()
            yield f"{n} random bytes appended", valid_bytes + garbage
            yield f"{n} random bytes prepended", garbage + valid_bytes
            yield f"{n} zero bytes appended", valid_bytes + bytes(n)
        yield "the file twice", valid_bytes + valid_bytes
        yield "an end-of-archive record appended", valid_bytes + valid_bytes[-22:]

    try_all(tmp_path, original, variants(), "garbage around the file")


@pytest.mark.parametrize("entry", ["first array", "meta"])
def test_central_directory_entry_with_zeroed_crc_and_sizes(entry: str, tmp_path, valid_bytes, original) -> None:
    data = bytearray(valid_bytes)
    header = data.find(b"PK\x01\x02") if entry == "first array" else data.rfind(b"PK\x01\x02")
    data[header + 16 : header + 28] = bytes(12)  # CRC-32, compressed size, uncompressed size
    path = tmp_path / "zeroed.npz"
    path.write_bytes(bytes(data))
    assert isinstance(load_or_refuse(path, original), ModelFileError)


# -- files that are something else ---------------------------------------------------------------


def npy_bytes(array: Any) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def npz_bytes(**arrays: Any) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def meta_array(text: bytes) -> np.ndarray:
    return np.frombuffer(text, dtype=np.uint8)


NOT_NPZ = "is not a SmolML network file (it is not a .npz archive)"

OTHER_FILES: dict[str, tuple[Callable[[bytes, dict[str, Any], dict[str, np.ndarray]], bytes], str]] = {
    "empty": (lambda valid, meta, arrays: b"", NOT_NPZ),
    "random bytes": (
        lambda valid, meta, arrays: np.random.default_rng(1).integers(0, 256, 1000, dtype=np.uint8).tobytes(),
        NOT_NPZ,
    ),
    "random bytes after a zip signature": (
        lambda valid, meta, arrays: b"PK\x03\x04" + np.random.default_rng(2).bytes(1000),
        "is not a SmolML network file, or it is damaged",
    ),
    "a plain .npy": (lambda valid, meta, arrays: npy_bytes(arrays["layers.0.weights"]), NOT_NPZ),
    "a text file": (lambda valid, meta, arrays: b"weights: 1, 2, 3\n", NOT_NPZ),
    "the description alone, as JSON": (lambda valid, meta, arrays: json.dumps(meta).encode(), NOT_NPZ),
    "a pickle": (lambda valid, meta, arrays: pickle.dumps({"meta": meta}), NOT_NPZ),
    "an npz without meta": (lambda valid, meta, arrays: npz_bytes(**arrays), "has no SmolML description ('meta')"),
    "an empty npz": (lambda valid, meta, arrays: npz_bytes(), "is not a SmolML network file"),
    "an empty zip": (lambda valid, meta, arrays: zip_bytes({}), "is not a SmolML network file"),
    "a zip of text files, no meta": (
        lambda valid, meta, arrays: zip_bytes({"readme.txt": b"hello"}),
        "is not a SmolML network file, or it is damaged ('readme.txt' is not an array)",
    ),
    "meta stored as float64": (
        lambda valid, meta, arrays: npz_bytes(**arrays, meta=np.frombuffer(json.dumps(meta).encode(), np.uint8) * 1.0),
        "has no SmolML description ('meta')",
    ),
    "meta stored as a 2-D array": (
        lambda valid, meta, arrays: npz_bytes(**arrays, meta=meta_array(json.dumps(meta).encode())[None, :]),
        "has no SmolML description ('meta')",
    ),
    "meta as an object array": (
        lambda valid, meta, arrays: npz_bytes(**arrays, meta=np.array([json.dumps(meta)], dtype=object)),
        "allow_pickle",
    ),
    "meta empty": (lambda valid, meta, arrays: npz_bytes(**arrays, meta=meta_array(b"")), "is not valid JSON"),
    "meta not UTF-8": (
        lambda valid, meta, arrays: npz_bytes(**arrays, meta=meta_array(b"\xff\xfe{")),
        "not valid JSON",
    ),
    "meta not JSON": (
        lambda valid, meta, arrays: npz_bytes(**arrays, meta=meta_array(b"{format: 1")),
        "not valid JSON",
    ),
    "meta a JSON list": (
        lambda valid, meta, arrays: npz_bytes(**arrays, meta=meta_array(b"[1, 2]")),
        "its description names no 'smolml.network' format",
    ),
    "meta a JSON string": (
        lambda valid, meta, arrays: npz_bytes(**arrays, meta=meta_array(b'"smolml.network"')),
        "its description names no 'smolml.network' format",
    ),
}


@pytest.mark.parametrize("case", OTHER_FILES)
def test_files_that_are_something_else(case: str, tmp_path, valid_bytes, parts, original) -> None:
    make, expected = OTHER_FILES[case]
    path = tmp_path / "other.npz"
    path.write_bytes(make(valid_bytes, *parts))
    result = load_or_refuse(path, original)
    assert isinstance(result, ModelFileError) and expected in str(result), result


def test_missing_file_and_directory(tmp_path) -> None:
    with pytest.raises(ModelFileError, match="no such file"):
        load_network(tmp_path / "absent.npz")
    with pytest.raises(ModelFileError, match="cannot be read"):
        load_network(tmp_path)


@pytest.mark.parametrize("member", ["meta", "layers.0.weights.npy"])
def test_zip_member_that_is_not_an_npy(member: str, tmp_path, parts, original) -> None:
    meta, arrays = parts
    members = {f"{name}.npy": npy_bytes(array) for name, array in arrays.items()}
    members["meta.npy"] = npy_bytes(meta_array(json.dumps(meta).encode()))
    if member == "meta":
        del members["meta.npy"]
        members["meta"] = json.dumps(meta).encode()  # the description as plain text
    else:
        members[member] = b"not an array"
    path = tmp_path / "raw.npz"
    path.write_bytes(zip_bytes(members))
    assert isinstance(load_or_refuse(path, original), ModelFileError)


# -- archives rebuilt with one array changed ---------------------------------------------------

W0, W1, B1 = "layers.0.weights", "layers.1.weights", "layers.1.biases"
VELOCITY = "optimizer.0.weights.gradients_momentum"


def described(meta: dict[str, Any], key: str) -> dict[str, Any]:
    """The description of array ``key``, wherever it is kept (layer arrays or optimizer buffers)."""
    if key in meta["layer_arrays"]:
        return meta["layer_arrays"][key]
    for entry in meta["optimizer_state"]:
        for info in entry["buffers"].values():
            if info["array"] == key:
                return info
    raise KeyError(key)


def replace(key: str, new: Callable[[np.ndarray], Any], *, describe: bool) -> Callable[..., None]:
    """Replace array ``key`` by ``new(old)``; with ``describe``, update its description to match."""

    def edit(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        arrays[key] = new(arrays[key])
        if describe:
            stored = np.load(io.BytesIO(npy_bytes(arrays[key])), allow_pickle=True)
            described(meta, key).update(shape=list(stored.shape), dtype=stored.dtype.name)

    return edit


def swap(first: str, second: str, *, describe: bool) -> Callable[..., None]:
    def edit(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        arrays[first], arrays[second] = arrays[second], arrays[first]
        if describe:
            a, b = described(meta, first), described(meta, second)
            (a["shape"], a["dtype"]), (b["shape"], b["dtype"]) = (b["shape"], b["dtype"]), (a["shape"], a["dtype"])

    return edit


def add(key: str) -> Callable[..., None]:
    def edit(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        arrays[key] = np.zeros(3)

    return edit


def drop(key: str) -> Callable[..., None]:
    def edit(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        del arrays[key]

    return edit


ARRAY_EDITS: dict[str, tuple[Callable[..., None], str]] = {
    "weights of layers 0 and 1 swapped": (swap(W0, W1, describe=False), "not what its description says"),
    "swapped, descriptions too": (swap(W0, W1, describe=True), "the arrays do not fit the network"),
    "a buffer swapped with its twin of another shape": (
        swap(VELOCITY, "optimizer.1.weights.gradients_momentum", describe=False),
        "not what its description says",
    ),
    "transposed": (replace(W0, np.transpose, describe=False), "is float64 of shape (4, 3), not what its description"),
    "transposed, described": (
        replace(W0, np.transpose, describe=True),
        "layers.0.weights is float64 of shape (4, 3) but layer 0 (DenseLayer) needs float64 of shape (3, 4)",
    ),
    "flattened, described": (replace(W0, np.ravel, describe=True), "the arrays do not fit the network"),
    "a 0-d array, described": (replace(W0, lambda a: np.array(1.5), describe=True), "do not fit the network"),
    "float32, not described": (replace(W0, lambda a: a.astype(np.float32), describe=False), "description says"),
    "float32, described": (
        replace(W0, lambda a: a.astype(np.float32), describe=True),
        "is float32 of shape (3, 4) but layer 0 (DenseLayer) needs float64 of shape (3, 4)",
    ),
    "int64, described": (
        replace(W0, lambda a: a.astype(np.int64), describe=True),
        "holds int64; only float32 and float64 are allowed",
    ),
    "float16, described": (replace(W0, lambda a: a.astype(np.float16), describe=True), "holds float16"),
    "complex, described": (replace(W0, lambda a: a.astype(complex), describe=True), "holds complex128"),
    "bool, described": (replace(W0, lambda a: a > 0, describe=True), "holds bool"),
    "strings, described": (replace(W0, lambda a: a.astype(str), describe=True), "only float32 and float64"),
    # np.savez pickles object arrays; reading with allow_pickle=False refuses them before any unpickling
    "object array of floats": (replace(W0, lambda a: a.astype(object), describe=False), "allow_pickle"),
    "object array of mixed things": (
        replace(W0, lambda a: np.array([1.0, "x", None], dtype=object), describe=True),
        "allow_pickle",
    ),
    "an optimizer buffer as float32, described": (
        replace(VELOCITY, lambda a: a.astype(np.float32), describe=True),
        f"{VELOCITY} is float32 of shape (3, 4) but its parameter is float64 of shape (3, 4)",
    ),
    "an optimizer buffer as int64, described": (
        replace(VELOCITY, lambda a: a.astype(np.int64), describe=True),
        "holds int64",
    ),
    "an extra layer array": (add("layers.0.extra"), "holds arrays its description does not mention: layers.0.extra"),
    "an extra optimizer array": (add("optimizer.5.x.y"), "does not mention: optimizer.5.x.y"),
    "an extra array with any name": (add("junk"), "does not mention: junk"),
    "a layer array missing": (drop(B1), f"the array {B1!r} is missing"),
    "an optimizer buffer missing": (drop(VELOCITY), f"the array {VELOCITY!r} is missing"),
}


def check_edit(edit: Callable[..., None], expected: str | None, parts, tmp_path, original) -> None:
    meta, arrays = copy.deepcopy(parts)
    edit(meta, arrays)
    path = tmp_path / "edited.npz"
    write_archive(path, meta, arrays)
    result = load_or_refuse(path, original, exact=False)
    if expected is None:
        assert result == "loaded"
    else:
        assert isinstance(result, ModelFileError) and expected in str(result), result


@pytest.mark.parametrize("case", ARRAY_EDITS)
def test_array_edits_are_refused(case: str, parts, tmp_path, original) -> None:
    edit, expected = ARRAY_EDITS[case]
    check_edit(edit, expected, parts, tmp_path, original)


def test_optimizer_buffer_of_the_wrong_shape_is_refused(parts, tmp_path, original) -> None:
    edit = replace(VELOCITY, lambda a: np.zeros((1, 1)), describe=True)
    check_edit(edit, "shape", parts, tmp_path, original)


# -- the description edited --------------------------------------------------------------------


def set_at(path: tuple[Any, ...], value: Any) -> Callable[..., None]:
    def edit(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        node = meta
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value

    return edit


def delete_at(path: tuple[Any, ...]) -> Callable[..., None]:
    def edit(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        node = meta
        for step in path[:-1]:
            node = node[step]
        del node[path[-1]]

    return edit


def mt19937_state() -> dict[str, Any]:
    return json.loads(json.dumps(np.random.MT19937(0).state, default=lambda a: a.tolist()))


STEP = ("optimizer_state", 0, "values", "step")


TOP_LEVEL = [
    "format",
    "format_version",
    "smolml_version",
    "config",
    "plugins",
    "epochs_trained",
    "layer_arrays",
    "optimizer_state",
    "rng",
]


def test_every_top_level_key_is_listed(parts) -> None:
    assert sorted(parts[0]) == sorted(TOP_LEVEL)


@pytest.mark.parametrize("key", TOP_LEVEL)
def test_each_top_level_key_removed(key: str, parts, tmp_path, original) -> None:
    expected = {
        "format": "is not a SmolML network file (its description names no 'smolml.network' format)",
        "format_version": "format_version must be a whole number >= 1, got None",
        "smolml_version": None,  # only used to word the 'upgrade' message: the file still loads
    }.get(key, f"its description lacks {key!r}")
    meta, arrays = copy.deepcopy(parts)
    del meta[key]
    path = tmp_path / "edited.npz"
    write_archive(path, meta, arrays)
    result = load_or_refuse(path, original)
    if expected is None:
        assert result == "loaded"
    else:
        assert isinstance(result, ModelFileError) and expected in str(result), result


WRONG_VALUES: list[Any] = [None, True, -1, 0, 1.5, "x", [], {}, [1, "a"], {"type": "x"}, 10**30, float("inf")]


FIELD_TYPES: dict[str, type] = {
    "config": dict,
    "plugins": list,
    "epochs_trained": int,
    "layer_arrays": dict,
    "optimizer_state": list,
    "rng": dict,
}


@pytest.mark.parametrize("key", TOP_LEVEL)
def test_each_top_level_key_of_the_wrong_type(key: str, valid_parts, tmp_path, original) -> None:
    for value in WRONG_VALUES:
        meta, arrays = copy.deepcopy(valid_parts)
        meta[key] = value
        path = tmp_path / "edited.npz"
        write_archive(path, meta, arrays)
        result = load_or_refuse(path, original, exact=False)
        kind = FIELD_TYPES.get(key)
        if kind is not None and not (isinstance(value, kind) and not isinstance(value, bool)):
            expected = f"{key} must be {kind.__name__}, got {type(value).__name__}"
        elif key == "format":
            expected = "its description names no 'smolml.network' format"
        elif key == "format_version":
            expected = "newer SmolML" if type(value) is int and value > FORMAT_VERSION else "format_version must be"
        elif key == "epochs_trained" and value < 0:
            expected = "epochs_trained must be >= 0"
        elif key in ("smolml_version", "epochs_trained") or (key == "plugins" and value == []):
            # words messages only / any count >= 0 is a count / no plugin to check
            assert result == "loaded", (value, result)
            continue
        else:
            expected = ""  # the right type with nonsense inside: refused, for a reason given elsewhere
        assert isinstance(result, ModelFileError) and expected in str(result), (value, result)


META_EDITS: dict[str, tuple[Callable[..., None], str | None]] = {
    "format name wrong": (set_at(("format",), "smolml.other"), "names no 'smolml.network' format"),
    "format name in capitals": (set_at(("format",), "SMOLML.NETWORK"), "names no 'smolml.network' format"),
    "format_version 0": (set_at(("format_version",), 0), "format_version must be a whole number >= 1, got 0"),
    "format_version '1'": (set_at(("format_version",), "1"), "format_version must be a whole number >= 1, got '1'"),
    "format_version 1.0": (set_at(("format_version",), 1.0), "got 1.0"),
    "format_version true": (set_at(("format_version",), True), "got True"),
    "format_version -1": (set_at(("format_version",), -1), "got -1"),
    "format_version 999": (
        set_at(("format_version",), 999),
        "Upgrade SmolML: in a SmolML checkout, git pull and pip install . again; "
        "from a package index, pip install --upgrade smolml",
    ),
    "format_version next": (set_at(("format_version",), FORMAT_VERSION + 1), "newer SmolML"),
    "unknown layer type": (
        set_at(("config", "layers", 0, "type"), "denze"),
        "its network config cannot be built: layers[0]: unknown layer 'denze' (did you mean 'dense'?)",
    ),
    "unknown activation": (
        set_at(("config", "layers", 1, "activation_function"), "sigmoyd"),
        "layers[1].activation_function: unknown activation 'sigmoyd'",
    ),
    "unknown loss": (set_at(("config", "loss_function"), "nope"), "loss_function: unknown loss 'nope'"),
    "unknown optimizer": (set_at(("config", "optimizer", "type"), "adamw"), "unknown optimizer 'adamw'"),
    "unknown optimizer parameter": (set_at(("config", "optimizer", "beta"), 0.5), "has no parameter 'beta'"),
    "unknown config key": (set_at(("config", "dropout"), 0.5), "unknown key 'dropout'"),
    "no layers": (set_at(("config", "layers"), []), "must be a non-empty list of layer tables"),
    "unknown engine": (set_at(("config", "engine"), "quantum"), "engine"),
    "layer size changed": (
        set_at(("config", "layers", 0, "output_size"), 5),
        "its network config cannot be built: layers[1].input_size: is 4, but layer 0 outputs 5; set input_size = 5",
    ),
    "layer size not a number": (set_at(("config", "layers", 0, "output_size"), "4"), "output_size"),
    "layer size beyond numpy's limits": (
        set_at(("config", "layers", 0, "output_size"), 10**19),
        "its network config cannot be built: layers[0]",
    ),
    "layer dtype float32": (set_at(("config", "layers", 0, "dtype"), "float32"), "needs float32 of shape (3, 4)"),
    "layer dtype float16": (set_at(("config", "layers", 0, "dtype"), "float16"), "must be 'float64' or 'float32'"),
    "layer dtype int8": (set_at(("config", "layers", 0, "dtype"), "int8"), "must be 'float64' or 'float32'"),
    "layer dtype nonsense": (set_at(("config", "layers", 0, "dtype"), "f8,f8"), "must be 'float64' or 'float32'"),
    "layer dtype big-endian": (set_at(("config", "layers", 0, "dtype"), ">f8"), "must be 'float64' or 'float32'"),
    "a layer removed from the config": (
        set_at(("config", "layers"), [{"type": "dense", "input_size": 3, "output_size": 4}]),
        "it describes layer arrays the network does not have: layers.1.biases, layers.1.weights",
    ),
    "array shape described wrongly": (
        set_at(("layer_arrays", W0, "shape"), [9, 9]),
        "the array 'layers.0.weights' is float64 of shape (3, 4), not what its description says",
    ),
    "array dtype described wrongly": (set_at(("layer_arrays", W0, "dtype"), "float32"), "not what its description"),
    "array description not a table": (set_at(("layer_arrays", W0), [3, 4]), "not what its description says"),
    "array description missing": (
        delete_at(("layer_arrays", W0)),
        "its description lacks the array 'layers.0.weights'",
    ),
    "layer_arrays of another layer": (
        set_at(("layer_arrays", "layers.7.weights"), {"shape": [3, 4], "dtype": "float64"}),
        "it describes layer arrays the network does not have: layers.7.weights",
    ),
    "optimizer_state naming a missing layer": (
        set_at(("optimizer_state", 0, "layer"), 7),
        "optimizer_state[0] names layer 7, but the network has 2",
    ),
    "optimizer_state naming layer -1": (set_at(("optimizer_state", 0, "layer"), -1), "names layer -1"),
    "optimizer_state naming a missing parameter": (
        set_at(("optimizer_state", 0, "parameter"), "gamma"),
        "optimizer_state[0] names parameter 'gamma', which layer 0 does not have",
    ),
    "optimizer_state layer as a string": (
        set_at(("optimizer_state", 0, "layer"), "0"),
        "optimizer_state[0].layer must be int, got str",
    ),
    "optimizer_state entry not a table": (set_at(("optimizer_state", 0), 5), "optimizer_state[0] must be a table"),
    "step 0": (set_at(STEP, 0), "optimizer_state[0].values.step must be a whole number >= 1, got 0"),
    "step -1": (set_at(STEP, -1), "values.step must be a whole number >= 1, got -1"),
    "step 1.5": (set_at(STEP, 1.5), "values.step must be a whole number >= 1, got 1.5"),
    "step true": (set_at(STEP, True), "values.step must be a whole number >= 1, got True"),
    "step '2'": (set_at(STEP, "2"), "values.step must be a number, got str"),
    "step missing": (delete_at(STEP), "values.step must be a whole number >= 1, got None"),
    "a value not a number": (
        set_at(("optimizer_state", 0, "values", "extra"), [1]),
        "values.extra must be a number, got list",
    ),
    "a buffer naming another array": (
        set_at(("optimizer_state", 0, "buffers", "gradients_momentum", "array"), W0),
        "buffers.gradients_momentum names the array 'layers.0.weights'",
    ),
    "a buffer description not a table": (
        set_at(("optimizer_state", 0, "buffers", "gradients_momentum"), "x"),
        "buffers.gradients_momentum names the array None",
    ),
    "a buffer described with the wrong shape": (
        set_at(("optimizer_state", 0, "buffers", "gradients_momentum", "shape"), [2, 2]),
        "not what its description says",
    ),
    "a buffer's description dropped": (
        delete_at(("optimizer_state", 0, "buffers", "gradients_momentum")),
        "holds arrays its description does not mention: optimizer.0.biases.gradients_momentum",
    ),
    "optimizer state emptied": (set_at(("optimizer_state",), []), "does not mention"),
    "epochs_trained -1": (set_at(("epochs_trained",), -1), "epochs_trained must be >= 0, got -1"),
    "epochs_trained 2.0": (set_at(("epochs_trained",), 2.0), "epochs_trained must be int, got float"),
    "rng of another generator (MT19937)": (
        set_at(("rng",), mt19937_state()),
        "its random generator state cannot be restored (state must be for a PCG64 RNG)",
    ),
    "rng state out of range": (set_at(("rng", "state", "state"), -1), "random generator state cannot be restored"),
    "rng state of the wrong type": (set_at(("rng", "state"), "x"), "random generator state cannot be restored"),
    "rng empty": (set_at(("rng",), {}), "random generator state cannot be restored"),
    "a plugin component not installed": (
        set_at(("plugins", 0, "components"), [["layer", "conv2d"]]),
        "it uses the layer 'conv2d' from plugin 'std' (distribution smolml 0.1.0), which is not installed here; "
        "install it: pip install smolml==0.1.0 from a package index, or pip install the folder of its source",
    ),
    "a plugin component of an unknown kind": (
        set_at(("plugins", 0, "components"), [["widget", "x"]]),
        "it uses the widget 'x'",
    ),
    "a plugin component not a pair": (set_at(("plugins", 0, "components"), [["layer"]]), "[kind, name] pairs"),
    "a plugin record not a table": (set_at(("plugins", 0), "std"), "plugins[0] must be a table"),
    "a plugin record without its name": (delete_at(("plugins", 0, "plugin")), "lacks 'plugins[0].plugin'"),
    "smolml_version of another type": (set_at(("smolml_version",), [1]), None),
    "plugins emptied": (set_at(("plugins",), []), None),  # only used to word errors: harmless
}


@pytest.mark.parametrize("case", META_EDITS)
def test_description_edits(case: str, parts, tmp_path, original) -> None:
    edit, expected = META_EDITS[case]
    check_edit(edit, expected, parts, tmp_path, original)


def test_deeply_nested_description_is_refused(parts, tmp_path, original) -> None:
    _, arrays = parts
    path = tmp_path / "nested.npz"
    write_archive(path, None, arrays, meta_bytes=b"[" * 100_000 + b"]" * 100_000)
    assert isinstance(load_or_refuse(path, original), ModelFileError)


def test_initializer_with_a_huge_limit_is_refused(parts, tmp_path, original) -> None:
    edit = set_at(("config", "layers", 0, "weight_initializer"), {"type": "random_uniform", "limit": 1e308})
    check_edit(edit, "layers[0].weight_initializer.limit: must be a number in (0, 1e150]", parts, tmp_path, original)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="limits the address space with RLIMIT_AS")
def test_config_asking_for_more_memory_than_there_is(parts, tmp_path) -> None:
    meta, arrays = parts
    meta["config"]["layers"][0]["output_size"] = 10**9
    write_archive(tmp_path / "huge.npz", meta, arrays)
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))\n"
        "import smolml_core\n"
        "try:\n"
        "    smolml_core.load_network(sys.argv[1])\n"
        "except Exception as exc:\n"
        "    print(type(exc).__name__, exc)\n"
    )
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "huge.npz")], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ModelFileError"), done.stdout


# -- every field, at every depth, removed or given a wrong value ---------------------------------


def paths(node: Any, prefix: tuple[Any, ...] = (), *, every_item: bool = True) -> Iterator[tuple[Any, ...]]:
    """The path of every value inside the description, containers and leaves alike.

    Without ``every_item`` only the first item of each list is entered (the others
    are alike: optimizer entries, plugin components), for the quick suite, which
    also tries fewer wrong values; the slow suite tries them all everywhere.
    """
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        if not every_item and isinstance(node, list) and key > 0:
            continue
        yield (*prefix, key)
        yield from paths(child, (*prefix, key), every_item=every_item)


def edited(meta: dict[str, Any], path: tuple[Any, ...], value: Any = ..., remove: bool = False) -> dict[str, Any]:
    meta = copy.deepcopy(meta)
    node = meta
    for step in path[:-1]:
        node = node[step]
    if remove:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return meta


QUICK_WRONG_VALUES: list[Any] = [None, -1, "x", [], {}]


def every_field_edit(meta: dict[str, Any], every_item: bool) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in paths(meta, every_item=every_item):
        where = "/".join(map(str, path))
        if isinstance(path[-1], str):
            yield f"{where} removed", edited(meta, path, remove=True)
        for value in WRONG_VALUES if every_item else QUICK_WRONG_VALUES:
            yield f"{where} = {value!r}", edited(meta, path, value)


def check_every_field(parts, tmp_path, original, every_item: bool) -> None:
    meta, arrays = parts

    def variants() -> Iterator[tuple[str, bytes]]:
        for label, new_meta in every_field_edit(meta, every_item):
            buffer = io.BytesIO()
            np.savez(buffer, **arrays, meta=meta_array(json.dumps(new_meta).encode()))
            yield label, buffer.getvalue()

    family = "description fields removed or retyped" + (" (every list item)" if every_item else "")
    try_all(tmp_path, original, variants(), family, exact=False)


def test_every_field_removed_or_of_the_wrong_type(parts, tmp_path, original) -> None:
    check_every_field(parts, tmp_path, original, every_item=False)


@pytest.mark.slow
def test_every_field_of_every_list_item_removed_or_of_the_wrong_type(parts, tmp_path, original) -> None:
    check_every_field(parts, tmp_path, original, every_item=True)


# -- hypothesis: any JSON value anywhere in the description ---------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["dense", "adam", "sgd", "float32", "float16", "relu", "softmax", "layer", "PCG64"]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=8,
)


def fuzz_description(data: st.DataObject, parts, tmp_path: Path, original: NeuralNetwork) -> None:
    meta, arrays = parts
    path = data.draw(st.sampled_from(list(paths(meta))), label="path")
    value = data.draw(json_values, label="value")
    file = tmp_path / "fuzzed.npz"
    write_archive(file, edited(meta, path, value), arrays)
    load_or_refuse(file, original, exact=False)


FUZZ = {
    "derandomize": True,
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}


@settings(max_examples=100, **FUZZ)
@given(data=st.data())
def test_any_json_value_anywhere_in_the_description(data, parts, tmp_path, original) -> None:
    fuzz_description(data, parts, tmp_path, original)


@pytest.mark.slow
@settings(max_examples=2000, **FUZZ)
@given(data=st.data())
def test_any_json_value_anywhere_in_the_description_at_length(data, parts, tmp_path, original) -> None:
    fuzz_description(data, parts, tmp_path, original)


def test_big_endian_arrays_load_with_the_same_numbers(parts, tmp_path, original) -> None:
    """A file written on a machine of the other byte order is read correctly, not refused."""
    meta, arrays = copy.deepcopy(parts)
    expected = arrays[W0].copy()
    arrays[W0] = arrays[W0].astype(">f8")
    path = tmp_path / "big_endian.npz"
    write_archive(path, meta, arrays)
    network = load_network(path)
    assert np.array_equal(network.layers[0].weights.numpy(), expected)
    assert network.layers[0].weights.dtype == np.float64
