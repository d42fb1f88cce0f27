#!/usr/bin/env python3
"""Benchmark SmolML on the tutorial's three networks against a hand-written numpy reference.

Run from the repository root::

    python tests/benchmarks/bench_tutorial.py            # full run (well under 2 minutes)
    python tests/benchmarks/bench_tutorial.py --quick    # smoke test, a few seconds
    python tests/benchmarks/bench_tutorial.py --json out.json

What it reports:

1. Seconds per epoch of full-batch float64 training for the XOR, moons and iris
   networks of the tutorial: SmolML's ``NeuralNetwork.train`` and a numpy
   reference doing the *same* work (same initial weights, same forward formulas,
   same losses with the same clipping, the same optimizer update rule), timed in
   alternating repeats; the median of each and their ratio.
   Before timing, both are trained for 30 epochs from the same weights and
   their loss curves (and final parameters) must agree to rtol 1e-9, otherwise
   the script exits with status 1: a benchmark of different work is worthless.
2. Memory over a long run of the moons network: tracemalloc's peak (numpy
   reports its buffers to tracemalloc), resident memory, and the number of live
   ``MLArray`` objects after a short and a long stretch of training. Equal
   counts mean no epoch leaves its graph alive; a mismatch exits with status 2.

Nothing here changes SmolML or the environment (BLAS variables are only read).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass
from typing import Any

import numpy as np

import smolml_core
from smolml_core import MLArray, NeuralNetwork
from smolml_core.datasets import load_dataset
from smolml_std import activation, losses, optimizers
from smolml_std.layers import DenseLayer

CHECK_RTOL = 1e-9
"""Loss curves of SmolML and the reference must agree this closely."""

CHECK_EPOCHS = 30
"""How many epochs the agreement check trains both implementations."""

EPS64 = 1e-15
"""The clipping margin smolml_std's cross-entropy losses use in float64."""


# -- the workloads ------------------------------------------------------------------
# The data are SmolML's named datasets: the tutorial's XOR points, make_moons(100,
# noise=0.1, random_state=42), and iris standardised with one-hot targets.


@dataclass(frozen=True)
class Workload:
    """One of the tutorial's networks: data, layer sizes, activations, loss and optimizer."""

    name: str
    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    loss: str
    optimizer: str
    learning_rate: float

    def describe(self) -> str:
        """A one-line summary such as ``2-16-1 relu/tanh, mse_loss, AdaGrad(lr=0.1)``."""
        arch = "-".join(str(s) for s in self.sizes)
        return f"{arch} {'/'.join(self.activations)}, {self.loss}, {self.optimizer}(lr={self.learning_rate})"


WORKLOADS = (
    Workload("xor", (2, 16, 1), ("relu", "tanh"), "mse_loss", "AdaGrad", 0.1),
    Workload("moons", (2, 16, 8, 1), ("relu", "relu", "sigmoid"), "binary_cross_entropy", "Adam", 0.01),
    Workload(
        "iris",
        (4, 16, 8, 3),
        ("relu", "relu", "softmax"),
        "categorical_cross_entropy",
        "Adam",
        0.01,
    ),
)


def build_smolml(workload: Workload) -> NeuralNetwork:
    """The workload's SmolML network, freshly initialised with ``set_seed(0)``."""
    smolml_core.set_seed(0)
    layers = [
        DenseLayer(n_in, n_out, activation_function=getattr(activation, act))
        for n_in, n_out, act in zip(workload.sizes[:-1], workload.sizes[1:], workload.activations, strict=True)
    ]
    optimizer = getattr(optimizers, workload.optimizer)(learning_rate=workload.learning_rate)
    return NeuralNetwork(layers, getattr(losses, workload.loss), optimizer)


# -- the numpy reference --------------------------------------------------------------
#
# Each piece mirrors the smolml_std component of the same name: activation.py,
# losses.py (mean over samples, BCE clips p to [eps, 1 - eps], CCE clips below at
# eps, and no gradient flows through a clipped value) and optimizers.py.


def act_forward(name: str, z: np.ndarray) -> np.ndarray:
    """Apply the activation ``name`` to the pre-activation ``z``."""
    if name == "relu":
        return np.where(z > 0, z, 0.0)
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":  # the same overflow-free form as smolml's sigmoid primitive
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    if name == "softmax":
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    raise ValueError(f"unknown activation {name!r}")


