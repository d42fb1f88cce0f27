#!/usr/bin/env python3
"""Mutation testing of the numerical core: how many small wrong programs does the suite catch?

A mutant is one file of the core with one small change: ``a + b`` becomes ``a - b``, ``<``
becomes ``<=``, ``1`` becomes ``0``, ``-x`` becomes ``x``, ``and`` becomes ``or``, a returned
value becomes ``None``... The tests that cover that file (``TARGETS``) are run against it.
If one fails, the mutant is killed; if all pass, it survived: a wrong program the suite
accepts. The score is the share killed, over a seeded sample of every mutant of ``TARGETS``;
the few mutants that change nothing observable, listed with the reason in equivalent.py, are
set aside from it.

Run from the repository root (``nox -s mutation`` does)::

    python tests/mutation/mutate.py                    # 276 mutants drawn with seed 0, two at a time
    python tests/mutation/mutate.py --all              # every mutant (slow)
    python tests/mutation/mutate.py --sample 40 --seed 3 --jobs 1
    python tests/mutation/mutate.py --list             # the sample's mutants, without running them
    python tests/mutation/mutate.py --only smolml_core/value.py#17   # one mutant, by its id

Each job works in a copy of the repository in a temporary folder, so the working tree is never
changed; a mutant's file is written into the copy, its tests run there (``pytest -x``), and the
file is put back. A run that outlives its time limit counts as killed (the mutant made the code
hang). Exit status: 0 if the score reaches ``--min-score``, 1 if not, 2 if nothing can be
measured (the tests fail without any mutant, or a copy imports another SmolML than its own).

Mutants are changes to the syntax tree, so the mutated file is written back by ``ast.unparse``:
comments go, behaviour stays. Annotations, strings and f-strings (messages) are left alone.
"""

from __future__ import annotations

import argparse
import ast
import copy
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn, TypeVar

from equivalent import EQUIVALENT  # the mutants no test can kill, each with the reason

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")
R = TypeVar("R")

# The files to mutate, each with its tests in stages: pytest runs one stage after the other and stops at the first
# failure. The first stage holds quick tests to the point, so most mutants die there without the later stages'
# imports and slow tests; the last is the whole default suite. A folder stands for the test files in it.
TARGETS: dict[str, tuple[tuple[str, ...], ...]] = {
    "smolml_core/array/primitives.py": (
        (
            "tests/core/test_pinned_values.py",
            "tests/core/test_gradients.py",
            "tests/core/test_numerics.py",
            "tests/core/test_mlarray.py",
            "tests/std/test_pinned_components.py",
        ),
        ("tests/core", "tests/std", "tests/nn"),
        ("tests",),
    ),
    "smolml_core/value.py": (
        (
            "tests/core/test_pinned_values.py",
            "tests/core/test_value.py",
            "tests/core/test_numerics.py",
            "tests/core/test_scalar_engine.py",
        ),
        ("tests/core", "tests/nn/test_engine_agreement.py"),
        ("tests",),
    ),
    "plugins/smolml_std/optimizers.py": (
        ("tests/std/test_pinned_components.py", "tests/std/test_components.py"),
        ("tests/std", "tests/nn"),
        ("tests",),
    ),
    "plugins/smolml_std/losses.py": (
        ("tests/std/test_pinned_components.py", "tests/std/test_components.py", "tests/std/test_fused_losses.py"),
        ("tests/std", "tests/core/test_numerics.py", "tests/nn"),
        ("tests",),
    ),
    "plugins/smolml_std/activation.py": (
        ("tests/std/test_pinned_components.py", "tests/std/test_components.py"),
        ("tests/std", "tests/core/test_numerics.py", "tests/nn"),
        ("tests",),
    ),
}
PYTEST = ("-x", "-q", "-p", "no:cacheprovider", "-m", "not slow and not crosscheck and not installed")
NOT_COPIED = (".git", ".nox", "__pycache__", "*.egg-info", "build", "dist", ".*_cache", ".hypothesis", ".benchmarks")

# -- the mutation operators -----------------------------------------------------

SWAPPED_OPERATORS: dict[type[ast.AST], type[ast.AST]] = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.Mod: ast.FloorDiv,
    ast.Pow: ast.Mult,
    ast.MatMult: ast.Mult,
    ast.BitAnd: ast.BitOr,
    ast.BitOr: ast.BitAnd,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.And: ast.Or,
    ast.Or: ast.And,
}


