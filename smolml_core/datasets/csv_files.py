"""Reading a CSV file: a header row naming the columns, then one row per sample.

One column is the target, named by the caller; every other column is a
feature and must hold numbers. The target may hold numbers (a value to
predict, or class numbers) or text (class names). Every mistake in the file is
reported as a ``ConfigError`` whose ``file`` is the CSV file and whose message
says the line and the column, 1-based, as an editor shows them:
``'flowers.csv': line 7, column 2 ('sepal_width'): 'n/a' is not a number; ...``.
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import dataclass

import numpy as np

from ..errors import ArraySizeError, ConfigError, SmolMLError
from ..files import read_regular
from ..wording import did_you_mean
from .dataset import Dataset
from .preparing import standardize as standardized

__all__ = ["load_csv", "load_csv_column", "load_csv_features", "read_csv"]

_OTHER_DELIMITERS = (";", "\t", "|", ",")

MAX_CSV_BYTES = 1024**3
"""The largest CSV file read (1 GiB): a FIFO, a device or a runaway file is refused rather than read forever."""


def load_csv(
    path: str | os.PathLike[str],
    target: str,
    *,
    standardize: bool = False,
    one_hot: bool | None = None,
    delimiter: str = ",",
) -> tuple[np.ndarray, np.ndarray]:
    """``(X, y)`` from a CSV file whose column ``target`` is what to predict; the other columns are ``X``.

    ``standardize=True`` scales each feature to mean 0 and standard deviation
    1 over all rows. ``y`` follows the target: text or whole numbers with 3 or
    more different values become one-hot rows (``one_hot=None``, the default),
    two classes a 0/1 column, other numbers a column as they are;
    ``one_hot=True`` or ``False`` forces the choice.
    """
    dataset = read_csv(path, target, one_hot=one_hot, delimiter=delimiter)
    X = standardized(dataset.X).X_train if standardize else dataset.X
    try:
        return X, dataset.targets(one_hot)
    except ArraySizeError as exc:  # one-hot rows for too many classes
        advice = "if it is a number to predict rather than a class, pass one_hot=False"
        raise ArraySizeError(f"{exc.message}; {advice}", path=(f"target {target!r}",)).in_file(path) from exc


def read_csv(
    path: str | os.PathLike[str], target: str, *, one_hot: bool | None = None, delimiter: str = ","
) -> Dataset:
    """The CSV file as a ``Dataset``, with its column names and class names (what ``load_csv`` encodes)."""
    table = _read_table(path, delimiter)
    column = _find_column(table, target, "target")
    features = [i for i in range(len(table.header)) if i != column]
    if not features:
        raise _error(table.path, f"the file has only the target column {target!r}; it needs feature columns too")
    X = _numbers(table, features, target)
    values, class_names = _target(table, column, one_hot)
    return Dataset(X, values, tuple(table.header[i] for i in features), class_names)


def load_csv_features(
    path: str | os.PathLike[str], columns: list[str] | tuple[str, ...] | None = None, *, delimiter: str = ","
) -> np.ndarray:
    """Only the features ``X`` of a CSV file, to predict on: the named ``columns`` in that order, or all columns.

    Naming the columns a network was trained on lets the file hold them in any
    order, next to other columns (a target, an id) that are then left out.
    """
    table = _read_table(path, delimiter)
    names = table.header if columns is None else list(columns)
    return _numbers(table, [_find_column(table, name, "feature") for name in names], None)


def load_csv_column(path: str | os.PathLike[str], name: str, *, delimiter: str = ",") -> list[str]:
    """The values of one column as text, stripped, every row holding one: the answers to score a model against.

    Unlike ``read_csv``, nothing is decided from the values (a file whose rows
    all hold one class is a fair test set); the caller knows what they mean.
    """
    table = _read_table(path, delimiter)
    column = _find_column(table, name, "target")
    texts = [values[column].strip() for _, values in table.rows]
    for (line, _), text in zip(table.rows, texts, strict=True):
        if not text:
            raise _error(table.path, f"line {line}, column {column + 1} ({name!r}): the value is missing")
    return texts


@dataclass(frozen=True)
class _Table:
    """The file's rows as text, before anything is converted: for messages that quote them."""

    path: str
    header: list[str]
    header_line: int
    rows: list[tuple[int, list[str]]]
    """``(line number, values)`` of every data row; blank lines are left out."""


def _read_table(path: str | os.PathLike[str], delimiter: str) -> _Table:
    """The header and the rows, checking the shape of the file: a named header, then rows as wide as it."""
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise ConfigError(f"delimiter must be one character, such as ',' or ';', not {delimiter!r}")
    name = os.fspath(path)
    rows = _rows(name, _read_text(name), delimiter)
    if not rows:
        raise _error(name, "the file is empty; a data file starts with a header row naming its columns")
    (header_line, header), data = rows[0], rows[1:]
    header = [field.strip() for field in header]
    _check_header(name, header_line, header)
    if not data:
        raise _error(name, f"the file has a header (line {header_line}) but no rows of data below it")
    for line, values in data:
        if len(values) != len(header):
            raise _error(
                name,
                f"line {line} has {len(values)} values but the header (line {header_line}) names "
                f"{len(header)} columns; every row needs one value per column",
            )
    return _Table(name, header, header_line, data)


def _read_text(path: str) -> str:
    """The file's text, from UTF-8 (a byte-order mark, as some spreadsheets write, is skipped)."""
    try:
        raw = read_regular(path, MAX_CSV_BYTES)
    except OSError as exc:
        raise _error(path, f"cannot read the data file: {exc.strerror or exc}") from exc
    try:
        return raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise _error(
            path, f"line {line} is not UTF-8 text (byte {raw[exc.start]:#04x}); save the file as UTF-8"
        ) from exc


