#!/usr/bin/env python3
"""Benchmark the scalar engine against the array engine, and count its nodes per second.

Run from the repository root::

    python tests/benchmarks/bench_engines.py            # about a minute
    python tests/benchmarks/bench_engines.py --quick    # a few seconds
    python tests/benchmarks/bench_engines.py --json out.json

What it reports:

1. Seconds per epoch of the tutorial's moons network (2-16-8-1, relu, relu,
   sigmoid, binary cross-entropy, Adam) on each engine, medians, and their
   ratio. Both networks start from the same weights; before timing, their loss
   histories must agree to 1e-10 relative, or the script exits with status 1.
2. The scalar engine's throughput: ``Value`` nodes created and differentiated
   per second, for one epoch of that network (nodes counted by walking the
   loss's graph), and for a plain expression built from ``Value`` alone (a
   small relu MLP written out number by number). If ``micrograd`` is installed
   the same expression is built with its ``Value`` as a reference.
3. Against micrograd, on the same expression over 900 samples (about 137,000
   nodes), the garbage collector on as users run it: building the graph and
   ``backward()`` timed apart, ours and micrograd's alternating, medians; nodes
   per second of the whole (build plus backward) and of ``backward()`` alone.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import report as report_module

from smolml_core import NeuralNetwork, Value, build_network, set_seed
from smolml_core.datasets import load_dataset

AGREEMENT_RTOL = 1e-10

MOONS = {
    "layers": [
        {"type": "dense", "input_size": 2, "output_size": 16, "activation_function": "relu"},
        {"type": "dense", "input_size": 16, "output_size": 8, "activation_function": "relu"},
        {"type": "dense", "input_size": 8, "output_size": 1, "activation_function": "sigmoid"},
    ],
    "loss_function": "binary_cross_entropy",
    "optimizer": {"type": "adam", "learning_rate": 0.01},
}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats: a smoke test, not a measurement")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    return parser.parse_args(argv)


def moons_pair() -> tuple[NeuralNetwork, NeuralNetwork]:
    """The tutorial's moons network twice, from the same weights: array engine first, then scalar."""
    set_seed(0)
    array = build_network(MOONS)
    set_seed(0)
    scalar = build_network({**MOONS, "engine": "scalar"})
    return array, scalar


def check_agreement(X: np.ndarray, y: np.ndarray, epochs: int) -> dict[str, Any]:
    """Train both engines from the same weights; their loss histories must match."""
    array, scalar = moons_pair()
    a = np.array(array.train(X, y, epochs, verbose=False))
    s = np.array(scalar.train(X, y, epochs, verbose=False))
    worst = float(np.max(np.abs(a - s) / np.abs(a)))
    return {"epochs": epochs, "max_relative_difference": worst, "ok": worst <= AGREEMENT_RTOL}


def seconds_per_epoch(network: NeuralNetwork, X: np.ndarray, y: np.ndarray, epochs: int, repeats: int) -> float:
    """Median over ``repeats`` of the time per epoch of ``epochs`` epochs of training."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        network.train(X, y, epochs, verbose=False)
        times.append((time.perf_counter() - start) / epochs)
    return statistics.median(times)


def count_values(root: Any) -> int:
    """How many ``Value`` nodes ``root`` depends on (itself included)."""
    seen = {id(root)}
    stack = [root]
    while stack:
        for child in stack.pop()._prev:
            if id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return len(seen)


def network_throughput(X: np.ndarray, y: np.ndarray, repeats: int) -> dict[str, Any]:
    """Nodes per second of one forward + backward pass of the moons network on the scalar engine."""
    _, network = moons_pair()
    loss = network.loss_function(network.forward(X), y)
    nodes = count_values(loss.value())
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        loss = network.loss_function(network.forward(X), y)
        loss.backward()
        times.append(time.perf_counter() - start)
        for layer in network.layers:
            for param in layer.parameters().values():
                param.restart()
    seconds = statistics.median(times)
    return {"nodes": nodes, "seconds": seconds, "nodes_per_second": nodes / seconds}


def mlp_expression(value: Callable[[float], Any], n_samples: int = 40, width: int = 16) -> Any:
    """A 2-width-1 relu MLP's squared error, written out one ``Value`` at a time."""
    rng = np.random.default_rng(0)
    w1 = [[value(float(w)) for w in row] for row in rng.normal(size=(width, 2))]
    b1 = [value(0.0) for _ in range(width)]
    w2 = [value(float(w)) for w in rng.normal(size=width)]
    loss = value(0.0)
    for x, target in zip(rng.normal(size=(n_samples, 2)), rng.normal(size=n_samples), strict=True):
        hidden = [
            (sum((wi * float(xi) for wi, xi in zip(w, x, strict=True)), b)).relu() for w, b in zip(w1, b1, strict=True)
        ]
        out = sum((wi * hi for wi, hi in zip(w2, hidden, strict=True)), value(0.0))
        loss = loss + (out - float(target)) ** 2
    return loss


