"""``smolml export MODEL --format onnx``: a saved model written as an ONNX model, for ONNX Runtime and its kin."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

from ..persistence import load_network
from .description import usable_description
from .errors import reported, write_error

__all__ = ["run_export"]


def run_export(args: argparse.Namespace) -> int:
    output = Path(args.output) if args.output else Path(args.model).with_suffix(".onnx")
    with reported():
        network = load_network(args.model)
        description = usable_description(args.model, network)
        # the first layer may not say how wide its input is; the training data's description does
        sample = None if description is None else np.zeros((1, len(description.feature_names)))
        if sample is not None and isinstance(getattr(network.layers[0], "input_size", None), int):
            sample = None
        from ..export import to_onnx

        try:
            to_onnx(network, output, sample)
        except OSError as exc:
            raise write_error(output, exc) from exc
    print(f"Wrote {os.fspath(output)} (ONNX, input 'input' of any number of rows, {network.dtype} as trained)")
    return 0
