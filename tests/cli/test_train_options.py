"""smolml train's options and config keys for a second day: --json, --resume, -p, callbacks, --version."""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from smolml_core import load_network, scoped_registry
from smolml_core.cli import main

from ..test_cli import _example

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def moons(folder: Path, callbacks: str | None = None, **training: object) -> Path:
    """examples/moons.toml (mini-batches, Adam, validation rows) in ``folder``, [training] keys replaced or added."""
    folder.mkdir(exist_ok=True)
    config = _example(folder, "moons.toml", **training)
    if callbacks is not None:  # written as TOML, as a user would
        config.write_text(config.read_text().replace("[training]\n", f"[training]\ncallbacks = {callbacks}\n"))
    return config


def run_json(capsys, *argv: str) -> dict:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def test_version(capsys) -> None:
    from smolml_core import __version__

    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out == f"smolml {__version__}\n"


def test_train_json_gives_the_final_metrics_and_the_files_written(tmp_path, capsys) -> None:
    config = moons(tmp_path, epochs=5)
    report = run_json(capsys, "train", str(config), "--json")
    assert report["format"] == 1 and report["command"] == "train" and report["resumed_from"] is None
    assert report["epochs"] == report["epochs_trained"] == 5 and report["interrupted"] is False
    assert set(report["metrics"]) == {"train", "validation", "test"}
    assert set(report["metrics"]["test"]) == {"loss", "accuracy"} and 0 <= report["metrics"]["test"]["accuracy"] <= 1
    assert report["files"] == {
        "model": str(tmp_path / "moons.npz"),
        "data_description": str(tmp_path / "moons.data.json"),
        "plot": None,
    }
    assert load_network(report["files"]["model"]).epochs_trained == 5
    # the validation row measures the very rows and weights of the last epoch's val_loss
    assert report["metrics"]["validation"]["loss"] == report["last_epoch"]["val_loss"]
    assert report["metrics"]["validation"]["accuracy"] == report["last_epoch"]["val_accuracy"]


def test_the_table_reports_the_rows_the_epochs_do_and_fractions(tmp_path, capsys) -> None:
    config = moons(tmp_path, epochs=5, print_every=1)
    assert main(["train", str(config), "--no-save"]) == 0
    out = capsys.readouterr().out
    last_epoch = re.findall(r"(?m)^Epoch 5/5, .*val_loss: (\S+), val_accuracy: (\S+)$", out)[0]
    table = out.split("Final metrics:\n")[1].splitlines()
    assert table[0].split() == ["loss", "accuracy"]
    assert [row.split()[0] for row in table[1:4]] == ["train", "validation", "test"]
    assert table[2].split()[1:] == list(last_epoch)  # the same numbers, written the same way


def test_evaluate_json_and_its_rows_match_train(tmp_path, capsys) -> None:
    config = moons(tmp_path, epochs=5)
    trained = run_json(capsys, "train", str(config), "--json")
    evaluated = run_json(capsys, "evaluate", trained["files"]["model"], str(config), "--json")
    assert evaluated["format"] == 1 and evaluated["command"] == "evaluate" and evaluated["files"] == {}
    assert evaluated["metrics"] == trained["metrics"]


def test_resume_continues_bit_for_bit(tmp_path, capsys) -> None:
    """2 epochs, then 2 more with --resume, equal 4 epochs without stopping: weights, Adam's state, shuffles."""
    two = moons(tmp_path / "two", epochs=2)
    four = moons(tmp_path / "four", epochs=4)
    assert main(["train", str(two), "--quiet"]) == 0
    capsys.readouterr()
    resumed = run_json(
        capsys,
        "train",
        str(two),
        "--resume",
        str(tmp_path / "two" / "moons.npz"),
        "--save",
        str(tmp_path / "r.npz"),
        "--json",
    )
    straight = run_json(capsys, "train", str(four), "--json")
    assert resumed["resumed_from"] == str(tmp_path / "two" / "moons.npz")
    assert resumed["epochs"] == 2 and resumed["epochs_trained"] == straight["epochs_trained"] == 4
    assert resumed["metrics"] == straight["metrics"]
    a, b = np.load(tmp_path / "r.npz", allow_pickle=False), np.load(tmp_path / "four" / "moons.npz", allow_pickle=False)
    assert sorted(a.files) == sorted(b.files)
    for key in a.files:
        assert np.array_equal(a[key], b[key]), key


