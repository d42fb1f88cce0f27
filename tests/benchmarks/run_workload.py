#!/usr/bin/env python3
"""Benchmark one workload in this process: ours, the two numpy references and (if installed) PyTorch.

    python tests/benchmarks/run_workload.py --workload moons --json moons.json [--quick] [--torch auto|require|off]

``bench.py`` runs this once per workload, each in a fresh process, and reads the JSON.

1. Same-work check: every implementation starts from our network's initial
   weights and trains ``check_epochs`` epochs; the loss curves and the final
   parameters must agree with ours (1e-9 relative in float64; see
   ``CHECK_TOLERANCE`` for float32). If one does not, nothing is timed and the
   exit status is 1.
2. Timing: after a warm-up, the implementations are timed in alternating order
   (ours, expert, numpy, torch; then torch, numpy, expert, ours; ...), each
   repeat a fresh network from the same weights training the same number of
   epochs. Medians (and bests) of seconds per epoch, their spread, and the
   ratios of ours to each of the others: ``expert`` is the numpy reference
   with every temporary preallocated (``ref_numpy_expert.py``), ``numpy`` the
   one that lets numpy allocate them (``ref_numpy.py``).
3. Memory: tracemalloc's peak over one epoch for ours and both numpy
   references (numpy reports its buffers to tracemalloc; torch does not), and
   this process's peak resident memory (ru_maxrss), which covers every
   implementation.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
from common import load_average, max_rel_diff, rss_now_kib, rss_peak_kib, write_json
from ref_numpy import NumpyMLP
from ref_numpy_expert import ExpertMLP
from workloads import BY_NAME, Ours, Workload, initial_parameters, load_data

CHECK_TOLERANCE = {
    "float64": {"loss": 1e-9, "params": 1e-9, "param_measure": "max |difference| / max |parameter|"},
    "float32": {"loss": 1e-3, "params": 1e-2, "param_measure": "||difference|| / ||parameters|| (L2)"},
}
"""How closely loss curves (element by element, relative) and final parameters must agree with ours.

float64: rounding differences only (the implementations order some sums and
formulas differently), far below 1e-9 after 30 epochs, so the largest
difference of any single parameter is compared. float32 carries about 7
significant digits, and Adam divides each gradient by its own running size, so
the rounding of near-zero gradients turns into visible differences in those
parameters (up to a few percent of the largest weight in the 2048-wide network
after 10 epochs, while the loss curves still agree to about 3e-5). So in float32
the loss curves are compared at 1e-3 and the parameters as a whole (relative L2
norm) at 1e-2: a wrong formula, a missing bias correction or a different
learning rate still moves the loss by 1e-2 or more within a few epochs. Every
implementation must also keep its parameters in the workload's dtype.
"""

EXPERT_TOLERANCE_FLOAT64 = 1e-12
"""The expert numpy reference against ours in float64: it computes every formula as ``ref_numpy`` does,
operation for operation, so it must agree more closely than the rounding differences the others are allowed."""

FULL = {"run_seconds": 0.25, "repeats": 7}
QUICK = {"run_seconds": 0.01, "repeats": 2}
QUICK_CHECK_EPOCHS = 3


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", required=True, choices=sorted(BY_NAME))
    parser.add_argument("--json", metavar="FILE", help="write the figures here")
    parser.add_argument("--quick", action="store_true", help="few epochs and repeats: a smoke test")
    parser.add_argument(
        "--torch",
        choices=("auto", "require", "off"),
        default="auto",
        help="include PyTorch if importable (auto), insist on it (require), or leave it out (off)",
    )
    return parser.parse_args(argv)


def implementations(workload: Workload, torch_mode: str) -> tuple[dict[str, Callable[[], Any]], dict[str, Any]]:
    """Factories of fresh networks, all from ours's initial weights, and facts about torch."""
    params = initial_parameters(Ours(workload).network)
    factories: dict[str, Callable[[], Any]] = {
        "ours": lambda: Ours(workload),
        "expert": lambda: ExpertMLP(workload, params),
        "numpy": lambda: NumpyMLP(workload, params),
    }
    torch_info: dict[str, Any] = {"available": False}
    if torch_mode != "off":
        try:
            import ref_torch
            import torch
        except ImportError as exc:
            if torch_mode == "require":
                raise SystemExit(f"--torch require: cannot import torch ({exc})") from exc
            torch_info["reason"] = "torch not installed"
        else:
            factories["torch"] = lambda: ref_torch.TorchMLP(workload, params)
            torch_info = {"available": True, "version": torch.__version__, "threads": ref_torch.threads()}
    else:
        torch_info["reason"] = "left out (--torch off)"
    return factories, torch_info


def check_same_work(
    workload: Workload, factories: dict[str, Callable[[], Any]], data: dict[str, tuple[Any, Any]], epochs: int
) -> dict[str, Any]:
    """Train every implementation ``epochs`` epochs from the same weights; compare each with ours."""
    tolerance = CHECK_TOLERANCE[workload.dtype]
    ours = factories["ours"]()
    ours_losses = ours.train(*data["ours"], epochs)
    ours_params = ours.parameters()
    result: dict[str, Any] = {
        "epochs": epochs,
        "tolerance": tolerance,
        "loss_first": ours_losses[0],
        "loss_last": ours_losses[-1],
        "ours_dtype": str(ours_params.dtype),
        "against": {},
    }
    params = {}
    for name, factory in factories.items():
        if name == "ours":
            continue
        ref = factory()
        losses = ref.train(*data[name], epochs)
        params[name] = ref.parameters()
        result["against"][name] = {
            "dtype": str(params[name].dtype),
            "loss_max_rel_diff": max_rel_diff(ours_losses, losses),
            "param_diff": param_difference(ours_params, params[name], workload.dtype),
        }
    for name, r in result["against"].items():
        limit = dict(tolerance)
        if name == "expert" and workload.dtype == "float64":
            limit = {"loss": EXPERT_TOLERANCE_FLOAT64, "params": EXPERT_TOLERANCE_FLOAT64}
        r["ok"] = (
            r["loss_max_rel_diff"] <= limit["loss"]
            and r["param_diff"] <= limit["params"]
            and r["dtype"] == workload.dtype
        )
    if "expert" in params:  # informational: the two numpy references differ only in where temporaries live
        result["expert_bitwise_equal_to_numpy"] = bool(np.array_equal(params["expert"], params["numpy"]))
    result["ok"] = result["ours_dtype"] == workload.dtype and all(r["ok"] for r in result["against"].values())
    return result