def act_backward(name: str, g: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """dL/dz from dL/da ``g``, the pre-activation ``z`` and the output ``a``."""
    if name == "relu":
        return np.where(z > 0, g, 0.0)
    if name == "tanh":
        return g * (1 - a * a)
    if name == "sigmoid":
        return g * a * (1 - a)
    if name == "softmax":  # Jacobian-vector product of softmax, row by row
        return a * (g - (g * a).sum(axis=-1, keepdims=True))
    raise ValueError(f"unknown activation {name!r}")


def loss_and_grad(name: str, p: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """The loss of predictions ``p`` against targets ``y`` and its gradient dL/dp."""
    if name == "mse_loss":
        diff = p - y
        return float(np.mean(diff * diff)), (2.0 / diff.size) * diff
    if name == "binary_cross_entropy":
        inside = (p >= EPS64) & (p <= 1 - EPS64)
        q = np.clip(p, EPS64, 1 - EPS64)
        loss = -np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))
        return float(loss), np.where(inside, ((1 - y) / (1 - q) - y / q) / p.size, 0.0)
    if name == "categorical_cross_entropy":
        n = p.shape[0]
        inside = p >= EPS64
        q = np.maximum(p, EPS64)
        loss = -np.sum(y * np.log(q)) / n
        return float(loss), np.where(inside, -y / (q * n), 0.0)
    raise ValueError(f"unknown loss {name!r}")


