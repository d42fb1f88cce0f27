#!/usr/bin/env python3
"""Memory over a long run of the moons network, in a process of its own.

    python tests/benchmarks/run_memory.py --json memory.json [--quick]

Trains the tutorial's moons network for 100 epochs, reads memory, trains on to
5,000 epochs (``--quick``: 50 then 500) and reads again; then trains a further
stretch under tracemalloc, for its peak and for the bytes training keeps
(reported, not judged). Memory is flat when:

- peak and current resident memory (ru_maxrss, VmRSS) grew by at most
  ``RSS_TOLERANCE_MIB`` between the two readings;
- the same number of ``MLArray`` objects is alive at both readings, and as many
  before a full ``gc.collect()`` as after it: no epoch leaves its graph alive,
  not even as garbage waiting for the cycle collector;
- the optimizer holds the very same buffers (same objects, same bytes) at both
  readings: its state was allocated once.

Exit status 2 when any of these fails.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tracemalloc
from typing import Any

import numpy as np
from common import rss_now_kib, rss_peak_kib, write_json
from workloads import BY_NAME, Ours, load_data

from smolml_core import MLArray

RSS_TOLERANCE_MIB = 2.0
"""How much resident memory may grow between the readings ("flat, within a few MB")."""


def count_mlarrays() -> int:
    """How many ``MLArray`` objects the garbage collector can see alive right now."""
    return sum(1 for o in gc.get_objects() if isinstance(o, MLArray))


def optimizer_buffers(optimizer: Any) -> dict[str, Any]:
    """Identity and size of every numpy buffer in the optimizer's per-parameter state."""
    buffers = [v for s in optimizer.state.values() for v in s.values() if isinstance(v, np.ndarray)]
    return {"count": len(buffers), "ids": sorted(id(b) for b in buffers), "bytes": sum(b.nbytes for b in buffers)}


def reading(epoch: int, optimizer: Any) -> dict[str, Any]:
    """Resident memory, live MLArrays (before and after a full collection) and optimizer buffers."""
    before_gc = count_mlarrays()
    gc.collect()
    return {
        "epoch": epoch,
        "rss_kib": rss_now_kib(),
        "maxrss_kib": rss_peak_kib(),
        "mlarrays_before_gc": before_gc,
        "mlarrays_after_gc": count_mlarrays(),
        "optimizer_buffers": optimizer_buffers(optimizer),
    }


def traced(ours: Ours, X: MLArray, y: MLArray, first: int, total: int) -> dict[str, Any]:
    """tracemalloc's view of a further ``total`` epochs: peak, and what stays allocated after ``first`` and ``total``.

    A separate stretch, because tracemalloc's own bookkeeping takes resident
    memory and time. Traced memory is read before ``gc.collect()`` empties
    CPython's free lists, and again after it: the latter is what training keeps.
    """
    gc.collect()
    tracemalloc.start()
    try:
        kept = []
        for epochs in (first, total - first):
            ours.train(X, y, epochs)
            raw = tracemalloc.get_traced_memory()[0]
            gc.collect()
            kept.append({"raw": raw, "after_gc": tracemalloc.get_traced_memory()[0]})
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return {
        "epochs": [first, total],
        "peak_bytes": peak,
        "current_bytes": kept,
        "growth_bytes_after_gc": kept[1]["after_gc"] - kept[0]["after_gc"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="FILE", help="write the figures here")
    parser.add_argument("--quick", action="store_true", help="50 then 500 epochs instead of 100 then 5,000")
    args = parser.parse_args(argv)
    first, total = (50, 500) if args.quick else (100, 5000)

    workload = BY_NAME["moons"]
    ours = Ours(workload)
    X, y = ours.prepare(*load_data(workload))
    gc.collect()
    ours.train(X, y, first)
    early = reading(first, ours.network.optimizer)
    ours.train(X, y, total - first)
    late = reading(total, ours.network.optimizer)

    def grew_mib(key: str) -> float | None:
        if early[key] is None or late[key] is None:
            return None
        return (late[key] - early[key]) / 1024

    rss_growth, maxrss_growth = grew_mib("rss_kib"), grew_mib("maxrss_kib")
    verdicts = {
        "rss_flat": all(g is None or g <= RSS_TOLERANCE_MIB for g in (rss_growth, maxrss_growth)),
        "no_graph_kept": early["mlarrays_after_gc"] == late["mlarrays_after_gc"]
        and all(r["mlarrays_before_gc"] == r["mlarrays_after_gc"] for r in (early, late)),
        "optimizer_state_allocated_once": early["optimizer_buffers"] == late["optimizer_buffers"]
        and early["optimizer_buffers"]["count"] > 0,
    }
    report = {
        "workload": workload.name,
        "describe": workload.describe(),
        "epochs": [first, total],
        "rss_tolerance_mib": RSS_TOLERANCE_MIB,
        "rss_growth_mib": rss_growth,
        "maxrss_growth_mib": maxrss_growth,
        "readings": [early, late],
        "traced": traced(ours, X, y, first // 2, total // 10),
        **verdicts,
        "ok": all(verdicts.values()),
    }
    for r in report["readings"]:
        r["optimizer_buffers"].pop("ids")  # compared above; meaningless outside this process
    write_json(args.json, report)
    return 0 if report["ok"] else 2


if __name__ == "__main__":
    sys.exit(main())
