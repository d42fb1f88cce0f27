"""Small files that declare big sizes: each is refused (or loads) cheaply, never costs memory it does not hold.

The model-file fuzzing of ``test_corrupt_files`` damages a valid file; this
adds files built to cost memory or time: ``.npy`` headers declaring huge
shapes, zip members whose declared sizes lie (or are honest about a deflate
bomb), too many members, odd names, descriptions and configs declaring huge
layers, an oversized description. Every file is loaded in a fresh process
that measures the peak of traced memory (numpy's arrays included) and the
time of each load: the peak must stay under 64 MB plus the bytes of the
arrays the file really holds, and every outcome be a load or a
``ModelFileError`` naming the file.

Run with ``-s`` to see the worst peak and time.
"""

from __future__ import annotations

import copy
import io
import json
import os
import struct
import subprocess
import sys
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from smolml_core import ModelFileError, load_network, persistence

from .helpers import read_archive, save_trained

MB = 1_000_000
LIMIT = 64 * MB
"""The peak a load may reach beyond the bytes of the arrays the file really holds."""

HUGE_SHAPES: list[tuple[int, ...]] = [(16_000, 16_000), (10**9,), (3, 10**10), (2**62,), (10**12, 10**12), (0, 10**30)]

W0, META = "layers.0.weights", "meta"

# A variant: (label, the file's bytes, the bytes of the arrays it really holds).
Variant = tuple[str, bytes, int]


@pytest.fixture(scope="module")
def parts(tmp_path_factory) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A trained 3 -> 4 -> 2 network with Adam, as its description and arrays."""
    path = tmp_path_factory.mktemp("valid") / "valid.npz"
    save_trained(path)
    return read_archive(path)


# -- building files ---------------------------------------------------------------------------------


def npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def npy_declaring(shape: tuple[int, ...], data: bytes = b"", descr: str = "<f8") -> bytes:
    """A ``.npy`` header declaring ``shape`` (whatever follows it), then ``data``."""
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": descr, "fortran_order": False, "shape": shape})
    return buffer.getvalue() + data


def members_of(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> dict[str, bytes]:
    members = {f"{name}.npy": npy(array) for name, array in arrays.items()}
    members["meta.npy"] = npy(np.frombuffer(json.dumps(meta).encode(), np.uint8))
    return members


def zip_of(members: dict[str, bytes] | list[tuple[str, bytes]], method: int = zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names, which some variants want
        with zipfile.ZipFile(buffer, "w", method) as archive:
            for name, content in members.items() if isinstance(members, dict) else members:
                archive.writestr(name, content)
    return buffer.getvalue()


def with_declared_size(data: bytes, name: str, size: int) -> bytes:
    """The archive with ``name``'s uncompressed size rewritten to ``size`` in both its headers."""
    data = bytearray(data)
    encoded = name.encode()
    at = data.find(b"PK\x01\x02")
    while at != -1:  # central directory entries: the name follows the 46-byte fixed part
        if data[at + 46 : at + 46 + len(encoded)] == encoded:
            struct.pack_into("<I", data, at + 24, size)
            local = struct.unpack_from("<I", data, at + 42)[0]
            struct.pack_into("<I", data, local + 22, size)
        at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


# -- the families -------------------------------------------------------------------------------------