class RefAdaGrad:
    """G <- G + g^2;  theta <- theta - lr * g / sqrt(G + eps), as smolml_std.AdaGrad."""

    def __init__(self, learning_rate: float, epsilon: float = 1e-8) -> None:
        self.lr, self.eps = learning_rate, epsilon

    def new_state(self, value: np.ndarray) -> dict[str, Any]:
        """The buffers one parameter needs, allocated once."""
        return {"squared": np.zeros_like(value)}

    def step(self, value: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        """Update ``value`` in place."""
        squared = state["squared"]
        squared += grad * grad
        value -= self.lr * grad / np.sqrt(squared + self.eps)


class RefAdam:
    """Adam with per-parameter bias correction, step for step as smolml_std.Adam."""

    def __init__(self, learning_rate: float, b1: float = 0.9, b2: float = 0.999, epsilon: float = 1e-8) -> None:
        self.lr, self.b1, self.b2, self.eps = learning_rate, b1, b2, epsilon

    def new_state(self, value: np.ndarray) -> dict[str, Any]:
        """The buffers one parameter needs, allocated once, and its step count."""
        return {"step": 0, "m": np.zeros_like(value), "v": np.zeros_like(value)}

    def step(self, value: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        """Update ``value`` in place."""
        state["step"] += 1
        t, m, v = state["step"], state["m"], state["v"]
        m *= self.b1
        m += (1 - self.b1) * grad
        v *= self.b2
        v += (1 - self.b2) * grad * grad
        m_hat = m / (1 - self.b1**t)
        v_hat = v / (1 - self.b2**t)
        value -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class NumpyMLP:
    """A dense network in plain numpy: manual forward, backward and optimizer step."""

    def __init__(self, weights: list[np.ndarray], biases: list[np.ndarray], workload: Workload) -> None:
        self.weights = [w.copy() for w in weights]
        self.biases = [b.copy() for b in biases]
        self.activations = workload.activations
        self.loss = workload.loss
        self.optimizer = {"AdaGrad": RefAdaGrad, "Adam": RefAdam}[workload.optimizer](workload.learning_rate)
        new_state = self.optimizer.new_state
        self.states = [(new_state(W), new_state(b)) for W, b in zip(self.weights, self.biases, strict=True)]

    @classmethod
    def from_smolml(cls, network: NeuralNetwork, workload: Workload) -> NumpyMLP:
        """A reference starting from copies of ``network``'s current weights and biases."""
        layers = network.layers
        return cls([layer.weights.data for layer in layers], [layer.biases.data for layer in layers], workload)

    def train_epoch(self, X: np.ndarray, y: np.ndarray) -> float:
        """One full-batch step; returns the loss before the update."""
        inputs, zs, outs = [], [], []
        a = X
        for W, b, act in zip(self.weights, self.biases, self.activations, strict=True):
            inputs.append(a)
            z = a @ W + b
            a = act_forward(act, z)
            zs.append(z)
            outs.append(a)
        loss, g = loss_and_grad(self.loss, a, y)

        grads: list[tuple[np.ndarray, np.ndarray]] = []
        for i in reversed(range(len(self.weights))):
            dz = act_backward(self.activations[i], g, zs[i], outs[i])
            grads.append((inputs[i].T @ dz, dz.sum(axis=0, keepdims=True)))
            if i > 0:
                g = dz @ self.weights[i].T
        grads.reverse()

        for W, b, (dW, db), (W_state, b_state) in zip(self.weights, self.biases, grads, self.states, strict=True):
            self.optimizer.step(W, dW, W_state)
            self.optimizer.step(b, db, b_state)
        return loss

    def train(self, X: np.ndarray, y: np.ndarray, epochs: int) -> list[float]:
        """Train for ``epochs`` epochs; returns the loss of each, like ``NeuralNetwork.train``."""
        return [self.train_epoch(X, y) for _ in range(epochs)]


# -- part 1: agreement check and timing ------------------------------------------------


def max_rel_diff(a: Any, b: Any) -> float:
    """max |a - b| / |b| over the elements (|b| floored at 1e-300)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def check_same_work(workload: Workload, X: np.ndarray, y: np.ndarray, epochs: int) -> dict[str, Any]:
    """Train SmolML and the reference from the same weights; compare losses and parameters."""
    net = build_smolml(workload)
    ref = NumpyMLP.from_smolml(net, workload)
    ours = net.train(MLArray(X, requires_grad=False), MLArray(y, requires_grad=False), epochs=epochs, verbose=False)
    theirs = ref.train(X, y, epochs)
    ours_params = np.concatenate([np.ravel(p.data) for layer in net.layers for p in (layer.weights, layer.biases)])
    ref_params = np.concatenate([np.ravel(p) for pair in zip(ref.weights, ref.biases, strict=True) for p in pair])
    loss_diff = max_rel_diff(ours, theirs)
    param_diff = float(np.max(np.abs(ours_params - ref_params)) / np.max(np.abs(ref_params)))
    return {
        "epochs": epochs,
        "loss_first": theirs[0],
        "loss_last": theirs[-1],
        "loss_max_rel_diff": loss_diff,
        "param_max_diff_rel_to_max": param_diff,
        "ok": loss_diff <= CHECK_RTOL and param_diff <= CHECK_RTOL,
    }


def time_ours(workload: Workload, X: MLArray, y: MLArray, epochs: int) -> float:
    """Seconds per epoch of ``NeuralNetwork.train`` on a fresh network (building not timed)."""
    net = build_smolml(workload)
    gc.collect()
    start = time.perf_counter()
    net.train(X, y, epochs=epochs, verbose=False)
    return (time.perf_counter() - start) / epochs


def time_reference(workload: Workload, X: np.ndarray, y: np.ndarray, epochs: int) -> float:
    """Seconds per epoch of the numpy reference, from the same initial weights (copying not timed)."""
    ref = NumpyMLP.from_smolml(build_smolml(workload), workload)
    gc.collect()
    start = time.perf_counter()
    ref.train(X, y, epochs)
    return (time.perf_counter() - start) / epochs


def benchmark(workload: Workload, X: np.ndarray, y: np.ndarray, epochs: int, repeats: int) -> dict[str, Any]:
    """Alternate SmolML and reference runs ``repeats`` times; medians in seconds per epoch."""
    X_ml, y_ml = MLArray(X, requires_grad=False), MLArray(y, requires_grad=False)
    time_ours(workload, X_ml, y_ml, min(epochs, 20))  # warm-up: caches, BLAS, first-call costs
    time_reference(workload, X, y, min(epochs, 20))
    ours, ref = [], []
    for _ in range(repeats):
        ours.append(time_ours(workload, X_ml, y_ml, epochs))
        ref.append(time_reference(workload, X, y, epochs))
    ours_med, ref_med = statistics.median(ours), statistics.median(ref)
    return {
        "epochs": epochs,
        "repeats": repeats,
        "ours_s_per_epoch_median": ours_med,
        "ref_s_per_epoch_median": ref_med,
        "ratio": ours_med / ref_med,
        "ours_s_per_epoch_all": ours,
        "ref_s_per_epoch_all": ref,
    }


# -- part 2: memory -------------------------------------------------------------------


def rss_now_kib() -> int | None:
    """Current resident set size (VmRSS) in KiB, or None where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def rss_peak_kib() -> int:
    """Peak resident set size of this process (ru_maxrss) in KiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # macOS reports bytes


def count_mlarrays() -> int:
    """How many ``MLArray`` objects the garbage collector can see alive right now."""
    return sum(1 for o in gc.get_objects() if isinstance(o, MLArray))


def memory_reading(epoch: int) -> dict[str, Any]:
    """Traced and resident memory plus live MLArrays, read after ``epoch`` epochs.

    Traced memory is read first, and the traced peak reset last, so the list that
    gc.get_objects() builds never counts towards the training's peak. The raw
    traced figure includes CPython's tuple free lists (bounded caches of freed
    tuples, which tracemalloc still sees as allocated); a full ``gc.collect()``
    empties them, so the figure after it is what training really keeps alive.
    """
    traced_raw, traced_peak = tracemalloc.get_traced_memory()
    mlarrays_before_gc = count_mlarrays()
    gc.collect()
    reading = {
        "epoch": epoch,
        "traced_current_bytes_raw": traced_raw,
        "traced_current_bytes_after_gc": tracemalloc.get_traced_memory()[0],
        "traced_peak_bytes": traced_peak,
        "rss_kib": rss_now_kib(),
        "maxrss_kib": rss_peak_kib(),
        "mlarrays_before_gc": mlarrays_before_gc,
        "mlarrays_after_gc": count_mlarrays(),
    }
    tracemalloc.reset_peak()
    return reading


def measure_memory(first: int, total: int) -> dict[str, Any]:
    """Train the moons network ``first`` epochs, read memory, then up to ``total`` and read again."""
    workload = next(w for w in WORKLOADS if w.name == "moons")
    X, y = load_dataset(workload.name)
    X_ml, y_ml = MLArray(X, requires_grad=False), MLArray(y, requires_grad=False)
    net = build_smolml(workload)
    gc.collect()
    tracemalloc.start()
    try:
        net.train(X_ml, y_ml, epochs=first, verbose=False)
        early = memory_reading(first)
        net.train(X_ml, y_ml, epochs=total - first, verbose=False)
        late = memory_reading(total)
    finally:
        tracemalloc.stop()
    return {
        "workload": workload.name,
        "traced_peak_bytes": max(early["traced_peak_bytes"], late["traced_peak_bytes"]),
        "readings": [early, late],
        "flat": early["mlarrays_after_gc"] == late["mlarrays_after_gc"],
    }


# -- reporting ------------------------------------------------------------------------


def machine_info() -> dict[str, Any]:
    """Python, numpy, CPU count and the BLAS tuning variables (read, never changed)."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "numpy": np.__version__,
        "smolml": smolml_core.__version__,
        "cpus": os.cpu_count(),
        "cpus_usable": affinity,
        "platform": platform.platform(),
        "blas_env": {k: v for k, v in sorted(os.environ.items()) if k.startswith(("OPENBLAS_", "OMP_", "MKL_"))},
    }


