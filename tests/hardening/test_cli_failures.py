"""Failures that used to end ``smolml`` with a raw traceback: each is now one line on stderr and an exit status."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import smolml_core.persistence
from smolml_core.cli import main
from smolml_core.cli.errors import INTERNAL, INTERRUPTED

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def xor(tmp_path: Path, extra: str = "") -> Path:
    config = tmp_path / "xor.toml"
    config.write_text((EXAMPLES / "xor.toml").read_text().replace("seed = 0", f"seed = 0\n{extra}"))
    return config


def one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def test_a_checkpoint_that_finds_the_disk_full_stops_training_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    real = smolml_core.persistence.write_atomically
    writes: list[Any] = []

    def filling(path: Any, write: Any) -> Any:
        writes.append(path)
        if len(writes) > 1:  # the first checkpoint is written; the disk is full for the second
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(path, write)

    monkeypatch.setattr(smolml_core.persistence, "write_atomically", filling)
    config = xor(tmp_path, "checkpoint_every = 10")
    assert main(["train", str(config), "--quiet"]) == 1
    assert one_line(capsys) == (
        f"smolml: error in {config}: epoch 20: cannot save the checkpoint {str(tmp_path / 'xor.npz')!r}: "
        "No space left on device; it still holds the previous checkpoint. Training stopped: free some space or "
        "choose another path, then resume from the last checkpoint\n"
    )
    assert smolml_core.load_network(tmp_path / "xor.npz").epochs_trained == 10


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"format": "smolml.data", "feature_names": ' + "[" * 5000 + "]" * 5000 + "}", "nest more than"),
        ('{"format": "smolml.data", "format_version": 1, "feature_names": [1' + "0" * 400 + "]}", "too large"),
        ('{"format": "smolml.data", "format_version": 1e999}', "format_version inf"),
        ("\xff", "is not valid JSON"),
    ],
    ids=["deep", "huge", "infinite", "not-json"],
)
def test_a_damaged_data_description_is_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    assert main(["train", str(xor(tmp_path)), "--quiet"]) == 0
    (tmp_path / "xor.data.json").write_text(text)
    (tmp_path / "points.csv").write_text("x1,x2\n0,1\n")
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "xor.npz"), str(tmp_path / "points.csv")]) == 2
    err = one_line(capsys)
    assert err.startswith(f"smolml: error: {str(tmp_path / 'xor.data.json')!r}")
    assert expected in err and err.endswith("or train again to write it anew\n")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_given_as_the_config_is_refused_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "run.toml"
    os.mkfifo(fifo)
    assert main(["train", str(fifo)]) == 2
    assert "is a FIFO (named pipe), not a regular file" in one_line(capsys)


def test_a_nul_byte_in_a_path_in_the_config_is_refused_where_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = xor(tmp_path, 'save = "model\\u0000.npz"')
    assert main(["train", str(config)]) == 2
    assert one_line(capsys) == (
        f"smolml: error: {str(config)!r}: training.save: 'model\\x00.npz' holds a NUL byte, "
        "which no name or file path can\n"
    )


def test_an_exception_no_check_foresaw_is_one_line_saying_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise AttributeError("something nobody expected")

    monkeypatch.setattr("smolml_core.cli.train.load_split_data", broken)
    monkeypatch.delenv("SMOLML_TRACEBACK", raising=False)
    assert main(["train", str(xor(tmp_path))]) == INTERNAL
    err = one_line(capsys)
    assert err.startswith("smolml: internal error: AttributeError: something nobody expected at ")
    assert err.endswith(
        "(in broken); this is a bug in SmolML or in a plugin: run again with SMOLML_TRACEBACK=1 "
        "to see the whole traceback, and report it\n"
    )
    monkeypatch.setenv("SMOLML_TRACEBACK", "1")
    with pytest.raises(AttributeError):
        main(["train", str(xor(tmp_path))])


# A Ctrl-C while the command starts: the child interrupts itself in the middle of importing numpy.
INTERRUPT_WHILE_IMPORTING = """
import os, signal, sys

class Interrupt:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy.linalg":
            os.kill(os.getpid(), signal.SIGINT)
        return None

sys.meta_path.insert(0, Interrupt())
from smolml_command import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT")
def test_ctrl_c_while_the_command_imports_ends_it_cleanly(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", INTERRUPT_WHILE_IMPORTING, "train", str(xor(tmp_path))],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == INTERRUPTED, result.stderr
    assert result.stderr == "\nsmolml: interrupted while starting; nothing was done\n"
    assert not (tmp_path / "xor.npz").exists()


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT")
def test_ctrl_c_at_any_moment_of_the_first_half_second_gives_no_traceback(tmp_path: Path) -> None:
    """Real signals at 10 ms steps, from the moment Python's own start-up (its ``site``) is done."""
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    python_start = time.monotonic() - started
    config = xor(tmp_path)
    code = "import sys; from smolml_command import main; sys.exit(main())"
    for step in range(50):
        process = subprocess.Popen(
            [sys.executable, "-c", code, "train", str(config), "--no-save", "--quiet"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(python_start + 0.01 * step)
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=120)
        assert "Traceback" not in err, err
        assert process.returncode in (INTERRUPTED, -signal.SIGINT, 0), err
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_the_installed_command_starts_through_the_launcher() -> None:
    text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    assert 'smolml = "smolml_command:main"' in text
