#!/usr/bin/env python3
"""Start-up time: ``import smolml_core`` plus the first registry lookup, in fresh interpreters.

    python tests/benchmarks/run_startup.py --json startup.json [--quick]

Each measurement is a new ``python -c`` process that times, from the inside,
``import smolml_core`` and ``smolml_core.lookup("activation", "relu")`` (the
first lookup loads the plugins through their entry points). numpy's import is
part of it; a plain ``import numpy`` is timed the same way, alternating, so
SmolML's own share can be told apart. The wall time of the whole process
(interpreter start-up included) is recorded too.

Measured with a bytecode cache (the usual case: a first run writes ``.pyc``
files, here under a temporary ``PYTHONPYCACHEPREFIX`` so nothing is written
into the source tree). If ``PYTHONDONTWRITEBYTECODE`` is set, as in some
containers, it is measured that way too: then an editable install's sources
are compiled at every start.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any

from common import write_json

TARGET_SECONDS = 0.5

_PROBE = """
import json, sys, time
start = time.perf_counter()
{statement}
elapsed = time.perf_counter() - start
print(json.dumps({{"seconds": elapsed, "modules": len(sys.modules),
                  "sklearn": "sklearn" in sys.modules, "scipy": "scipy" in sys.modules}}))
"""

STATEMENTS = {
    "smolml": "import smolml_core\nsmolml_core.lookup('activation', 'relu')",
    "numpy": "import numpy",
}


def probe(statement: str, env: dict[str, str]) -> dict[str, Any]:
    """Run ``statement`` in a fresh interpreter; its inner time, module count and outer wall time."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", _PROBE.format(statement=statement)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    wall = time.perf_counter() - start
    return {**json.loads(out.strip().splitlines()[-1]), "wall_seconds": wall}


def measure(env: dict[str, str], runs: int) -> dict[str, Any]:
    """Alternate SmolML and numpy probes ``runs`` times (after one unrecorded warm-up each)."""
    for statement in STATEMENTS.values():
        probe(statement, env)  # warm-up: fills the OS file cache and, where allowed, the bytecode cache
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in STATEMENTS}
    for i in range(runs):
        for name in STATEMENTS if i % 2 == 0 else reversed(list(STATEMENTS)):
            samples[name].append(probe(STATEMENTS[name], env))
    result: dict[str, Any] = {}
    for name, runs_ in samples.items():
        result[name] = {
            "seconds_median": statistics.median(r["seconds"] for r in runs_),
            "wall_seconds_median": statistics.median(r["wall_seconds"] for r in runs_),
            "seconds_all": [r["seconds"] for r in runs_],
            "modules": runs_[-1]["modules"],
            "imports_sklearn": runs_[-1]["sklearn"],
            "imports_scipy": runs_[-1]["scipy"],
        }
    result["smolml_own_seconds"] = result["smolml"]["seconds_median"] - result["numpy"]["seconds_median"]
    result["ok"] = result["smolml"]["seconds_median"] < TARGET_SECONDS
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="FILE", help="write the figures here")
    parser.add_argument("--quick", action="store_true", help="3 runs instead of 9")
    args = parser.parse_args(argv)
    runs = 3 if args.quick else 9

    report: dict[str, Any] = {"runs": runs, "target_seconds": TARGET_SECONDS}
    with tempfile.TemporaryDirectory(prefix="smolml-bench-pyc-") as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        report["cached"] = measure({**env, "PYTHONPYCACHEPREFIX": cache}, runs)
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        report["without_bytecode_cache"] = measure(dict(os.environ), runs)
    report["ok"] = report["cached"]["ok"]
    write_json(args.json, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
