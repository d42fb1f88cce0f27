"""The pictures in docs/graphs.md show what its examples draw today; ``python tests/graph_pictures.py`` redraws them."""

from __future__ import annotations

import re

import pytest

from .docs_examples import ROOT
from .graph_pictures import IMAGES, PICTURES, drawn_texts, stamp


@pytest.fixture(scope="module")
def texts() -> dict[str, str]:
    return drawn_texts()


@pytest.mark.parametrize("name", sorted(PICTURES))
def test_each_picture_was_drawn_from_the_examples_current_text(name: str, texts: dict[str, str]) -> None:
    svg = (IMAGES / f"{name}.svg").read_text(encoding="utf-8")
    assert stamp(texts[name]) in svg, f"docs/images/{name}.svg is out of date: run python tests/graph_pictures.py"


def test_the_page_shows_every_picture() -> None:
    page = (ROOT / "docs" / "graphs.md").read_text(encoding="utf-8")
    # each picture shown and linked to itself, so that a click opens it at full size
    shown = set(re.findall(r"\[!\[[^\]]*\]\(images/([\w-]+)\.svg\)\]\(images/\1\.svg\)", page))
    assert shown == set(PICTURES)