def _swap(op: ast.AST) -> ast.AST | None:
    swapped = SWAPPED_OPERATORS.get(type(op))
    return swapped() if swapped else None


def _changed(node: ast.AST, **fields: object) -> ast.AST:
    new = copy.deepcopy(node)
    for name, value in fields.items():
        setattr(new, name, value)
    return new


def _other_numbers(value: object) -> list[object]:
    """0 -> 1; 1 -> 0 and 2; True <-> False; any other number n -> n + 1. Strings and None: none."""
    if isinstance(value, bool):
        return [not value]
    if not isinstance(value, (int, float)):
        return []
    if value == 0:
        return [type(value)(1)]
    if value == 1:
        return [type(value)(0), type(value)(2)]
    return [value + 1]


def replacements(node: ast.AST) -> list[ast.AST]:
    """Every mutant of ``node`` itself (its children have their own)."""
    if isinstance(node, (ast.BinOp, ast.AugAssign, ast.BoolOp)):
        op = _swap(node.op)
        return [_changed(node, op=op)] if op else []
    if isinstance(node, ast.Compare):
        out = []
        for i, op in enumerate(node.ops):
            if swapped := _swap(op):
                out.append(_changed(node, ops=[*node.ops[:i], swapped, *node.ops[i + 1 :]]))
        return out
    if isinstance(node, ast.UnaryOp):  # -x -> x, not x -> x, ~mask -> mask
        return [copy.deepcopy(node.operand)]
    if isinstance(node, ast.Constant):
        return [ast.Constant(value) for value in _other_numbers(node.value)]
    if isinstance(node, ast.Return) and node.value is not None and ast.unparse(node.value) != "None":
        return [ast.Return(value=ast.Constant(None))]
    return []


# -- finding and applying mutants ----------------------------------------------------

NOT_MUTATED_FIELDS = {"annotation", "returns"}  # annotations are never evaluated here (postponed)


def _places(node: ast.AST):  # yields (parent, field, index or None, child), depth first, in source order
    for field, value in ast.iter_fields(node):
        if field in NOT_MUTATED_FIELDS:
            continue
        children = value if isinstance(value, list) else [value]
        for i, child in enumerate(children):
            if isinstance(child, ast.AST) and not isinstance(child, ast.JoinedStr):
                yield node, field, (i if isinstance(value, list) else None), child
                yield from _places(child)


def _mutations(tree: ast.Module):  # yields (parent, field, index, original, replacement)
    for parent, field, index, child in _places(tree):
        for new in replacements(child):
            yield parent, field, index, child, new


@dataclass(frozen=True)
class Mutant:
    file: str
    number: int  # its position among the file's mutants
    line: int
    code: str  # that line as written, without its indentation and end-of-line comment
    change: str  # "old -> new", as source text

    @property
    def id(self) -> str:
        return f"{self.file}#{self.number}"


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def mutants_of(file: str, source: str) -> list[Mutant]:
    """Every mutant of one file, numbered in source order (the numbering is what ``mutated`` takes)."""
    found = []
    lines = source.splitlines()
    for number, (parent, _, _, old, new) in enumerate(_mutations(ast.parse(source))):
        before = ast.get_source_segment(source, old) or ast.unparse(old)
        change = f"{_short(before)}  ->  {_short(ast.unparse(new))}"
        if isinstance(old, (ast.Constant, ast.UnaryOp)) and isinstance(parent, ast.expr):  # a number needs its context
            change += f"  in  {_short(ast.get_source_segment(source, parent) or ast.unparse(parent))}"
        code = lines[old.lineno - 1].split("  # ")[0].strip()  # without a comment at its end
        found.append(Mutant(file, number, old.lineno, code, change))
    return found


def mutated(source: str, number: int) -> str:
    """The source of mutant ``number``: the one change made on a fresh syntax tree, written back."""
    tree = ast.parse(source)
    for i, (parent, field, index, _, new) in enumerate(_mutations(tree)):
        if i == number:
            if index is None:
                setattr(parent, field, new)
            else:
                getattr(parent, field)[index] = new
            return ast.unparse(ast.fix_missing_locations(tree)) + "\n"
    raise IndexError(f"no mutant {number}")


# -- running the tests against a mutant ---------------------------------------------------


