"""Outputs onto something that is not a regular file: a model refuses it, a prediction or a picture streams into it.

A model is saved by renaming a finished temporary file over its target,
which would replace a device or a FIFO with a regular file; so saving one
there is a ``ModelFileError`` naming the path, raised before any work (and
before a training run that would end in it). Outputs meant to be read as a
stream (predictions, a plot, a drawing) are written through a FIFO or a
device. FIFOs stand in for devices here: a test that fails must not be able
to replace ``/dev/null``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from smolml_core import Checkpoint, ModelFileError, Value, build_network
from smolml_core.cli import main
from smolml_core.nn.saving import check_save_path
from smolml_core.persistence import save_network

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _network():
    return build_network({"layers": [{"type": "dense", "input_size": 2, "output_size": 1}], "loss_function": "mse"})


def _fifo(tmp_path: Path, name: str = "pipe") -> Path:
    path = tmp_path / name
    os.mkfifo(path)
    return path


class _Reader:
    """Reads a FIFO to its end in a thread, as the program at the other end of a pipe would."""

    def __init__(self, path: Path) -> None:
        self.data = b""
        self._thread = threading.Thread(target=self._read, args=(path,), daemon=True)
        self._thread.start()

    def _read(self, path: Path) -> None:
        with open(path, "rb") as file:
            self.data = file.read()

    def result(self) -> bytes:
        self._thread.join(timeout=30)
        assert not self._thread.is_alive(), "the writer never closed the FIFO"
        return self.data


def test_check_save_path_names_what_the_path_is(tmp_path) -> None:
    """Only checks: nothing is written, so even a real device is safe to name here."""
    with pytest.raises(ModelFileError) as caught:
        check_save_path("/dev/null")
    assert str(caught.value).startswith("cannot save a network to '/dev/null': it is a device, not a regular file.")
    with pytest.raises(ModelFileError, match="it is a folder"):
        check_save_path(tmp_path)
    check_save_path(tmp_path / "new.npz")  # a file that does not exist yet is fine


@pytest.mark.parametrize("save", [lambda network, path: network.save(path), save_network])
def test_saving_a_network_onto_a_fifo_is_refused_and_leaves_it_a_fifo(tmp_path, save) -> None:
    fifo = _fifo(tmp_path)
    with pytest.raises(ModelFileError) as caught:
        save(_network(), fifo)
    assert str(caught.value).startswith(f"cannot save a network to {str(fifo)!r}: it is a FIFO (named pipe)")
    assert fifo.is_fifo() and sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]  # no temporary file left


def test_a_checkpoint_onto_a_fifo_is_refused_before_training(tmp_path) -> None:
    with pytest.raises(ModelFileError, match="it is a FIFO"):
        Checkpoint(_fifo(tmp_path), every=1)
    with pytest.raises(ModelFileError, match="it is a folder"):
        Checkpoint(tmp_path / "every-{epoch}.npz", best_path=tmp_path)


def test_smolml_train_refuses_to_save_onto_a_fifo_before_training(tmp_path, capsys) -> None:
    fifo = _fifo(tmp_path)
    assert main(["train", str(EXAMPLES / "xor.toml"), "--quiet", "--save", str(fifo)]) == 2
    out, err = capsys.readouterr()
    assert out == ""  # refused before training: no metrics were printed
    assert err.startswith(f"smolml: error: cannot save a network to {str(fifo)!r}: it is a FIFO (named pipe)")
    assert fifo.is_fifo()


def test_predictions_stream_into_a_fifo(tmp_path, capsys) -> None:
    model = _network().save(tmp_path / "model.npz")
    rows = tmp_path / "rows.csv"
    rows.write_text("a,b\n1,2\n3,4\n")
    fifo = _fifo(tmp_path, "out.csv")
    reader = _Reader(fifo)
    assert main(["predict", str(model), str(rows), "-o", str(fifo)]) == 0
    lines = reader.result().decode().splitlines()
    assert lines[0] == "prediction" and len(lines) == 3
    assert capsys.readouterr().out == ""  # no note: the stream may well be this very output
    assert fifo.is_fifo()


def test_a_drawing_streams_into_a_fifo(tmp_path) -> None:
    from smolml_core.drawing import write_dot

    fifo = _fifo(tmp_path, "graph.dot")
    reader = _Reader(fifo)
    x = Value(2.0)
    write_dot(x * x, fifo)
    assert "digraph smolml {" in reader.result().decode()
    assert fifo.is_fifo()


def test_a_plot_streams_into_a_fifo_and_refuses_a_folder(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    from smolml_core.errors import ConfigError
    from smolml_core.plotting import check_plot_path, plot_training

    fifo = _fifo(tmp_path, "curves.svg")
    reader = _Reader(fifo)
    plot_training(fifo, {"loss": [1.0, 0.5, 0.25]})
    assert b"<svg" in reader.result()
    assert fifo.is_fifo()
    (tmp_path / "folder.png").mkdir()
    with pytest.raises(ConfigError, match="it is a folder"):
        check_plot_path(tmp_path / "folder.png")
