"""Every Python example in the README and docs runs, in order, one namespace per file."""

from __future__ import annotations

import pytest

from .docs_examples import DOC_FILES, ROOT, python_blocks


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: p.name)
def test_examples_run(path, monkeypatch, capsys) -> None:
    blocks = python_blocks(path)
    if path.name != "index.md":
        assert blocks, f"{path.name} has no runnable example"
    monkeypatch.chdir(ROOT)
    namespace: dict = {"__name__": f"docs_{path.stem}"}
    for line, source in blocks:
        code = compile(source, f"{path.name}:{line}", "exec")
        exec(code, namespace)