def expression_throughput(value: Callable[[float], Any], repeats: int) -> dict[str, Any]:
    """Nodes per second to build and differentiate ``mlp_expression`` with a given ``Value`` class."""
    nodes = count_values(mlp_expression(value))
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        mlp_expression(value).backward()
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    return {"nodes": nodes, "seconds": seconds, "nodes_per_second": nodes / seconds}


LARGE_SAMPLES = 900
"""Samples of the large expression: about 137,000 nodes (134,000 in micrograd, which makes fewer constants)."""


def large_graph_against_micrograd(value: Any, reference: Any, repeats: int, samples: int) -> dict[str, Any]:
    """Build and differentiate the large expression with each engine in turn; seconds and nodes per second.

    micrograd's ``backward`` sorts the graph recursively, one Python frame per node on the longest path, so
    the recursion limit is raised while it runs. Each repeat starts from a collected heap; the collector
    stays on while timing, since its passes over a large graph are part of what building one costs.
    """
    engines = {"smolml": value, "micrograd": reference}
    nodes = {name: count_values(mlp_expression(cls, n_samples=samples)) for name, cls in engines.items()}
    times: dict[str, dict[str, list[float]]] = {name: {"build": [], "backward": []} for name in engines}
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 100_000))
    try:
        for repeat in range(repeats):
            for name in engines if repeat % 2 == 0 else reversed(list(engines)):
                gc.collect()
                start = time.perf_counter()
                loss = mlp_expression(engines[name], n_samples=samples)
                built = time.perf_counter()
                loss.backward()
                times[name]["build"].append(built - start)
                times[name]["backward"].append(time.perf_counter() - built)
                del loss
    finally:
        sys.setrecursionlimit(limit)
    figures: dict[str, Any] = {"samples": samples, "repeats": repeats}
    for name, t in times.items():
        build, backward = statistics.median(t["build"]), statistics.median(t["backward"])
        whole = statistics.median([a + b for a, b in zip(t["build"], t["backward"], strict=True)])
        figures[name] = {
            "nodes": nodes[name],
            "build_seconds": build,
            "backward_seconds": backward,
            "whole_seconds": whole,
            "whole_nodes_per_second": nodes[name] / whole,
            "backward_nodes_per_second": nodes[name] / backward,
        }
    ours, theirs = figures["smolml"], figures["micrograd"]
    figures["whole_ratio"] = ours["whole_nodes_per_second"] / theirs["whole_nodes_per_second"]
    figures["backward_ratio"] = ours["backward_nodes_per_second"] / theirs["backward_nodes_per_second"]
    return figures


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    epochs, repeats = (2, 3) if args.quick else (5, 7)
    X, y = load_dataset("moons")
    y = y.reshape(-1, 1)

    check = check_agreement(X, y, epochs=3 if args.quick else 10)
    print(
        f"Agreement over {check['epochs']} epochs: largest relative loss difference "
        f"{check['max_relative_difference']:.2e} (limit {AGREEMENT_RTOL:g}) -> {'ok' if check['ok'] else 'FAILED'}"
    )
    report: dict[str, Any] = {"quick": args.quick, "agreement": check}
    if not check["ok"]:
        print("The engines disagree, so timing them would compare different work.")
        _write_json(args.json, report)
        return 1

    array, scalar = moons_pair()
    array_time = seconds_per_epoch(array, X, y, epochs=50 if args.quick else 200, repeats=repeats)
    scalar_time = seconds_per_epoch(scalar, X, y, epochs=epochs, repeats=repeats)
    report["moons_seconds_per_epoch"] = {"array": array_time, "scalar": scalar_time, "ratio": scalar_time / array_time}
    print("\nMoons network, 100 samples, full batch, float64 (median seconds per epoch):")
    print(f"  array engine   {array_time * 1e6:10.1f} us")
    print(f"  scalar engine  {scalar_time * 1e3:10.1f} ms   ({scalar_time / array_time:,.0f}x the array engine)")

    throughput = {"moons epoch (scalar engine)": network_throughput(X, y, repeats)}
    throughput["relu MLP expression, smolml Value"] = expression_throughput(Value, repeats)
    try:
        from micrograd.engine import Value as MicrogradValue  # type: ignore[import-not-found]
    except ImportError:
        print("\n(micrograd is not installed: `pip install micrograd==0.1.0` adds it as a reference)")
    else:
        throughput["relu MLP expression, micrograd Value"] = expression_throughput(MicrogradValue, repeats)
        report["large"] = large_graph_against_micrograd(
            Value, MicrogradValue, repeats=3 if args.quick else 9, samples=100 if args.quick else LARGE_SAMPLES
        )
    report["throughput"] = throughput
    print("\nScalar engine throughput (build the graph and run backward; median):")
    for name, figures in throughput.items():
        print(
            f"  {name:<38} {figures['nodes']:>8,} nodes  {figures['seconds'] * 1e3:8.1f} ms  "
            f"{figures['nodes_per_second'] / 1e6:6.3f} M nodes/s"
        )
    if "large" in report:
        report_module.print_large(report["large"])
    _write_json(args.json, report)
    return 0


def _write_json(path: str | None, report: dict[str, Any]) -> None:
    if path:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