def stop(message: str) -> NoReturn:
    """Exit with status 2: nothing can be measured."""
    print(message, file=sys.stderr)
    sys.exit(2)


def stages(file: str) -> list[tuple[str, ...]]:
    """The test files of each of ``file``'s stages (a folder's in name order, each file once in a stage)."""
    found = []
    for stage in TARGETS[file]:
        files: dict[str, None] = {}
        for name in stage:
            path = ROOT / name
            if not path.exists():
                stop(f"TARGETS names tests that do not exist: {name}")
            tests = sorted(path.rglob("test_*.py")) if path.is_dir() else [path]
            files.update((test.relative_to(ROOT).as_posix(), None) for test in tests)
        found.append(tuple(files))
    return found


def run_tests(tree: Path, tests: tuple[str, ...], timeout: float) -> tuple[int | None, str]:
    """Run pytest on ``tests`` in the copy ``tree``: (exit status or None if it timed out, output)."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tree), str(tree / "plugins")]),
        "PYTHONDONTWRITEBYTECODE": "1",  # a stale .pyc of a same-sized mutant would be run instead
    }
    command = [sys.executable, "-m", "pytest", *PYTEST, *tests]
    process = subprocess.Popen(
        command, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        output, _ = process.communicate(timeout=timeout)
        return process.returncode, output
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the whole session: pytest and anything it started
        process.communicate()
        return None, ""


def outcome(mutant: Mutant, tree: Path, timeouts: dict[tuple[str, ...], float]) -> str:
    """'killed', 'timeout' (also killed) or 'survived': the mutant's tests run in ``tree``, which is then restored."""
    path = tree / mutant.file
    original = path.read_text(encoding="utf-8")
    path.write_text(mutated(original, mutant.number), encoding="utf-8")
    try:
        for tests in stages(mutant.file):
            status, _ = run_tests(tree, tests, timeouts[tests])
            if status != 0:
                return "timeout" if status is None else "killed"
        return "survived"
    finally:
        path.write_text(original, encoding="utf-8")


def check_imports(tree: Path) -> None:
    """Stop unless the code imported in ``tree`` is the copy's own (not an installed SmolML)."""
    probe = "import smolml_core, smolml_std; print(smolml_core.__file__); print(smolml_std.__file__)"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tree), str(tree / "plugins")])}
    imported = subprocess.run([sys.executable, "-c", probe], cwd=tree, env=env, capture_output=True, text=True)
    if imported.returncode or not all(Path(p).is_relative_to(tree) for p in imported.stdout.split()):
        stop(f"the copy's code is not the code imported:\n{imported.stdout}{imported.stderr}")


def time_limit(tests: tuple[str, ...], tree: Path) -> float:
    """Run ``tests`` on the unmutated copy: they must pass. A mutant's run may take 3 times as long, plus 30 s."""
    start = time.monotonic()
    status, output = run_tests(tree, tests, timeout=900)
    if status != 0:
        print(output)
        stop(f"the tests fail without any mutant, so nothing can be measured: {' '.join(tests)}")
    return 3 * (time.monotonic() - start) + 30  # room for a loaded machine, not for a hang


# -- the command ---------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=276, metavar="N", help="how many mutants to draw (276)")
    parser.add_argument("--seed", type=int, default=0, help="the seed of the draw (0)")
    parser.add_argument("--all", action="store_true", help="every mutant, no sample")
    parser.add_argument("--only", action="append", metavar="ID", help="these mutants (FILE#NUMBER), repeatable")
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once, each in its own copy (2)")
    parser.add_argument("--min-score", type=float, default=95.0, help="the percentage killed required (95)")
    parser.add_argument("--list", action="store_true", help="print the chosen mutants and stop")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every mutant's outcome")
    return parser.parse_args(argv)


def choose(args: argparse.Namespace) -> tuple[list[Mutant], int]:
    """The mutants to test, in file order, and how many there are in all."""
    everything = [m for file in TARGETS for m in mutants_of(file, (ROOT / file).read_text(encoding="utf-8"))]
    stale = set(EQUIVALENT) - {(m.file, m.code, m.change) for m in everything}
    for file, code, change in sorted(stale):
        print(f"note: EQUIVALENT lists a mutant that no longer exists (remove it): {file}: {code!r}: {change}")
    if args.only:
        by_id = {m.id: m for m in everything}
        unknown = [i for i in args.only if i not in by_id]
        if unknown:
            sys.exit(f"no such mutant: {', '.join(unknown)}")
        chosen = [by_id[i] for i in args.only]
    elif args.all or args.sample >= len(everything):
        chosen = everything
    else:
        chosen = random.Random(args.seed).sample(everything, args.sample)
    order = {file: i for i, file in enumerate(TARGETS)}
    return sorted(chosen, key=lambda m: (order[m.file], m.number)), len(everything)


