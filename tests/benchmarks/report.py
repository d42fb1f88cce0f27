"""Printing the benchmark's figures as tables (the figures themselves come from the job scripts)."""

from __future__ import annotations

import argparse
from typing import Any

from workloads import GROUPS, WIDTHS


def duration(seconds: float | None) -> str:
    """``12.3 us``, ``4.56 ms`` or ``1.23 s``."""
    if seconds is None:
        return "-"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def mib(kib: float | None) -> str:
    return "-" if kib is None else f"{kib / 1024:.0f} MiB"


def print_header(info: dict[str, Any], args: argparse.Namespace) -> None:
    """Python, numpy, CPUs, BLAS settings and what torch will be."""
    print(
        f"Python {info['python']} ({info['implementation']}), numpy {info['numpy']} ({info['numpy_blas']} BLAS), "
        f"{info['cpus']} CPUs ({info['cpus_usable']} usable), {info['platform']}"
    )
    blas = ", ".join(f"{k}={v}" for k, v in info["blas_env"].items()) or "none set"
    print(f"BLAS/OpenMP environment variables: {blas}")
    mode = "quick (a smoke test: tiny budgets, the wide networks on a batch of 128)" if args.quick else "full"
    print(f"Mode: {mode}; torch: {args.torch}; load average (1, 5, 15 min) {info['load_average']}")
    load, cpus = info["load_average"], info["cpus_usable"] or info["cpus"]
    if load and cpus and load[0] > cpus - 0.5:
        print(
            f"WARNING: load average {load[0]} on {cpus} CPUs: other programs are competing for them, so expect noisy "
            "figures; multithreaded BLAS and torch suffer most (OMP_NUM_THREADS=1 gives steadier ones)."
        )
    print()


def _torch_line(results: dict[str, Any]) -> str:
    for r in results.values():
        t = r["torch"]
        if t["available"]:
            return f"torch {t['version']}, torch.get_num_threads() = {t['threads']} (left at its default)"
    reasons = {r["torch"].get("reason", "") for r in results.values()}
    return "torch: " + ("; ".join(sorted(reasons)) or "not run")


def times(ratio: float) -> str:
    """A ratio of seconds (ours / theirs) as ``2.10x slower`` or ``1.50x faster``."""
    return f"{ratio:.2f}x slower" if ratio >= 1 else f"{1 / ratio:.2f}x faster"


def print_workloads(results: dict[str, Any]) -> None:
    """The same-work checks, then one timing table per group of workloads, then float32's speedup."""
    if not results:
        return
    print("Workloads (weights from set_seed(0), copied into the references):")
    for name, r in results.items():
        print(f"  {name:<13} {r['describe']}, {r['samples']} samples")
    print(_torch_line(results))
    print("\nSame-work check: every implementation from our initial weights; largest relative difference from ours")
    print(
        f"  {'workload':<13} {'epochs':>6} {'loss first -> last':>22} {'vs expert (loss, params)':>25} "
        f"{'vs numpy (loss, params)':>24} {'vs torch (loss, params)':>24} {'tolerance':>10}  verdict"
    )
    for name, r in results.items():
        c = r["check"]
        tol = c["tolerance"]
        against = {impl: f"{d['loss_max_rel_diff']:.1e}, {d['param_diff']:.1e}" for impl, d in c["against"].items()}
        print(
            f"  {name:<13} {c['epochs']:>6} {c['loss_first']:>10.6f} -> {c['loss_last']:<9.6f} "
            f"{against.get('expert', '-'):>25} {against.get('numpy', '-'):>24} {against.get('torch', '-'):>24} "
            f"{tol['loss']:.0e},{tol['params']:.0e}  {'ok' if c['ok'] else 'DISAGREE: not timed'}"
        )
    print("  (params: max |difference| / max |parameter| in float64, relative L2 norm in float32; the expert")
    print("   reference is held to 1e-12 in float64)")
    for group, title in GROUPS.items():
        rows = {n: r for n, r in results.items() if r["group"] == group and "timing" in r}
        if rows:
            print(f"\n{title}: median seconds per epoch")
            _print_table(rows)
    speedups = float32_speedups(results)
    if speedups:
        print("\nfloat32 speedup over float64 (wide networks; median seconds per epoch)")
        print(
            f"  {'width':>6} {'ours f64':>10} {'ours f32':>10} {'speedup':>8} {'expert f64':>10} {'expert f32':>10} "
            f"{'speedup':>8}"
        )
        for width, s in speedups.items():
            print(
                f"  {width:>6} {duration(s['ours_f64']):>10} {duration(s['ours_f32']):>10} {s['ours']:>7.2f}x "
                f"{duration(s['expert_f64']):>10} {duration(s['expert_f32']):>10} {s['expert']:>7.2f}x"
            )