def param_difference(ours: np.ndarray, ref: np.ndarray, dtype: str) -> float:
    """How far apart two parameter vectors are, measured as ``CHECK_TOLERANCE[dtype]`` says."""
    a, b = ours.astype(np.float64), ref.astype(np.float64)
    if dtype == "float64":
        return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def time_run(factory: Callable[[], Any], data: tuple[Any, Any], epochs: int) -> float:
    """Seconds per epoch of ``epochs`` epochs on a fresh network (building it is not timed)."""
    impl = factory()
    gc.collect()
    start = time.perf_counter()
    impl.train(*data, epochs)
    return (time.perf_counter() - start) / epochs


def warm_up(factory: Callable[[], Any], data: tuple[Any, Any], seconds: float) -> float:
    """Run one epoch, then about ``seconds`` worth more; the second run's seconds per epoch."""
    first = time_run(factory, data, 1)
    return time_run(factory, data, max(1, round(seconds / first))) if first < seconds else first


def spread(values: list[float]) -> float:
    """Interquartile range over median: how much the repeats disagree (0.05 = 5 %)."""
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return (q3 - q1) / median


def benchmark(
    factories: dict[str, Callable[[], Any]], data: dict[str, tuple[Any, Any]], run_seconds: float, repeats: int
) -> dict[str, Any]:
    """Warm up, pick an epoch count, then time every implementation in alternating order; ratios of ours to each.

    Every timed run trains the same number of epochs: enough for the slowest
    implementation's run to take about ``run_seconds`` (at least one epoch).
    """
    warm = {name: warm_up(factory, data[name], run_seconds / 5) for name, factory in factories.items()}
    epochs = max(1, round(run_seconds / max(warm.values())))
    times: dict[str, list[float]] = {name: [] for name in factories}
    order = list(factories)
    for repeat in range(repeats):
        for name in order if repeat % 2 == 0 else reversed(order):
            times[name].append(time_run(factories[name], data[name], epochs))
    medians = {name: statistics.median(t) for name, t in times.items()}
    best = {name: min(t) for name, t in times.items()}
    return {
        "epochs": epochs,
        "repeats": repeats,
        "order": "alternating: " + ", ".join(order) + " then reversed",
        "s_per_epoch_median": medians,
        "s_per_epoch_best": best,
        "s_per_epoch_all": times,
        "spread": {name: spread(t) for name, t in times.items()},
        "ratios": ratios(medians),
        "best_ratios": ratios(best),
    }


def ratios(seconds: dict[str, float]) -> dict[str, float]:
    """``ours/expert``, ``ours/numpy``, ``ours/torch`` and ``torch/expert``: above 1 means the first is slower."""
    pairs = [("ours", other) for other in seconds if other != "ours"]
    if "torch" in seconds:
        pairs.append(("torch", "expert"))
    return {f"{a}/{b}": seconds[a] / seconds[b] for a, b in pairs}


def traced_peaks(
    factories: dict[str, Callable[[], Any]], data: dict[str, tuple[Any, Any]], epochs: int
) -> dict[str, int]:
    """tracemalloc's peak while training ``epochs`` epochs, for ours and the numpy references (not torch's).

    Measured apart from the timings, because tracing every allocation slows them.
    """
    peaks = {}
    for name in ("ours", "expert", "numpy"):
        impl = factories[name]()
        gc.collect()
        tracemalloc.start()
        try:
            impl.train(*data[name], epochs)
            peaks[name] = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    return peaks


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = QUICK if args.quick else FULL
    workload = BY_NAME[args.workload]
    X, y = load_data(workload, quick=args.quick)
    factories, torch_info = implementations(workload, args.torch)  # imports torch, if it is wanted
    rss_after_imports = rss_now_kib()
    data = {name: factory().prepare(X, y) for name, factory in factories.items()}
    report: dict[str, Any] = {
        "workload": workload.name,
        "group": workload.group,
        "describe": workload.describe(),
        "samples": len(X),
        "dtype": workload.dtype,
        "target": workload.target,
        "torch_target": workload.torch_target,
        "batch_size": workload.batch_size,
        "torch": torch_info,
        "rss_after_imports_kib": rss_after_imports,
        "load_average_before": load_average(),
    }
    start = time.perf_counter()
    check_epochs = QUICK_CHECK_EPOCHS if args.quick else workload.check_epochs
    report["check"] = check_same_work(workload, factories, data, check_epochs)
    if report["check"]["ok"]:
        report["timing"] = benchmark(factories, data, settings["run_seconds"], settings["repeats"])
        report["traced_peak_bytes"] = traced_peaks(factories, data, epochs=1)
    report["maxrss_kib"] = rss_peak_kib()
    report["seconds"] = time.perf_counter() - start
    report["load_average_after"] = load_average()
    write_json(args.json, report)
    return 0 if report["check"]["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