def is_equivalent(mutant: Mutant) -> bool:
    return (mutant.file, mutant.code, mutant.change) in EQUIVALENT


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # A shell starts background jobs with Ctrl-C ignored, and pytest would inherit that, failing the tests that
    # send themselves a Ctrl-C. Handled here, it is back to the default in each pytest started.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    chosen, total = choose(args)
    equivalent = [m for m in chosen if is_equivalent(m)]
    to_test = [m for m in chosen if not is_equivalent(m)]
    print(f"{len(chosen)} of {total} mutants (seed {args.seed}); {len(equivalent)} of them known to be equivalent")
    if args.list:
        for m in chosen:
            print(f"{m.id:36} line {m.line:4}  {m.change}{'   (equivalent)' if is_equivalent(m) else ''}")
        return 0
    start = time.monotonic()
    results = test_all(to_test, args.jobs, args.verbose)
    return report(results, equivalent, args.min_score, time.monotonic() - start)


def test_all(mutants: list[Mutant], jobs: int, verbose: bool) -> dict[Mutant, str]:
    """Each mutant's outcome, ``jobs`` at a time, each job in its own copy of the repository."""
    results: dict[Mutant, str] = {}
    with tempfile.TemporaryDirectory(prefix="smolml-mutation-") as scratch:
        free: queue.Queue[Path] = queue.Queue()
        for i in range(max(1, jobs)):
            shutil.copytree(ROOT, Path(scratch) / f"tree{i}", ignore=shutil.ignore_patterns(*NOT_COPIED))
            free.put(Path(scratch) / f"tree{i}")
        check_imports(Path(scratch) / "tree0")

        def in_a_copy(task: Callable[[T, Path], R]) -> Callable[[T], R]:
            def run(item: T) -> R:
                tree = free.get()
                try:
                    return task(item, tree)
                finally:
                    free.put(tree)

            return run

        pool = ThreadPoolExecutor(max_workers=max(1, jobs))
        try:
            test_sets = sorted({tests for file in {m.file for m in mutants} for tests in stages(file)})
            timeouts = dict(zip(test_sets, pool.map(in_a_copy(time_limit), test_sets), strict=True))
            tested = pool.map(in_a_copy(lambda mutant, tree: outcome(mutant, tree, timeouts)), mutants)
            for mutant, result in zip(mutants, tested, strict=True):
                results[mutant] = result
                if verbose:
                    print(f"{result:9} {mutant.file}:{mutant.line}  {mutant.change}", flush=True)
                else:
                    print({"killed": ".", "timeout": "T", "survived": "S"}[result], end="", flush=True)
        finally:  # on Ctrl-C, wait for the running mutants only (each puts its file back), not the queued ones
            pool.shutdown(cancel_futures=True)
    return results


def report(results: dict[Mutant, str], equivalent: list[Mutant], min_score: float, seconds: float) -> int:
    """Print the score and every survivor; the exit status: 1 if the score is below ``min_score``."""
    survivors = [m for m, result in results.items() if result == "survived"]
    killed = len(results) - len(survivors)
    timeouts = sum(result == "timeout" for result in results.values())
    score = 100.0 * killed / len(results) if results else 100.0
    print(f"\n\nkilled {killed}/{len(results)} ({score:.1f}%), {timeouts} of them by a time-out, in {seconds:.0f} s")
    if equivalent:
        print(f"{len(equivalent)} more were drawn and set aside as equivalent (nothing observable changes):")
        for m in equivalent:
            print(f"  {m.file}:{m.line}  {m.change}\n      {EQUIVALENT[m.file, m.code, m.change]}")
    if survivors:
        print(f"{len(survivors)} survived:")
        for m in survivors:
            print(f"  {m.file}:{m.line}  {m.change}   [{m.id}]")
    if score < min_score:
        print(f"FAILED: the score {score:.1f}% is below {min_score:g}%")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
