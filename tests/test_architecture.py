"""The core's shape, held by a test: no import cycle of more than three modules, no function over 80 lines.

The import graph counts every import statement of ``smolml_core``, those inside
functions too (a lazy import is still a dependency), but not those under
``if TYPE_CHECKING:``, which never run. ``from . import x`` depends on the package
as well as on ``x``, as ``from package import name`` does. A cycle is a strongly
connected group of modules; a group of more than three, or a function longer
than 80 lines, fails unless it is listed below as known.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LARGEST_CYCLE = 3
LONGEST_FUNCTION = 80


def modules(root: Path) -> dict[str, Path]:
    """Every module under ``root`` (a package directory) by dotted name; a package by its own name."""
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node of ``tree`` except what sits under ``if TYPE_CHECKING:``."""
    pending = [tree]
    while pending:
        node = pending.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                pending.extend(child.orelse)
            else:
                pending.append(child)


def import_graph(root: Path) -> dict[str, set[str]]:
    """Which modules of the package at ``root`` each of its modules imports, anywhere in its code."""
    found = modules(root)
    graph: dict[str, set[str]] = {name: set() for name in found}
    for name, path in found.items():
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package[: len(package) - node.level + 1] + ([node.module] if node.module else []))
                targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
            graph[name].update(t for t in targets if t in found and t != name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[frozenset[str]]:
    """The groups of two or more modules that import each other, directly or around a loop (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[frozenset[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph[module]):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(frozenset(group))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    return groups


def long_functions(root: Path, limit: int = LONGEST_FUNCTION) -> dict[tuple[str, str], int]:
    """``(module, function name)``: its length in lines, for every function longer than ``limit``."""
    found = {}
    for name, path in modules(root).items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno is not None:
                length = node.end_lineno - node.lineno + 1
                if length > limit:
                    found[(name, node.name)] = length
    return found


# -- the core -----------------------------------------------------------------------------


def test_no_import_cycle_of_more_than_three_modules() -> None:
    large = [sorted(group) for group in cycles(import_graph(ROOT / "smolml_core")) if len(group) > LARGEST_CYCLE]
    assert not large, f"import cycles of more than {LARGEST_CYCLE} modules: {large}"


def test_no_function_longer_than_80_lines() -> None:
    found = long_functions(ROOT / "smolml_core")
    assert not found, f"functions longer than {LONGEST_FUNCTION} lines: {found}"


# -- the checks themselves, on a package made for them ----------------------------------------


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


def test_a_lazy_import_closes_a_cycle_and_a_type_checking_import_does_not(tmp_path: Path) -> None:
    package = write(
        tmp_path,
        {
            "__init__.py": "from .a import A\n",
            "a.py": "from .b import B\nA = 1\n",
            "b.py": "def f():\n    from .c import C\n    return C\nB = 1\n",
            "c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .d import D\nC = 1\n",
            "d.py": "from . import a\nD = 1\n",
        },
    )
    graph = import_graph(package)
    assert graph["pkg.b"] == {"pkg.c"}  # inside a function: counted
    assert graph["pkg.c"] == set()  # under TYPE_CHECKING: not counted
    assert graph["pkg.d"] == {"pkg", "pkg.a"}  # ``from . import a`` needs the package too
    assert cycles(graph) == []  # c does not import d at run time, so nothing closes the loop

    (package / "c.py").write_text("def g():\n    from .d import D\n    return D\n", encoding="utf-8")
    assert cycles(import_graph(package)) == [frozenset({"pkg", "pkg.a", "pkg.b", "pkg.c", "pkg.d"})]


def test_a_long_function_is_found(tmp_path: Path) -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(LONGEST_FUNCTION))
    package = write(tmp_path, {"__init__.py": "", "m.py": f"def short():\n    pass\n\n\ndef long():\n{body}"})
    assert long_functions(package) == {("pkg.m", "long"): LONGEST_FUNCTION + 1}
