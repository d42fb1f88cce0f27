"""Reading the runnable examples out of Markdown files."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_NEEDS = re.compile(r"<!--\s*needs:\s*([\w., ]+?)\s*(?:\(.*?\))?\s*-->\s*(```python)", re.DOTALL)
_MARKED = re.compile(r"<!--\s*example:\s*(\w+)\s*-->\s*```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def python_blocks(path: Path) -> list[tuple[int, str]]:
    """Each ```python block of ``path`` with the line it starts on."""
    text = path.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in _BLOCK.finditer(text)]


def marked_example(path: Path, name: str) -> str:
    """The ```python block announced by ``<!-- example: name -->``."""
    for match in _MARKED.finditer(path.read_text(encoding="utf-8")):
        if match.group(1) == name:
            return match.group(2)
    raise LookupError(f"{path.name} has no block marked <!-- example: {name} -->")


def needed_modules(path: Path) -> dict[int, list[str]]:
    """The modules each ```python block announced by ``<!-- needs: dask, distributed -->`` needs, by its line.

    Such a block runs only where those modules are installed (an optional
    dependency's own nox session); the line is the block's, as ``python_blocks`` gives it.
    """
    text = path.read_text(encoding="utf-8")
    return {
        text.count("\n", 0, m.start(2)) + 1: [name for name in re.split(r"[,\s]+", m.group(1)) if name]
        for m in _NEEDS.finditer(text)
    }
