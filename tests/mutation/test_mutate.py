"""The mutation session's mutator: which mutants it makes, and that each is one change to a program that still runs."""

from __future__ import annotations

import ast
import random

import pytest
from mutate import ROOT, TARGETS, mutants_of, mutated, stages

EXAMPLE = '''\
def f(x: int = 1, flag: bool = True) -> float | None:
    """A docstring: never mutated."""
    if x < 0 and flag:
        return -x
    return x * 2 if x != 3 else f"{x + 1}"
'''


def test_the_operators_on_a_small_function() -> None:
    changes = [m.change.split("  in  ")[0] for m in mutants_of("example.py", EXAMPLE)]
    assert changes == [
        "1  ->  0",  # the defaults
        "1  ->  2",
        "True  ->  False",
        "x < 0 and flag  ->  x < 0 or flag",
        "x < 0  ->  x <= 0",
        "0  ->  1",
        "return -x  ->  return None",
        "-x  ->  x",
        'return x * 2 if x != 3 else f"{x + 1}"  ->  return None',
        "x != 3  ->  x == 3",
        "3  ->  4",
        "x * 2  ->  x / 2",
        "2  ->  3",
    ]  # the annotations, the docstring and the f-string's insides are left alone


def test_a_mutant_changes_one_thing_and_keeps_the_rest() -> None:
    source = mutated(EXAMPLE, 4)  # x < 0 -> x <= 0
    namespace: dict = {}
    exec(compile(source, "example.py", "exec"), namespace)
    assert (namespace["f"](-2), namespace["f"](3), namespace["f"](5)) == (2, "4", 10)
    assert "x <= 0 and flag" in source and '"""A docstring: never mutated."""' in source
    with pytest.raises(IndexError):
        mutated(EXAMPLE, 13)


@pytest.mark.parametrize("file", sorted(TARGETS))
def test_mutants_of_the_targets_compile_and_differ(file: str) -> None:
    source = (ROOT / file).read_text(encoding="utf-8")
    original = ast.dump(ast.parse(source))
    mutants = mutants_of(file, source)
    for mutant in random.Random(0).sample(mutants, 12):
        tree = ast.parse(mutated(source, mutant.number))
        assert ast.dump(tree) != original, mutant
        compile(tree, file, "exec")


def test_every_target_has_stages_of_existing_tests() -> None:
    for file in TARGETS:
        found = stages(file)
        assert found and all(found), file
        assert all((ROOT / test).is_file() for stage in found for test in stage)
