"""The acceptance figure of the README: the example digits CNN, trained as ``smolml train`` trains it."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from smolml_core.cli import main

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


@pytest.mark.slow
def test_the_digits_cnn_reaches_98_percent_on_held_out_images_in_under_a_minute(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(EXAMPLES / "digits_cnn.toml", tmp_path / "digits_cnn.toml")
    started = time.perf_counter()
    assert main(["train", str(tmp_path / "digits_cnn.toml"), "--no-save"]) == 0
    seconds = time.perf_counter() - started
    out = capsys.readouterr().out
    found = re.search(r"(?m)^test +\S+ +([01]\.\d+)$", out)  # an accuracy is a fraction, as in the epoch lines
    assert found, out
    accuracy = float(found.group(1))
    print(f"digits_cnn: {accuracy:.1%} test accuracy in {seconds:.1f} s")
    assert accuracy >= 0.98
    assert seconds < 60