def print_checks(checks: dict[str, dict[str, Any]]) -> None:
    """One line per workload: how closely the loss curves and parameters agree."""
    print(f"Same-work check ({CHECK_EPOCHS} epochs from identical weights, tolerance rtol {CHECK_RTOL:g}):")
    for name, c in checks.items():
        verdict = "ok" if c["ok"] else "DISAGREE"
        print(
            f"  {name:<6} loss {c['loss_first']:.6f} -> {c['loss_last']:.6f}   "
            f"max rel diff: loss {c['loss_max_rel_diff']:.2e}, params {c['param_max_diff_rel_to_max']:.2e}   {verdict}"
        )


def print_timings(results: dict[str, dict[str, Any]]) -> None:
    """The timing table: medians in microseconds per epoch and their ratio."""
    header = f"{'workload':<8} {'epochs x reps':>13} {'ours us/epoch':>14} {'numpy ref us/epoch':>19} {'ours/ref':>9}"
    print(header)
    print("-" * len(header))
    for name, r in results.items():
        print(
            f"{name:<8} {str(r['epochs']) + ' x ' + str(r['repeats']):>13} "
            f"{r['ours_s_per_epoch_median'] * 1e6:>14.1f} {r['ref_s_per_epoch_median'] * 1e6:>19.1f} "
            f"{r['ratio']:>8.1f}x"
        )
    print("(medians over alternating repeats; 'us' = microseconds)")


