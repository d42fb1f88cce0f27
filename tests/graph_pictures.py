"""Draw the pictures of docs/graphs.md from its own examples: ``python tests/graph_pictures.py``.

The page's Python blocks run in order (as the docs tests run them); the DOT text its examples
make, ``text`` for the neuron and ``network_text`` for the tiny network, is drawn by
Graphviz's ``dot`` as ``docs/images/NAME.svg``, which records the SHA-256 of the text it was
drawn from. ``tests/test_graph_pictures.py`` fails when a picture
no longer matches what the examples draw; run this script again (it needs Graphviz) to update.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
PICTURES = {"neuron": "text", "tiny-network": "network_text"}  # picture name -> variable of graphs.md


def drawn_texts() -> dict[str, str]:
    """The DOT text of each picture, made by running docs/graphs.md's examples."""
    sys.path.insert(0, str(ROOT))
    from tests.docs_examples import python_blocks

    namespace: dict = {"__name__": "docs_graphs"}
    cwd = Path.cwd()
    os.chdir(ROOT)
    try:
        for line, source in python_blocks(ROOT / "docs" / "graphs.md"):
            exec(compile(source, f"graphs.md:{line}", "exec"), namespace)
    finally:
        os.chdir(cwd)
    return {name: namespace[variable] for name, variable in PICTURES.items()}


def stamp(text: str) -> str:
    """The comment an SVG carries to say which DOT text it was drawn from."""
    return f"<!-- drawn from DOT text sha256 {hashlib.sha256(text.encode()).hexdigest()} -->"


def main() -> None:
    for name, text in drawn_texts().items():
        svg = subprocess.run(["dot", "-Tsvg"], input=text, capture_output=True, text=True, check=True).stdout
        svg = svg.replace("<svg ", stamp(text) + "\n<svg ", 1)
        (IMAGES / f"{name}.svg").write_text(svg, encoding="utf-8")
        print(f"docs/images/{name}.svg")


if __name__ == "__main__":
    main()