def _rows(path: str, text: str, delimiter: str) -> list[tuple[int, list[str]]]:
    """Every non-blank row with the line it ends on (a quoted value may span lines)."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True, strict=True)
    rows = []
    try:
        for values in reader:
            if any(value.strip() for value in values):
                rows.append((reader.line_num, values))
    except csv.Error as exc:
        raise _error(path, f"line {reader.line_num}: cannot read the row as CSV: {exc}") from exc
    return rows


def _check_header(path: str, line: int, header: list[str]) -> None:
    """The first row must name every column, each once."""
    if all(_is_number(name) for name in header):
        raise _error(
            path,
            f"line {line} holds numbers, not column names: the first row must be a header naming "
            "each column, such as: sepal_length,sepal_width,species",
        )
    seen: dict[str, int] = {}
    for i, name in enumerate(header):
        if not name:
            raise _error(path, f"line {line}, column {i + 1}: the header gives this column no name")
        if name in seen:
            raise _error(path, f"line {line}: the header names {name!r} twice (columns {seen[name] + 1} and {i + 1})")
        seen[name] = i


def _find_column(table: _Table, name: str, role: str) -> int:
    """The index of the column called ``name``, or an error listing the header's names."""
    if not isinstance(name, str):
        raise ConfigError(f"the {role} must be a column's name (a string), not {name!r}")
    if name in table.header:
        return table.header.index(name)
    message = (
        f"the {role} column {name!r} is not in the header{did_you_mean(name, table.header)}; "
        f"the header (line {table.header_line}) names: {', '.join(table.header)}"
    )
    raise _error(table.path, message + _delimiter_hint(table.header))


def _delimiter_hint(header: list[str]) -> str:
    """When the header reads as one column, the file may separate its values with another character."""
    if len(header) != 1:
        return ""
    for other in _OTHER_DELIMITERS:
        if other in header[0]:
            return (
                f"; the whole header reads as one column: if values are separated by {other!r}, use delimiter={other!r}"
            )
    return ""


def _numbers(table: _Table, columns: list[int], target: str | None) -> np.ndarray:
    """The given columns as a float64 matrix; a cell that is not a finite number is an error at its line."""
    cells = [[values[i].strip() for i in columns] for _, values in table.rows]
    try:
        X = np.array(cells, dtype=np.float64).reshape(len(cells), len(columns))
        if np.isfinite(X).all():
            return X
    except ValueError:
        pass
    for (line, _), row in zip(table.rows, cells, strict=True):
        for i, text in zip(columns, row, strict=True):
            _check_number(table, line, i, text, target)
    raise AssertionError("unreachable: some cell failed to convert")  # pragma: no cover


def _check_number(table: _Table, line: int, column: int, text: str, target: str | None) -> None:
    where = f"line {line}, column {column + 1} ({table.header[column]!r})"
    if not text:
        raise _error(table.path, f"{where}: the value is missing; every feature needs a number in every row")
    if not _is_number(text):
        only = f"only the target column ({target!r}) may hold text" if target else "a feature holds numbers"
        raise _error(
            table.path, f"{where}: {text!r} is not a number; {only}: remove the column or write its values as numbers"
        )
    if not math.isfinite(float(text)):
        raise _error(table.path, f"{where}: {text!r} is not a finite number; a feature needs a real value")


def _target(table: _Table, column: int, one_hot: bool | None) -> tuple[np.ndarray, tuple[str, ...] | None]:
    """The target as class indices with the class names, or as numbers to predict (names ``None``)."""
    texts = [values[column].strip() for _, values in table.rows]
    for (line, _), text in zip(table.rows, texts, strict=True):
        if not text:
            where = f"line {line}, column {column + 1} ({table.header[column]!r})"
            raise _error(table.path, f"{where}: the target value is missing; every row needs one")
    if not all(_is_number(text) for text in texts):
        names, indices = np.unique(texts, return_inverse=True)
        _check_classes(table, column, [str(n) for n in names])
        return indices.reshape(-1).astype(np.int64), tuple(str(n) for n in names)
    numbers = _target_numbers(table, column, texts)
    distinct = np.unique(numbers)
    _check_classes(table, column, [_number_name(v) for v in distinct])
    whole = bool(np.all(distinct == np.round(distinct)))
    if one_hot or (one_hot is None and whole and len(distinct) >= 3) or set(distinct) <= {0.0, 1.0}:
        return np.searchsorted(distinct, numbers).astype(np.int64), tuple(_number_name(v) for v in distinct)
    return numbers, None


def _target_numbers(table: _Table, column: int, texts: list[str]) -> np.ndarray:
    numbers = np.array([float(text) for text in texts])
    for (line, _), text, number in zip(table.rows, texts, numbers, strict=True):
        if not math.isfinite(number):
            where = f"line {line}, column {column + 1} ({table.header[column]!r})"
            raise _error(table.path, f"{where}: the target {text!r} is not a finite number")
    return numbers


def _check_classes(table: _Table, column: int, distinct: list[str]) -> None:
    """A target that never changes leaves nothing to learn: it is most likely the wrong column."""
    if len(distinct) < 2:
        raise _error(
            table.path,
            f"the target column {table.header[column]!r} holds {distinct[0]!r} in every row: "
            "there is nothing to learn; a target needs at least two different values (two classes)",
        )


def _number_name(value: float) -> str:
    """A class number as its name: ``3.0`` -> ``"3"``, ``0.5`` -> ``"0.5"``."""
    return str(int(value)) if float(value).is_integer() else str(float(value))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _error(path: str, message: str) -> SmolMLError:
    return ConfigError(message).in_file(path)
