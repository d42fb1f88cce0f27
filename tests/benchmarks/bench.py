#!/usr/bin/env python3
"""SmolML's benchmark: speed against hand-written numpy (two ways) and PyTorch, memory, start-up, the scalar engine.

Run from the repository root::

    python tests/benchmarks/bench.py                  # everything, a few minutes
    python tests/benchmarks/bench.py --quick          # a smoke test: every job, tiny budgets
    python tests/benchmarks/bench.py --only wide      # a group, a workload or a job (repeatable)
    python tests/benchmarks/bench.py --json out.json  # also write every figure as JSON
    python tests/benchmarks/bench.py --torch          # PyTorch too; fail if it cannot be imported

Every job runs in a process of its own, one after the other:

- one per workload (``run_workload.py``): ours, the expert numpy reference
  (every temporary preallocated), the allocating numpy reference and torch,
  checked to do the same work, then timed in alternating order;
- ``memory`` (``run_memory.py``): 5,000 epochs of the moons network;
- ``startup`` (``run_startup.py``): ``import smolml_core`` + first lookup;
- ``engines`` (``bench_engines.py``): the scalar engine's nodes per second,
  against micrograd when it is installed.

Exit status: 1 if a same-work check failed or a job crashed (a benchmark of
different work is worthless), 2 if memory did not stay flat, otherwise 0.
Ratios above their target are reported as MISS but do not change the status.
What every figure means: docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import report
from common import machine_info, write_json
from workloads import GROUPS, WORKLOADS

HERE = Path(__file__).resolve().parent
JOBS = ("memory", "startup", "engines")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny budgets: checks that every job runs (seconds)")
    parser.add_argument("--json", metavar="FILE", help="also write every figure to FILE")
    parser.add_argument(
        "--only",
        metavar="NAME",
        action="append",
        help="run only these (a workload, a group such as 'tutorial' or 'wide', or memory, startup, engines); "
        "repeat the option or separate names with commas",
    )
    parser.add_argument(
        "--torch",
        nargs="?",
        const="require",
        choices=("auto", "require", "off"),
        help="PyTorch as a third implementation: if importable (auto, the default), required (require, or "
        "--torch alone), or left out (off, the default with --quick)",
    )
    args = parser.parse_args(argv)
    if args.torch is None:
        args.torch = "off" if args.quick else "auto"
    return args


def selected(only: list[str] | None) -> tuple[list[str], list[str]]:
    """The workload names and the other jobs that ``--only`` asks for (everything without it)."""
    if not only:
        return [w.name for w in WORKLOADS], list(JOBS)
    names = {n.strip() for item in only for n in item.split(",") if n.strip()}
    known = {w.name for w in WORKLOADS} | set(GROUPS) | set(JOBS)
    unknown = sorted(names - known)
    if unknown:
        raise SystemExit(f"--only: unknown {', '.join(unknown)}; choose from {', '.join(sorted(known))}")
    workloads = [w.name for w in WORKLOADS if w.name in names or w.group in names]
    return workloads, [j for j in JOBS if j in names]


def run_job(label: str, command: list[str], ok_codes: tuple[int, ...]) -> tuple[dict[str, Any] | None, str | None]:
    """Run one job's script with ``--json``; its figures, or why there are none."""
    with tempfile.TemporaryDirectory(prefix="smolml-bench-") as tmp:
        out = Path(tmp) / "figures.json"
        start = time.perf_counter()
        print(f"  {label:<14}", end=" ", flush=True)
        result = subprocess.run([sys.executable, *command, "--json", str(out)], capture_output=True, text=True)
        seconds = time.perf_counter() - start
        figures = json.loads(out.read_text()) if out.exists() else None
    status = "" if result.returncode == 0 else f" (exit status {result.returncode})"
    print(f"{seconds:6.1f} s{status}", flush=True)
    if figures is not None:
        figures["job_seconds"] = seconds
    if result.returncode in ok_codes and figures is not None:
        return figures, None
    tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
    return figures, f"{label}: exit status {result.returncode}\n{tail}"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    workloads, jobs = selected(args.only)
    quick = ["--quick"] if args.quick else []
    started = time.perf_counter()

    info = machine_info()
    figures: dict[str, Any] = {"machine": info, "quick": args.quick, "torch_mode": args.torch}
    report.print_header(info, args)
    failures: list[str] = []
    print(f"Running {len(workloads) + len(jobs)} jobs, one process each:")

    results: dict[str, Any] = {}
    for name in workloads:
        command = [str(HERE / "run_workload.py"), "--workload", name, "--torch", args.torch, *quick]
        result, failure = run_job(name, command, ok_codes=(0,))
        if result is not None:
            results[name] = result
        if failure:
            failures.append(failure)
    figures["workloads"] = results

    scripts = {"memory": "run_memory.py", "startup": "run_startup.py", "engines": "bench_engines.py"}
    for job in jobs:
        # memory's exit status 2 means "not flat": a finding reported below, not a crash
        result, failure = run_job(job, [str(HERE / scripts[job]), *quick], ok_codes=(0, 2) if job == "memory" else (0,))
        figures[job] = result
        if failure:
            failures.append(failure)
    print()

    report.print_workloads(results)
    if "memory" in jobs and figures["memory"]:
        report.print_memory(figures["memory"])
    if "startup" in jobs and figures["startup"]:
        report.print_startup(figures["startup"])
    if "engines" in jobs and figures["engines"]:
        report.print_engines(figures["engines"])

    figures["float32_speedup"] = report.float32_speedups(results)
    figures["failures"] = failures
    figures["seconds"] = time.perf_counter() - started
    for failure in failures:
        print(f"\nFAILED {failure}")
    print(f"\nTotal {figures['seconds']:.0f} s.")
    if args.json:
        write_json(args.json, figures)
        print(f"Wrote {args.json}")

    if failures:
        return 1
    memory = figures.get("memory")
    return 2 if memory and not memory["ok"] else 0


if __name__ == "__main__":
    sys.exit(main())
