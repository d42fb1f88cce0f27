#!/usr/bin/env python3
"""Start-up time: ``import smolml_core``, the first registry lookup, and entry-point discovery, in fresh interpreters.

    python tests/benchmarks/run_startup.py [--json startup.json] [--quick]

Each measurement is a new ``python -c`` process that times itself from the
inside, phase by phase:

- ``smolml``: ``import smolml_core``, then ``smolml_core.lookup("activation",
  "relu")``, the first lookup, which discovers the plugins through their entry
  points and loads them (imports their modules and calls their hooks);
- ``discovery``: ``import smolml_core``, then
  ``smolml_core.registry.loader.installed_entry_points()`` alone (reading the
  installed distributions' metadata, importing ``importlib_metadata`` for it),
  so that the first lookup's time can be split into finding and loading;
- ``numpy``: a plain ``import numpy``, which ``import smolml_core`` includes,
  so that SmolML's own share can be told apart.

The three probes alternate, their order turning every run. The wall time of
the whole process (interpreter start-up included) is recorded too. A table of
the medians is printed; ``--json`` also writes every figure.

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

import report
from common import write_json

TARGET_SECONDS = 0.5

_PROBE = """
import json, sys, time
phases = {{}}
{phases}
print(json.dumps({{"phases": phases, "seconds": sum(phases.values()), "modules": len(sys.modules),
                  "sklearn": "sklearn" in sys.modules, "scipy": "scipy" in sys.modules}}))
"""

_PHASE = """start = time.perf_counter()
{statement}
phases[{name!r}] = time.perf_counter() - start
"""

PROBES: dict[str, list[tuple[str, str]]] = {
    "smolml": [
        ("import", "import smolml_core"),
        ("first_lookup", "smolml_core.lookup('activation', 'relu')"),
    ],
    "discovery": [
        ("import", "import smolml_core\nfrom smolml_core.registry.loader import installed_entry_points"),
        ("entry_points", "installed_entry_points()"),
    ],
    "numpy": [("import", "import numpy")],
}
"""Per probe, its phases in order: (name, statements), each timed on its own inside one fresh interpreter."""


def probe_code(phases: list[tuple[str, str]]) -> str:
    return _PROBE.format(phases="".join(_PHASE.format(name=name, statement=code) for name, code in phases))


def probe(phases: list[tuple[str, str]], env: dict[str, str]) -> dict[str, Any]:
    """Run the phases in a fresh interpreter; each phase's inner time, the module count and the outer wall time."""
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", probe_code(phases)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    wall = time.perf_counter() - start
    return {**json.loads(out.strip().splitlines()[-1]), "wall_seconds": wall}


def measure(env: dict[str, str], runs: int) -> dict[str, Any]:
    """Run every probe ``runs`` times, the order turning each run (after one unrecorded warm-up each)."""
    names = list(PROBES)
    for phases in PROBES.values():
        probe(phases, env)  # warm-up: fills the OS file cache and, where allowed, the bytecode cache
    samples: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for i in range(runs):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            samples[name].append(probe(PROBES[name], env))
    result: dict[str, Any] = {}
    for name, runs_ in samples.items():
        result[name] = {
            "seconds_median": statistics.median(r["seconds"] for r in runs_),
            "wall_seconds_median": statistics.median(r["wall_seconds"] for r in runs_),
            "seconds_all": [r["seconds"] for r in runs_],
            "phases": {
                phase: {
                    "seconds_median": statistics.median(r["phases"][phase] for r in runs_),
                    "seconds_all": [r["phases"][phase] for r in runs_],
                }
                for phase, _ in PROBES[name]
            },
            "modules": runs_[-1]["modules"],
            "imports_sklearn": runs_[-1]["sklearn"],
            "imports_scipy": runs_[-1]["scipy"],
        }
    smolml = result["smolml"]["phases"]
    result["import_seconds"] = smolml["import"]["seconds_median"]
    result["first_lookup_seconds"] = smolml["first_lookup"]["seconds_median"]
    result["discovery_seconds"] = result["discovery"]["phases"]["entry_points"]["seconds_median"]
    result["numpy_seconds"] = result["numpy"]["seconds_median"]
    result["smolml_own_seconds"] = result["smolml"]["seconds_median"] - result["numpy"]["seconds_median"]
    result["ok"] = result["smolml"]["seconds_median"] < TARGET_SECONDS
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="FILE", help="write the figures here")
    parser.add_argument("--quick", action="store_true", help="3 runs instead of 9")
    args = parser.parse_args(argv)
    runs = 3 if args.quick else 9

    figures: dict[str, Any] = {"runs": runs, "target_seconds": TARGET_SECONDS}
    with tempfile.TemporaryDirectory(prefix="smolml-bench-pyc-") as cache:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        figures["cached"] = measure({**env, "PYTHONPYCACHEPREFIX": cache}, runs)
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        figures["without_bytecode_cache"] = measure(dict(os.environ), runs)
    figures["ok"] = figures["cached"]["ok"]
    report.print_startup(figures)
    write_json(args.json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