def _print_table(rows: dict[str, Any]) -> None:
    header = (
        f"  {'workload':<13} {'epochs x reps':>13} {'ours':>10} {'expert':>10} {'numpy':>10} {'torch':>10} "
        f"{'ours vs expert':>15} {'target':>7} {'':>4} {'ours vs numpy':>14} {'ours vs torch':>14} "
        f"{'target':>13} {'':>4} {'spread':>6} {'traced MiB ours/expert/numpy':>28} {'peak RSS':>8}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    for name, r in rows.items():
        t = r["timing"]
        med, ratios = t["s_per_epoch_median"], t["ratios"]
        expert = ratios["ours/expert"]
        if "ours/torch" in ratios:
            torch_ratio = ratios["ours/torch"]
            vs_torch = times(torch_ratio)
            torch_verdict = "PASS" if 1 / torch_ratio >= r["torch_target"] else "MISS"
        else:
            vs_torch, torch_verdict = "-", ""
        torch_target = "not slower" if r["torch_target"] == 1 else f">= {r['torch_target']:g}x faster"
        worst_spread = max(t["spread"][name] for name in ("ours", "expert", "numpy"))
        peaks = r.get("traced_peak_bytes", {})
        traced = "/".join(f"{peaks[n] / 2**20:.2f}" for n in ("ours", "expert", "numpy")) if peaks else "-"
        print(
            f"  {name:<13} {t['epochs']:>6} x {t['repeats']:<4}"
            f"{duration(med['ours']):>10} {duration(med['expert']):>10} {duration(med['numpy']):>10} "
            f"{duration(med.get('torch')):>10} {times(expert):>15} {'<= ' + format(r['target'], 'g') + 'x':>7} "
            f"{'PASS' if expert <= r['target'] else 'MISS':>4} {times(ratios['ours/numpy']):>14} {vs_torch:>14} "
            f"{torch_target:>13} {torch_verdict:>4} {worst_spread:>6.0%} {traced:>28} {mib(r['maxrss_kib']):>8}"
        )
    print("  (medians of wall-clock seconds per epoch, us = microseconds; implementations timed in alternating")
    print("   order. expert: numpy with every temporary preallocated; numpy: numpy allocating its temporaries.")
    print("   targets: ours against expert numpy, and against PyTorch. spread: interquartile range / median, the")
    print("   worst of ours and the numpy references; a large one means a noisy measurement. peak RSS: the whole")
    print("   process, numpy, scikit-learn and torch included.)")


def float32_speedups(results: dict[str, Any]) -> dict[int, dict[str, float]]:
    """For each width timed in both dtypes: seconds per epoch and float64 / float32, ours and expert numpy."""
    speedups = {}
    for width in WIDTHS:
        f64, f32 = results.get(f"wide-{width}"), results.get(f"wide-{width}-f32")
        if not (f64 and f32 and "timing" in f64 and "timing" in f32):
            continue
        a, b = f64["timing"]["s_per_epoch_median"], f32["timing"]["s_per_epoch_median"]
        speedups[width] = {
            "ours_f64": a["ours"],
            "ours_f32": b["ours"],
            "ours": a["ours"] / b["ours"],
            "expert_f64": a["expert"],
            "expert_f32": b["expert"],
            "expert": a["expert"] / b["expert"],
        }
    return speedups


def print_memory(m: dict[str, Any]) -> None:
    """Resident memory, live MLArrays and optimizer buffers over the long moons run."""
    early, late = m["readings"]
    print(f"\nMemory: {m['workload']} network ({m['describe']}), epoch {early['epoch']} -> {late['epoch']}")
    print(
        f"  VmRSS {mib(early['rss_kib'])} -> {mib(late['rss_kib'])} ({m['rss_growth_mib']:+.2f} MiB), "
        f"peak RSS {mib(early['maxrss_kib'])} -> {mib(late['maxrss_kib'])} ({m['maxrss_growth_mib']:+.2f} MiB); "
        f"tolerance {m['rss_tolerance_mib']:g} MiB -> {'flat' if m['rss_flat'] else 'GROWS'}"
    )
    print(
        f"  live MLArrays (before / after gc.collect()): {early['mlarrays_before_gc']} / {early['mlarrays_after_gc']}"
        f" -> {late['mlarrays_before_gc']} / {late['mlarrays_after_gc']} -> "
        f"{'no graph kept between epochs' if m['no_graph_kept'] else 'GRAPHS KEPT ALIVE'}"
    )
    ob_early, ob_late = early["optimizer_buffers"], late["optimizer_buffers"]
    once = "the same objects: allocated once" if m["optimizer_state_allocated_once"] else "REALLOCATED"
    print(
        f"  optimizer buffers: {ob_early['count']} ({ob_early['bytes']} B) -> "
        f"{ob_late['count']} ({ob_late['bytes']} B), {once}"
    )
    tr = m["traced"]
    print(
        f"  tracemalloc over a further {tr['epochs'][1]} epochs: peak {tr['peak_bytes'] / 1024:.0f} KiB; kept after "
        f"gc {tr['current_bytes'][0]['after_gc']} B at epoch +{tr['epochs'][0]} -> "
        f"{tr['current_bytes'][1]['after_gc']} B at +{tr['epochs'][1]} (informational: includes bounded caches)"
    )
    if "steps" in m:
        print_steps(m["steps"])


def print_steps(steps: dict[str, Any]) -> None:
    """Bytes kept and bytes allocated per epoch of mini-batch steps, ours beside the expert numpy reference."""
    print(
        f"  {steps['workload']} ({steps['steps_per_epoch']} steps an epoch), tracemalloc over "
        f"{steps['ours']['epochs']} epochs after a warm-up:"
    )
    for name in ("ours", "expert"):
        f = steps[name]
        print(
            f"    {name:<7} kept after each epoch {f['kept_bytes_after_epoch'][0]} -> "
            f"{f['kept_bytes_after_epoch'][-1]} B ({f['growth_bytes']:+} B); allocated and freed within an epoch "
            f"up to {f['transient_max'] / 1024:.1f} KiB"
        )
    growth = "no growth" if steps["no_growth"] else "GROWS"
    arrays = "PASS" if steps["no_new_arrays"] else "MISS"
    print(
        f"    ours: {growth} (at most the expert's growth + {steps['growth_tolerance_bytes']} B); "
        f"allocates no new arrays (at most the expert's figure + {steps['slack_bytes'] / 1024:g} KiB): {arrays}"
    )


def print_startup(s: dict[str, Any]) -> None:
    """Start-up medians, phase by phase, with and without a bytecode cache."""
    print(f"\nStart-up (fresh interpreter, median of {s['runs']}; target < {s['target_seconds']:g} s with numpy):")
    settings = {"cached": "with bytecode cache", "without_bytecode_cache": "PYTHONDONTWRITEBYTECODE=1 (as run here)"}
    for key, label in settings.items():
        if key not in s:
            continue
        x = s[key]
        smol, np_ = x["smolml"], x["numpy"]
        print(f"  {label}:")
        if "import_seconds" in x:  # figures written before the phases were timed apart have only the total
            share = x["import_seconds"] - x["numpy_seconds"]
            rows = [
                (
                    "import smolml_core",
                    x["import_seconds"],
                    f"numpy alone {duration(x['numpy_seconds'])}, SmolML's share {duration(share)}",
                ),
                ("first lookup (find + load plugins)", x["first_lookup_seconds"], ""),
                ("  entry-point discovery alone", x["discovery_seconds"], "installed_entry_points(), own process"),
            ]
            for name, seconds, note in rows:
                print(f"    {name:<36} {duration(seconds):>9}{'  (' + note + ')' if note else ''}")
        print(
            f"    {'import + first lookup':<36} {duration(smol['seconds_median']):>9}  "
            f"(numpy alone {duration(np_['seconds_median'])}, SmolML's share {duration(x['smolml_own_seconds'])}); "
            f"whole process {duration(smol['wall_seconds_median'])}; {smol['modules']} modules"
            f"{', imports scipy' if smol['imports_scipy'] else ''} -> {'PASS' if x['ok'] else 'MISS'}"
        )


def print_engines(e: dict[str, Any]) -> None:
    """The scalar engine's throughput, and micrograd's on the same expression."""
    print("\nScalar engine (bench_engines.py; build the graph and run backward, median):")
    if "moons_seconds_per_epoch" in e:
        m = e["moons_seconds_per_epoch"]
        print(
            f"  moons epoch: array engine {duration(m['array'])}, scalar engine {duration(m['scalar'])} "
            f"({m['ratio']:.0f}x)"
        )
    throughput = e.get("throughput", {})
    for name, f in throughput.items():
        print(f"  {name:<38} {f['nodes']:>7,} nodes {f['nodes_per_second'] / 1e6:7.3f} M nodes/s")
    ours = throughput.get("relu MLP expression, smolml Value")
    theirs = throughput.get("relu MLP expression, micrograd Value")
    if ours and theirs:
        ratio = ours["nodes_per_second"] / theirs["nodes_per_second"]
        print(f"  SmolML Value / micrograd Value: {ratio:.2f}x the nodes per second")
    elif ours:
        print("  (micrograd not installed: pip install micrograd==0.1.0 to compare)")
    if "large" in e:
        print_large(e["large"])


def print_large(large: dict[str, Any]) -> None:
    """The large-graph comparison as a small table."""
    print(
        f"\nAgainst micrograd, the relu MLP expression over {large['samples']} samples, collector on "
        f"(median of {large['repeats']}, alternating):"
    )
    print(f"  {'engine':<10} {'nodes':>8} {'build':>9} {'backward':>9} {'whole':>9} {'whole M/s':>10} {'bwd M/s':>8}")
    for name in ("smolml", "micrograd"):
        f = large[name]
        print(
            f"  {name:<10} {f['nodes']:>8,} {f['build_seconds'] * 1e3:>7.1f}ms {f['backward_seconds'] * 1e3:>7.1f}ms "
            f"{f['whole_seconds'] * 1e3:>7.1f}ms {f['whole_nodes_per_second'] / 1e6:>10.3f} "
            f"{f['backward_nodes_per_second'] / 1e6:>8.3f}"
        )
    print(
        f"  smolml / micrograd, nodes per second: whole {large['whole_ratio']:.2f}x (target >= 1.5x), "
        f"backward alone {large['backward_ratio']:.2f}x (target >= 1x)"
    )