def header_bombs(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Iterator[Variant]:
    """A member's ``.npy`` header declares a huge shape; the member is as small as before (numpy trusted it)."""
    for name in [W0, "layers.1.biases", "optimizer.0.weights.gradients_momentum", META]:
        for shape in HUGE_SHAPES:
            for method in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                members = members_of(meta, arrays)
                descr = "|u1" if name == META else "<f8"
                members[f"{name}.npy"] = npy_declaring(shape, bytes(64), descr)
                yield f"{name} header declaring {shape}, method {method}", zip_of(members, method), 0


def declared_size_lies(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Iterator[Variant]:
    """The zip's own declared sizes lie: far bigger than the member, or far smaller than what it unpacks to."""
    valid = zip_of(members_of(meta, arrays), zipfile.ZIP_DEFLATED)
    for name in [f"{W0}.npy", "meta.npy"]:
        for size in (0, 1, 10**6, 2**31, 2**32 - 1):
            yield f"{name} declared as {size:,} bytes unpacked", with_declared_size(valid, name, size), 0
    members = members_of(meta, arrays)
    members[f"{W0}.npy"] = npy_declaring((3, 4), bytes(20 * MB))  # 20 MB of zeros: about 20 kB deflated
    bomb = zip_of(members, zipfile.ZIP_DEFLATED)
    yield "20 MB of zeros behind a 3 x 4 header, honest sizes", bomb, 20 * MB
    yield "20 MB of zeros declared as 96 bytes", with_declared_size(bomb, f"{W0}.npy", 224), 0
    members[f"{W0}.npy"] = npy_declaring((2500, 1000), bytes(20 * MB))
    described = copy.deepcopy(meta)
    described["layer_arrays"][W0]["shape"] = [2500, 1000]
    members["meta.npy"] = npy(np.frombuffer(json.dumps(described).encode(), np.uint8))
    yield "20 MB of zeros, described so", zip_of(members, zipfile.ZIP_DEFLATED), 20 * MB


def odd_tables(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Iterator[Variant]:
    """Odd tables of contents: names that are long, repeated or not arrays; many members; other packings."""
    members = members_of(meta, arrays)
    yield "a 5,000-character name", zip_of({**members, "x" * 4996 + ".npy": npy(np.zeros(1))}), 0
    yield "a name twice", zip_of([*members.items(), (f"{W0}.npy", npy_declaring((10**9,)))]), 0
    yield "a folder entry", zip_of({**members, "layers/": b""}), 0
    yield "a path outside", zip_of({**members, "../../etc/passwd.npy": npy(np.zeros(1))}), 0
    yield "2,000 empty extra members", zip_of({**members, **{f"x{i}.npy": b"" for i in range(2000)}}), 0
    yield "2,000 extra arrays", zip_of({**members, **{f"x{i}.npy": npy(np.zeros(1)) for i in range(2000)}}), 0
    for method in (zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA):
        yield f"packed with method {method}", zip_of(members, method), 0


def size_declaring_descriptions(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Iterator[Variant]:
    """The description (config, shapes) declares huge layers; the arrays are the small real ones."""
    members = members_of(meta, arrays)
    rng = np.random.default_rng(17)
    for n in range(60):
        edited = copy.deepcopy(meta)
        size = int(rng.choice([10**4, 10**5, 10**6, 10**9, 10**12, 10**19, 2**63, 10**40]))
        layer = int(rng.integers(0, 2))
        what = rng.choice(["config", "shape", "both", "buffer"])
        if what in ("config", "both"):
            edited["config"]["layers"][layer]["output_size" if layer == 0 else "input_size"] = size
            edited["config"]["layers"][1 - layer]["input_size" if layer == 0 else "output_size"] = size
        if what in ("shape", "both"):
            edited["layer_arrays"][f"layers.{layer}.weights"]["shape"] = [size, size]
        if what == "buffer":
            edited["optimizer_state"][layer]["buffers"]["gradients_momentum"]["shape"] = [size]
        members["meta.npy"] = npy(np.frombuffer(json.dumps(edited).encode(), np.uint8))
        yield f"{n}: {what} of layer {layer} declaring {size:,}", zip_of(members), 0
    huge = {**meta, "padding": " " * 9_000_000}
    members["meta.npy"] = npy(np.frombuffer(json.dumps(huge).encode(), np.uint8))
    yield "a 9 MB description, deflated", zip_of(members, zipfile.ZIP_DEFLATED), 0


FAMILIES = [header_bombs, declared_size_lies, odd_tables, size_declaring_descriptions]


# -- loading them all in a fresh process, measured ---------------------------------------------------

MEASURE = """
import json, sys, time, tracemalloc
import smolml_core
tracemalloc.start()
results = []
for path in json.loads(sys.argv[1]):
    tracemalloc.reset_peak()
    start = time.perf_counter()
    try:
        smolml_core.load_network(path)
        outcome, message = "loaded", ""
    except BaseException as exc:
        outcome, message = type(exc).__name__, str(exc)
    results.append([outcome, message, tracemalloc.get_traced_memory()[1], time.perf_counter() - start])
print(json.dumps(results))
"""


def measure(tmp_path: Path, variants: list[Variant]) -> None:
    """Load every variant in one fresh process; check outcome, peak memory and time of each."""
    paths = []
    for n, (_, data, _) in enumerate(variants):
        paths.append(str(tmp_path / f"{n}.npz"))
        Path(paths[-1]).write_bytes(data)
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, json.dumps(paths)], capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    failures = []
    worst = (0, 0.0)
    for (label, data, real), path, (outcome, message, peak, seconds) in zip(
        variants, paths, json.loads(done.stdout), strict=True
    ):
        worst = (max(worst[0], peak - real), max(worst[1], seconds))
        if outcome not in ("loaded", "ModelFileError") or (outcome != "loaded" and not message.startswith(repr(path))):
            failures.append(f"{label}: {outcome}: {message[:300]}")
        if peak > LIMIT + real:
            failures.append(f"{label} ({len(data):,} bytes): peak {peak / MB:.1f} MB, real arrays {real / MB:.1f} MB")
        if seconds > 5:
            failures.append(f"{label}: took {seconds:.1f} s")
    print(f"\n{len(variants)} files, worst peak beyond real arrays {worst[0] / MB:.1f} MB, slowest {worst[1]:.2f} s")
    assert not failures, "\n".join(failures[:30])


def test_small_files_declaring_big_sizes_cost_only_what_they_hold(parts, tmp_path) -> None:
    variants = [variant for family in FAMILIES for variant in family(*parts)]
    measure(tmp_path, variants)


@pytest.mark.slow
def test_a_file_with_too_many_members(parts, tmp_path) -> None:
    """60,000 members: more than a SmolML file has; refused from the table of contents."""
    members = members_of(*parts)
    many = zip_of({**members, **{f"x{i}.npy": b"" for i in range(60_000)}})
    measure(tmp_path, [("60,000 members", many, 0)])
    path = tmp_path / "many.npz"
    path.write_bytes(many)
    with pytest.raises(ModelFileError, match="members; a SmolML file has at most 50,000"):
        load_network(path)


# -- the messages of each check --------------------------------------------------------------------------


def load_bytes(tmp_path: Path, data: bytes) -> ModelFileError:
    path = tmp_path / "bomb.npz"
    path.write_bytes(data)
    with pytest.raises(ModelFileError) as caught:
        load_network(path)
    assert str(caught.value).startswith(repr(str(path))), caught.value
    return caught.value


def test_a_header_declaring_more_than_its_member_holds(parts, tmp_path) -> None:
    members = members_of(*parts)
    members[f"{W0}.npy"] = npy_declaring((16_000, 16_000), bytes(64))
    text = str(load_bytes(tmp_path, zip_of(members, zipfile.ZIP_DEFLATED)))
    assert "the header of the array 'layers.0.weights' declares float64 of shape (16000, 16000), 2.0 GB" in text
    assert "but its member holds 192 bytes" in text


def test_a_deflate_bomb_is_refused_from_its_declared_sizes(parts, tmp_path) -> None:
    members = members_of(*parts)
    members[f"{W0}.npy"] = npy_declaring((3, 4), bytes(20 * MB))
    bomb = with_declared_size(zip_of(members, zipfile.ZIP_DEFLATED), f"{W0}.npy", 2**32 - 1)
    assert "more than they can hold" in str(load_bytes(tmp_path, bomb))


def test_a_config_asking_for_more_than_the_file_holds_is_refused_before_building(parts, tmp_path) -> None:
    meta, arrays = copy.deepcopy(parts)
    meta["config"]["layers"][0]["output_size"] = 100_000
    meta["config"]["layers"][1]["input_size"] = 100_000
    text = str(load_bytes(tmp_path, zip_of(members_of(meta, arrays))))
    assert "its network config cannot be built: layers[0]: weights of shape (3, 100000)" in text
    assert "more than the " in text and "of arrays the file holds" in text


def test_a_description_declaring_a_huge_shape(parts, tmp_path) -> None:
    meta, arrays = copy.deepcopy(parts)
    meta["layer_arrays"][W0]["shape"] = [10_000, 10_000]
    assert "not what its description says" in str(load_bytes(tmp_path, zip_of(members_of(meta, arrays))))


def test_a_description_over_the_limit(parts, tmp_path) -> None:
    meta, arrays = copy.deepcopy(parts)
    members = members_of({**meta, "padding": " " * 9_000_000}, arrays)
    text = str(load_bytes(tmp_path, zip_of(members, zipfile.ZIP_DEFLATED)))
    assert "its description is 9.0 MB" in text and "at most 8.0 MB" in text


def test_too_many_members(parts, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(persistence, "_MAX_MEMBERS", 5)
    monkeypatch.setattr(persistence, "_MAX_ENTRY_BYTES", 1000)  # so that the table's size lets it through
    members = members_of(*parts)
    assert len(members) > 5
    assert "members; a SmolML file has at most 5" in str(load_bytes(tmp_path, zip_of(members)))


@pytest.mark.parametrize(
    ("name", "expected"),
    [("x" * 2000 + ".npy", "a member's name is 2,004 characters long"), ("notes.txt", "'notes.txt' is not an array")],
)
def test_member_names(name: str, expected: str, parts, tmp_path) -> None:
    members = {**members_of(*parts), name: b""}
    assert expected in str(load_bytes(tmp_path, zip_of(members)))


def test_a_name_twice(parts, tmp_path) -> None:
    members = members_of(*parts)
    text = str(load_bytes(tmp_path, zip_of([*members.items(), (f"{W0}.npy", members[f"{W0}.npy"])])))
    assert "it holds two members named 'layers.0.weights.npy'" in text


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_packings_numpy_never_writes(method: int, parts, tmp_path) -> None:
    assert "packed in a way numpy never writes" in str(load_bytes(tmp_path, zip_of(members_of(*parts), method)))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_or_a_device_is_refused_at_once(tmp_path) -> None:
    fifo = tmp_path / "model.npz"
    os.mkfifo(fifo)
    with pytest.raises(ModelFileError, match="cannot be read as a model file: it is a FIFO"):
        load_network(fifo)  # opening it would wait for a writer forever
    if os.path.exists("/dev/zero"):
        with pytest.raises(ModelFileError, match="it is a device, not a regular file"):
            load_network("/dev/zero")


def test_a_genuine_large_file_loads_into_the_networks_own_arrays(tmp_path) -> None:
    """The weights are read straight into the freshly built layers: no second copy of a large layer at any time."""
    from smolml_core import NeuralNetwork
    from smolml_std.layers import DenseLayer

    network = NeuralNetwork([DenseLayer(1000, 2000)], "mse", "sgd")  # no optimizer buffers: the weights are all
    path = network.save(tmp_path / "large.npz")
    real = sum(array.nbytes for array in read_archive(path)[1].values())
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, json.dumps([str(path)])], capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    [(outcome, message, peak, _)] = json.loads(done.stdout)
    assert outcome == "loaded", message
    assert real > 16 * MB
    # beyond the arrays, only what loading any file costs (modules, plugins, a chunk): about 5 MB here
    assert peak - real < 8 * MB, f"peak {peak / MB:.1f} MB for {real / MB:.1f} MB of arrays"
