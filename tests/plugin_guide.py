"""The example plugin package of docs/plugin-authors.md, written out as files.

Each file of the guide's package is a fenced block announced by a comment
``<!-- file: smolml-softsign/... -->``. ``tests/test_plugin_guide.py`` loads the
written package in the default suite; ``nox -s extras`` installs it with pip
and runs its tests and the test kit on it, as an author following the guide would.

    python tests/plugin_guide.py DEST      # writes DEST/smolml-softsign/...
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

GUIDE = Path(__file__).resolve().parents[1] / "docs" / "plugin-authors.md"
_FILE = re.compile(r"<!--\s*file:\s*(\S+)\s*-->\s*```\w*[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def guide_files() -> dict[str, str]:
    """Each file of the guide's package: its path (under ``smolml-softsign/``) and its text."""
    return {path: text for path, text in _FILE.findall(GUIDE.read_text(encoding="utf-8"))}


def write_guide_plugin(destination: Path) -> Path:
    """Write the package under ``destination``; return the package's folder."""
    for relative, text in guide_files().items():
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return destination / "smolml-softsign"


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: python tests/plugin_guide.py DEST")
    print(write_guide_plugin(Path(sys.argv[1])))
