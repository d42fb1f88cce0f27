"""The benchmark script still runs and still checks that it measures the same work."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .docs_examples import ROOT


@pytest.mark.slow
def test_benchmark_quick_mode(tmp_path) -> None:
    out = tmp_path / "bench.json"
    script = ROOT / "tests" / "benchmarks" / "bench_tutorial.py"
    result = subprocess.run(
        [sys.executable, str(script), "--quick", "--json", str(out)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(out.read_text())
    assert {"xor", "moons", "iris"} <= set(figures["timings"])


@pytest.mark.slow
def test_engine_benchmark_quick_mode(tmp_path) -> None:
    out = tmp_path / "engines.json"
    script = ROOT / "tests" / "benchmarks" / "bench_engines.py"
    result = subprocess.run(
        [sys.executable, str(script), "--quick", "--json", str(out)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(out.read_text())
    assert figures["agreement"]["ok"]
    assert figures["moons_seconds_per_epoch"]["ratio"] > 1
    assert figures["throughput"]["moons epoch (scalar engine)"]["nodes"] > 1000
