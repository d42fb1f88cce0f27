"""CSV fuzzing: whatever a data file holds, the CSV readers give arrays or a SmolMLError, nothing else.

Files are built from cells that are numbers, numbers no float holds, text,
nothing, quotes and separators, NUL bytes and bytes that are not UTF-8, in
rows of the header's width or not, and then damaged byte by byte.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smolml_core import SmolMLError
from smolml_core.datasets import load_csv, load_csv_features, read_csv

FUZZ: dict[str, Any] = {
    "derandomize": True,
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}

COLUMNS = ["x", "y", "label", "id", "", " x ", "x;y", '"q"']
CELLS = ["0", "1", "2", "-1.5", "3e2", "nan", "inf", "-inf", "1e999", "1" + "0" * 400, "0x1F", "1_000", "", " ", "a",
         "setosa", '"1,2"', '"', "'", ";", "\t", "\x00", "é", "1" * 5000]  # fmt: skip


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, str, list[str] | None]:
    """The bytes of a file, a target column to ask for, and feature columns to ask for (None: all)."""
    header = draw(st.lists(st.sampled_from(COLUMNS) | st.text(max_size=5), min_size=1, max_size=4))
    width = len(header)
    cell = st.sampled_from(CELLS) | st.text(max_size=6) | st.floats().map(repr)
    rows = draw(st.lists(st.lists(cell, min_size=max(width - 1, 0), max_size=width + 1), max_size=8))
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    text = newline.join(",".join(row) for row in [header, *rows]) + draw(st.sampled_from(["", newline]))
    data = draw(st.sampled_from([b"", b"\xef\xbb\xbf"])) + text.encode("utf-8", "surrogatepass")
    for _ in range(draw(st.integers(0, 2))):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(min_size=1, max_size=3)) + data[at + draw(st.integers(0, 3)) :]
    target = draw(st.sampled_from(header) | st.sampled_from(COLUMNS))
    columns = draw(st.none() | st.lists(st.sampled_from(header) | st.sampled_from(COLUMNS), max_size=3))
    return data, target, columns


def read_or_refuse(read: Any) -> Any:
    try:
        return read()
    except SmolMLError:
        return None


def check(tmp_path: Path, file: tuple[bytes, str, list[str] | None]) -> None:
    data, target, columns = file
    path = tmp_path / "fuzzed.csv"
    path.write_bytes(data)
    for one_hot in (None, True, False):
        dataset = read_or_refuse(lambda one_hot=one_hot: read_csv(path, target, one_hot=one_hot))
        if dataset is not None:
            assert np.isfinite(dataset.X).all()
        pair = read_or_refuse(lambda one_hot=one_hot: load_csv(path, target, standardize=True, one_hot=one_hot))
        if pair is not None:
            X, y = pair
            assert len(X) == len(y) > 0
    for delimiter in (",", ";"):
        X = read_or_refuse(lambda delimiter=delimiter: load_csv_features(path, columns, delimiter=delimiter))
        assert X is None or (X.ndim == 2 and np.isfinite(X).all())


@settings(max_examples=300, **FUZZ)
@given(file=csv_files())
def test_any_csv_file(tmp_path: Path, file: tuple[bytes, str, list[str] | None]) -> None:
    check(tmp_path, file)


@pytest.mark.slow
@settings(max_examples=5000, **FUZZ)
@given(file=csv_files())
def test_any_csv_file_at_length(tmp_path: Path, file: tuple[bytes, str, list[str] | None]) -> None:
    check(tmp_path, file)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_or_a_nul_byte_given_as_a_csv_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "rows.csv"
    os.mkfifo(fifo)  # reading it would wait for a writer forever
    for path in (fifo, "rows\0.csv"):
        with pytest.raises(SmolMLError, match=r"not a regular file|holds a NUL byte"):
            read_csv(path, "y")
