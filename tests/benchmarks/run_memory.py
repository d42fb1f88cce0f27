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

Then, step by step under tracemalloc, the digits network in mini-batches of 32
(56 steps an epoch), ours beside the expert numpy reference, after a warm-up:
whether memory still grows from one epoch to the next (it must not: kept bytes
after ``gc.collect()``), and how many bytes a step allocates and frees again
(tracemalloc's peak within an epoch over its start). A training loop that
allocates no new arrays, as the expert reference, still shows a little: small
Python objects, and the scratch buffer (at most 64 KiB) numpy's ufuncs take to
broadcast the bias over the rows in ``z += b``. So the line is the expert's
figure plus ``ALLOCATION_SLACK_BYTES``; it is reported as PASS or MISS and does
not change the exit status.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tracemalloc
from typing import Any

import numpy as np
from common import rss_now_kib, rss_peak_kib, write_json
from ref_numpy_expert import ExpertMLP
from workloads import BY_NAME, Ours, initial_parameters, load_data

from smolml_core import Callback, MLArray

RSS_TOLERANCE_MIB = 2.0
"""How much resident memory may grow between the readings ("flat, within a few MB")."""

ALLOCATION_SLACK_BYTES = 4096
"""Bytes a step may allocate beyond the expert numpy reference's and still count as allocating no arrays.

The smallest array of the digits network, a bias gradient, takes 80 bytes; all of its activations of one
batch of 32 take 52 KiB. 4 KiB is room for the small Python objects a step makes (batch views, floats)."""

GROWTH_TOLERANCE_BYTES = 1024
"""How much more than the expert numpy reference's may stay allocated (after ``gc.collect()``) after the last
traced epoch than after the first. The expert's own figure, a few hundred bytes, is the measurement's noise."""


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


def step_allocations(impl: Any, X: Any, y: Any, epochs: int) -> dict[str, Any]:
    """Per epoch of ``impl`` under tracemalloc: bytes kept (after ``gc.collect()``) and allocated then freed.

    Ours is measured inside one ``train()`` call, as a user trains: each call
    captures its steps afresh, so calling it once per epoch would measure the
    capture, not the epochs that follow it.
    """
    if isinstance(impl, Ours):
        return _allocations_in_one_run(impl, X, y, epochs)
    impl.train(X, y, 2)  # warm-up: first-shape buffers, caches
    kept, transient = [0] * epochs, [0] * epochs  # allocated before tracing starts
    gc.collect()
    tracemalloc.start()
    try:
        for epoch in range(epochs):
            tracemalloc.reset_peak()
            before = tracemalloc.get_traced_memory()[0]
            impl.train(X, y, 1)
            transient[epoch] = tracemalloc.get_traced_memory()[1] - before
            gc.collect()
            kept[epoch] = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return _allocation_figures(kept, transient)


def _allocations_in_one_run(ours: Ours, X: Any, y: Any, epochs: int) -> dict[str, Any]:
    """``step_allocations`` for our network: two warm-up epochs, then ``epochs`` measured from a callback."""
    warm_up = 2
    kept, transient = [0] * epochs, [0] * epochs
    marks: dict[str, int] = {}

    class Measure(Callback):
        def on_epoch_end(self, network: Any, epoch: int, logs: dict[str, Any]) -> None:
            if epoch > warm_up:
                transient[epoch - warm_up - 1] = tracemalloc.get_traced_memory()[1] - marks["before"]
                gc.collect()
                kept[epoch - warm_up - 1] = tracemalloc.get_traced_memory()[0]
            elif epoch == warm_up:
                gc.collect()
                tracemalloc.start()
            tracemalloc.reset_peak()
            marks["before"] = tracemalloc.get_traced_memory()[0]

    try:
        ours.network.train(
            X, y, warm_up + epochs, verbose=False, batch_size=ours.batch_size, shuffle=False, callbacks=[Measure()]
        )
    finally:
        tracemalloc.stop()
    return _allocation_figures(kept, transient)


def _allocation_figures(kept: list[int], transient: list[int]) -> dict[str, Any]:
    """Each epoch's bytes kept after it and allocated then freed within it, and what they add up to."""
    return {
        "epochs": len(kept),
        "kept_bytes_after_epoch": kept,
        "growth_bytes": kept[-1] - kept[0],
        "transient_bytes_per_epoch": transient,
        "transient_max": max(transient),
    }


def steps_report(quick: bool) -> dict[str, Any]:
    """``step_allocations`` of ours and of the expert numpy reference on digits in mini-batches of 32."""
    workload = BY_NAME["digits-mb32"]
    ours = Ours(workload)
    expert = ExpertMLP(workload, initial_parameters(ours.network))
    data = load_data(workload)
    epochs = 3 if quick else 10
    figures = {
        "workload": workload.name,
        "describe": workload.describe(),
        "steps_per_epoch": len(data[0]) // (workload.batch_size or len(data[0])),
        "ours": step_allocations(ours, *ours.prepare(*data), epochs),
        "expert": step_allocations(expert, *expert.prepare(*data), epochs),
        "slack_bytes": ALLOCATION_SLACK_BYTES,
        "growth_tolerance_bytes": GROWTH_TOLERANCE_BYTES,
    }
    figures["no_growth"] = figures["ours"]["growth_bytes"] <= figures["expert"]["growth_bytes"] + GROWTH_TOLERANCE_BYTES
    figures["no_new_arrays"] = (
        figures["ours"]["transient_max"] <= figures["expert"]["transient_max"] + ALLOCATION_SLACK_BYTES
    )
    return figures


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
        "steps": steps_report(args.quick),
    }
    for r in report["readings"]:
        r["optimizer_buffers"].pop("ids")  # compared above; meaningless outside this process
    write_json(args.json, report)
    return 0 if report["ok"] else 2


if __name__ == "__main__":
    sys.exit(main())