def test_resume_refuses_a_config_describing_another_network(tmp_path, capsys) -> None:
    config = moons(tmp_path, epochs=2)
    assert main(["train", str(config), "--quiet"]) == 0
    capsys.readouterr()
    config.write_text(config.read_text().replace("learning_rate = 0.01", "learning_rate = 0.1"))
    assert main(["train", str(config), "--resume", str(tmp_path / "moons.npz")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"smolml: error in {config}: network.optimizer: differs from the network saved in ")
    assert "--resume goes on training the saved network" in err


def test_callbacks_from_the_config(tmp_path, capsys) -> None:
    log = tmp_path / "log.csv"
    config = moons(tmp_path, epochs=3, callbacks=f'[{{ type = "csv_logger", path = "{log}" }}]')
    assert main(["train", str(config), "--quiet", "--no-save"]) == 0
    rows = list(csv.DictReader(log.open()))
    assert [row["epoch"] for row in rows] == ["1", "2", "3"] and "val_loss" in rows[0]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('["csv_loger"]', "training.callbacks[0]: unknown callback 'csv_loger' (did you mean 'csv_logger'?)"),
        ("[3]", 'training.callbacks[0]: must be a callback name or a table such as { type = "csv_logger"'),
        ('[{ type = "csv_logger", paht = "x.csv" }]', "training.callbacks[0]"),
        ('"os.system"', "training.callbacks: unknown callback 'os.system'"),
    ],
)
def test_wrong_callbacks_are_refused_before_training(tmp_path, capsys, value: str, message: str) -> None:
    config = moons(tmp_path, callbacks=value)
    assert main(["train", str(config), "--no-save"]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Epoch" not in captured.out


LAYERS_SCRIPT = '''
from smolml_core import Layer, MLArray, register


class Scale(Layer):
    """y = X * factor, a constant factor."""

    def __init__(self, factor=2.0):
        self.factor = factor

    def forward(self, X):
        return X * self.factor


register("layer", "scale", Scale)
'''


def with_scale_layer(tmp_path: Path) -> Path:
    config = moons(tmp_path, epochs=2)
    text = config.read_text().replace(
        '[[network.layers]]\ntype = "dense"\ninput_size = 16',
        '[[network.layers]]\ntype = "scale"\nfactor = 0.5\n\n[[network.layers]]\ntype = "dense"\ninput_size = 16',
    )
    config.write_text(text)
    return config


def test_p_imports_a_script_that_registers_components(tmp_path, capsys) -> None:
    (tmp_path / "my_layers.py").write_text(LAYERS_SCRIPT)
    config = with_scale_layer(tmp_path)
    assert main(["train", str(config), "-p", str(tmp_path / "my_layers.py"), "--quiet"]) == 0
    assert "scale" in str(load_network(tmp_path / "moons.npz").to_config()["layers"][1])


def test_p_imports_a_module_by_name(tmp_path, capsys, monkeypatch) -> None:
    (tmp_path / "scaling_layers.py").write_text(LAYERS_SCRIPT)
    monkeypatch.syspath_prepend(str(tmp_path))
    config = with_scale_layer(tmp_path)
    assert main(["train", str(config), "-p", "scaling_layers", "--quiet", "--no-save"]) == 0


def test_an_unknown_layer_mentions_p(tmp_path, capsys) -> None:
    config = with_scale_layer(tmp_path)
    assert main(["train", str(config)]) == 2
    err = capsys.readouterr().err
    assert "network.layers[1]: unknown layer 'scale'" in err
    assert "is loaded with -p: smolml train CONFIG -p my_components.py (or -p a.module.name)" in err


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("missing.py", "smolml: error: -p missing.py: there is no such file; give a Python file or a module name\n"),
        ("no_such_module_here", "smolml: error: -p no_such_module_here: no module named 'no_such_module_here'"),
    ],
)
def test_p_that_cannot_be_imported(tmp_path, capsys, monkeypatch, spec: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["train", str(moons(tmp_path)), "-p", spec]) == 2
    assert capsys.readouterr().err.startswith(message)


def test_p_whose_code_raises(tmp_path, capsys) -> None:
    (tmp_path / "broken.py").write_text("raise RuntimeError('half written')\n")
    assert main(["train", str(moons(tmp_path)), "-p", str(tmp_path / "broken.py")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"smolml: error: -p {tmp_path / 'broken.py'}: importing it raised RuntimeError: half written")


def test_predict_into_a_reader_that_goes_away_exits_141(tmp_path, capsys) -> None:
    """``smolml predict ... | head -1``: status 141 and no traceback, as for train."""
    assert main(["train", str(moons(tmp_path, epochs=1)), "--quiet"]) == 0
    rows = tmp_path / "rows.csv"
    points = np.random.default_rng(0).normal(size=(40_000, 2))  # far more output than a pipe holds
    rows.write_text("x1,x2\n" + "\n".join(f"{a},{b}" for a, b in points) + "\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "smolml_core.cli", "predict", str(tmp_path / "moons.npz"), str(rows)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline().decode() == "prediction,probability_0,probability_1\n"
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert "Traceback" not in errors


def test_evaluate_and_predict_take_p_for_a_model_of_such_components(tmp_path, capsys) -> None:
    (tmp_path / "my_layers.py").write_text(LAYERS_SCRIPT)
    config = with_scale_layer(tmp_path)
    with scoped_registry():  # as in a process of its own: what -p registered is gone afterwards
        assert main(["train", str(config), "-p", str(tmp_path / "my_layers.py"), "--quiet"]) == 0
    rows = tmp_path / "rows.csv"
    rows.write_text("x1,x2\n0.5,-0.25\n")
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "moons.npz"), str(rows)]) == 2
    assert "the smolml command does it with -p FILE.py" in capsys.readouterr().err
    assert main(["predict", str(tmp_path / "moons.npz"), str(rows), "-p", str(tmp_path / "my_layers.py")]) == 0
    assert capsys.readouterr().out.startswith("prediction,probability_0,probability_1\n")
    layers = ["-p", str(tmp_path / "my_layers.py")]
    assert run_json(capsys, "evaluate", str(tmp_path / "moons.npz"), str(config), "--json", *layers)["metrics"]