def print_memory(mem: dict[str, Any]) -> None:
    """Traced peak, then per reading: traced and resident memory and live MLArray counts."""
    early, late = mem["readings"]
    chunks = f"{early['epoch']} + {late['epoch'] - early['epoch']}"
    print(f"Memory, {mem['workload']} network, {late['epoch']} epochs trained in two calls ({chunks}):")
    print(f"  tracemalloc peak during training: {mem['traced_peak_bytes'] / 1024:.1f} KiB")
    header = (
        f"  {'after epoch':>11} {'traced (after gc)':>18} {'traced (raw)':>13} {'VmRSS':>10} {'ru_maxrss':>10}"
        f" {'live MLArrays (raw / after gc)':>31}"
    )
    print(header)
    for r in (early, late):
        rss = "n/a" if r["rss_kib"] is None else f"{r['rss_kib'] / 1024:.1f} MiB"
        counts = f"{r['mlarrays_before_gc']} / {r['mlarrays_after_gc']}"
        print(
            f"  {r['epoch']:>11} {r['traced_current_bytes_after_gc'] / 1024:>14.1f} KiB "
            f"{r['traced_current_bytes_raw'] / 1024:>9.1f} KiB {rss:>10} "
            f"{r['maxrss_kib'] / 1024:>6.1f} MiB {counts:>31}"
        )
    if early["rss_kib"] is not None and late["rss_kib"] is not None:
        change = (late["rss_kib"] - early["rss_kib"]) / 1024
        print(f"  VmRSS change from epoch {early['epoch']} to {late['epoch']}: {change:+.1f} MiB")
    verdict = "yes" if mem["flat"] else "NO - something keeps arrays (a graph?) alive between epochs"
    print(f"  live MLArray count unchanged: {verdict}")
    print("  (raw traced memory includes CPython's free lists of tuples, which a full gc.collect() empties)")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options: --quick and --json PATH."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few epochs and repeats (a smoke test of a few seconds)")
    parser.add_argument("--json", metavar="PATH", help="also write the figures to this JSON file")
    return parser.parse_args(argv)


def _write_json(path: str | None, report: dict[str, Any]) -> None:
    """Write ``report`` to ``path`` as indented JSON (nothing when no path was given)."""
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2)
            fh.write("\n")
        print(f"\nWrote {path}")


def main(argv: list[str] | None = None) -> int:
    """Run the check, the timings and the memory measurement; return the exit status."""
    args = parse_args(argv)
    epochs, repeats = (50, 3) if args.quick else (500, 15)
    mem_first, mem_total = (50, 200) if args.quick else (100, 2000)

    info = machine_info()
    print(
        f"Python {info['python']} ({info['implementation']}), numpy {info['numpy']}, SmolML {info['smolml']}, "
        f"{info['cpus']} CPUs ({info['cpus_usable']} usable), {info['platform']}"
    )
    if info["blas_env"]:
        print("BLAS env: " + ", ".join(f"{k}={v}" for k, v in info["blas_env"].items()))
    print("Workloads (full batch, float64):")
    for w in WORKLOADS:
        print(f"  {w.name:<6} {w.describe()}")
    print()

    # Memory first, so the earlier runs' peaks cannot hide growth in ru_maxrss.
    memory = measure_memory(mem_first, mem_total)

    data = {w.name: load_dataset(w.name) for w in WORKLOADS}
    checks = {w.name: check_same_work(w, *data[w.name], CHECK_EPOCHS) for w in WORKLOADS}
    print_checks(checks)
    print()
    report: dict[str, Any] = {"machine": info, "quick": args.quick, "checks": checks, "memory": memory}
    if not all(c["ok"] for c in checks.values()):
        print("The reference and SmolML disagree, so timing them would compare different work; no timings.\n")
        print_memory(memory)
        _write_json(args.json, report)
        return 1

    timings = {w.name: benchmark(w, *data[w.name], epochs, repeats) for w in WORKLOADS}
    report["timings"] = timings
    print_timings(timings)
    print()
    print_memory(memory)
    _write_json(args.json, report)
    return 0 if memory["flat"] else 2


if __name__ == "__main__":
    sys.exit(main())
