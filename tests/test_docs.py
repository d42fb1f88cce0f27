"""Every Python example in the README and docs runs, in order, one namespace per file.

An example announced by ``<!-- needs: dask, distributed -->`` runs where those
modules are installed; elsewhere the others run and the test says which was left out.
"""

from __future__ import annotations

import importlib.util

import pytest

from .docs_examples import DOC_FILES, ROOT, needed_modules, python_blocks


@pytest.mark.parametrize("path", DOC_FILES, ids=lambda p: p.name)
def test_examples_run(path, monkeypatch, capsys) -> None:
    blocks = python_blocks(path)
    if path.name != "index.md":
        assert blocks, f"{path.name} has no runnable example"
    monkeypatch.chdir(ROOT)
    namespace: dict = {"__name__": f"docs_{path.stem}"}
    needs = needed_modules(path)
    left: list[str] = []
    for line, source in blocks:
        missing = [name for name in needs.get(line, []) if importlib.util.find_spec(name) is None]
        if missing:  # an optional dependency's example: its own nox session installs what it needs
            left.append(f"line {line} (needs {', '.join(missing)})")
            continue
        code = compile(source, f"{path.name}:{line}", "exec")
        exec(code, namespace)
    if left:
        pytest.skip(f"ran {len(blocks) - len(left)} of {len(blocks)} examples; not installed here: {'; '.join(left)}")


def test_an_example_may_name_the_modules_it_needs(tmp_path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n```python\nx = 1\n```\n\n"
        "<!-- needs: dask, distributed (a cluster) -->\n```python\nimport dask\n```\n",
        encoding="utf-8",
    )
    assert [line for line, _ in python_blocks(page)] == [3, 8]
    assert needed_modules(page) == {8: ["dask", "distributed"]}
