"""Small helpers the benchmark scripts share: memory readings, machine facts, JSON output."""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
from typing import Any

import numpy as np


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
    """Peak resident set size of this process so far (ru_maxrss) in KiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak  # macOS reports bytes


def max_rel_diff(a: Any, b: Any) -> float:
    """max |a - b| / |b| over the elements (|b| floored at 1e-300), in float64."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


def machine_info() -> dict[str, Any]:
    """Python, numpy and its BLAS, CPU count and the BLAS tuning variables (read, never changed)."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    blas = None
    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]["name"]
    except Exception:  # older numpy: no dict mode; the name is a nicety
        pass
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "numpy": np.__version__,
        "numpy_blas": blas,
        "cpus": os.cpu_count(),
        "cpus_usable": affinity,
        "platform": platform.platform(),
        "load_average": load_average(),
        "blas_env": {k: v for k, v in sorted(os.environ.items()) if k.startswith(("OPENBLAS_", "OMP_", "MKL_"))},
    }


def load_average() -> list[float] | None:
    """The 1, 5 and 15 minute load averages (other processes compete for the CPUs), where known."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def write_json(path: str | None, report: dict[str, Any]) -> None:
    """Write ``report`` to ``path`` as indented JSON (nothing when no path was given)."""
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=2)
            fh.write("\n")
