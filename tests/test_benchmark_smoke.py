"""The benchmark still runs every job and still checks that it measures the same work."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .docs_examples import ROOT

WORKLOADS = {
    "xor",
    "moons",
    "iris",
    "digits",
    "digits-mb32",
    *(f"wide-{width}{suffix}" for width in (512, 2048) for suffix in ("", "-f32")),
}


@pytest.mark.slow
def test_benchmark_quick_mode(tmp_path) -> None:
    out = tmp_path / "bench.json"
    script = ROOT / "tests" / "benchmarks" / "bench.py"
    result = subprocess.run(
        [sys.executable, str(script), "--quick", "--json", str(out)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(out.read_text())
    assert not figures["failures"]

    assert set(figures["workloads"]) == WORKLOADS
    for name, workload in figures["workloads"].items():
        check = workload["check"]
        assert check["ok"], name
        assert {"expert", "numpy"} <= set(check["against"]), name
        assert all(r["ok"] for r in check["against"].values()), name
        medians = workload["timing"]["s_per_epoch_median"]
        assert medians["ours"] > 0 and medians["expert"] > 0 and medians["numpy"] > 0, name
        assert workload["maxrss_kib"] > 0, name
    assert set(figures["float32_speedup"]) == {"512", "2048"}

    memory = figures["memory"]
    assert memory["no_graph_kept"] and memory["optimizer_state_allocated_once"]
    assert figures["startup"]["cached"]["smolml"]["seconds_median"] > 0
    engines = figures["engines"]
    assert engines["agreement"]["ok"]
    assert engines["moons_seconds_per_epoch"]["ratio"] > 1
    assert engines["throughput"]["moons epoch (scalar engine)"]["nodes"] > 1000
