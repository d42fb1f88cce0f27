"""``smolml predict MODEL CSV``: one prediction per row of a CSV file, written as CSV."""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..files import special_file_kind, write_output
from ..persistence import load_network
from .csv_input import read_features
from .description import usable_description
from .errors import reported, write_error
from .report import network_task

__all__ = ["prediction_table", "run_predict"]


def run_predict(args: argparse.Namespace) -> int:
    path = Path(args.csv)
    with reported():
        network = load_network(args.model)
        description = usable_description(args.model, network)
        _, X = read_features(path, network, description, args.target)
        outputs = network.predict(X).numpy().reshape(len(X), -1)
    classes = description.class_names if description is not None else None
    header, rows = prediction_table(outputs, network_task(network), classes)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    if args.output is None:
        _stream(text.getvalue())
        return 0
    output = Path(args.output)
    try:  # a regular file is replaced in one step; a device or a FIFO (-o /dev/stdout) is written through
        streamed = special_file_kind(output) is not None
        write_output(output, lambda file: file.write(text.getvalue().encode("utf-8")))
    except OSError as exc:
        raise write_error(output, exc) from exc
    if not streamed:  # the note would land in the stream itself
        print(f"Wrote {len(rows)} predictions to {os.fspath(output)}")
    return 0


def prediction_table(
    outputs: np.ndarray, task: str, class_names: Sequence[str] | None = None
) -> tuple[list[str], list[list[str]]]:
    """The header and rows to write: a class and its probabilities for a classifier, the outputs otherwise.

    Classes are written by name when ``class_names`` gives one per class, else by number.
    """
    if task == "binary" and outputs.shape[1] == 1:  # one sigmoid output p: class 1 with p, class 0 with 1 - p
        names = list(class_names) if class_names is not None and len(class_names) == 2 else ["0", "1"]
        header = ["prediction", *(f"probability_{c}" for c in names)]
        rows = [[names[int(p >= 0.5)], _fmt(1.0 - p), _fmt(p)] for p in outputs[:, 0]]
    elif task == "classes" and outputs.shape[1] > 1:
        if class_names is None or len(class_names) != outputs.shape[1]:
            class_names = [str(c) for c in range(outputs.shape[1])]
        header = ["prediction", *(f"probability_{c}" for c in class_names)]
        rows = [[class_names[int(row.argmax())], *map(_fmt, row)] for row in outputs]
    elif outputs.shape[1] == 1:
        header = ["prediction"]
        rows = [[_fmt(p)] for p in outputs[:, 0]]
    else:
        header = [f"prediction_{c}" for c in range(outputs.shape[1])]
        rows = [list(map(_fmt, row)) for row in outputs]
    return header, rows


def _stream(text: str, chunk: int = 1 << 15) -> None:
    """Write ``text`` to standard output a piece at a time, flushing each.

    A reader that goes away (``smolml predict ... | head -1``) then raises
    ``BrokenPipeError`` here, which ``main`` turns into status 141 as for
    ``train``, instead of a failure hidden in Python's flush at exit.
    """
    for start in range(0, len(text), chunk):
        sys.stdout.write(text[start : start + chunk])
        sys.stdout.flush()


def _fmt(value: float) -> str:
    return f"{float(value):.6g}"
