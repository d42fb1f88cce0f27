"""The smolml command: train from a config file, save, draw, and readable errors."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from smolml_core import load_network
from smolml_core.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _example(tmp_path: Path, name: str, **training: object) -> Path:
    """A copy of examples/<name> in tmp_path (so the default save path lands there), [training] keys replaced."""
    text = (EXAMPLES / name).read_text()
    for key, value in training.items():
        line = f"{key} = {_toml(value)}"
        text, found = re.subn(rf"(?m)^{key} = .*$", line, text)
        if not found:
            text = text.replace("[training]\n", f"[training]\n{line}\n")
    config = tmp_path / name
    config.write_text(text)
    return config


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value)


def _metrics(out: str) -> dict[str, dict[str, str]]:
    """The final metrics table, as {split: {column: text}}."""
    lines = out.split("Final metrics:\n")[1].splitlines()
    columns = lines[0].split()
    rows = {}
    for line in lines[1:]:
        if not line.startswith(("train", "validation", "test")):
            break
        split, *values = line.split()
        rows[split] = dict(zip(columns, values, strict=True))
    return rows


def test_train_moons_example(tmp_path, capsys) -> None:
    config = _example(tmp_path, "moons.toml")
    assert main(["train", str(config)]) == 0
    out = capsys.readouterr().out
    assert "NeuralNetwork with 3 layers" in out
    metrics = _metrics(out)
    assert set(metrics) == {"train", "validation", "test"} and set(metrics["test"]) == {"loss", "accuracy"}
    assert float(metrics["test"]["accuracy"]) >= 0.9
    saved = tmp_path / "moons.npz"  # the default: beside the config, named after it
    assert out.rstrip().endswith(f"Saved the model to {saved}")
    assert load_network(saved).epochs_trained > 0


def test_quiet_prints_only_the_final_metrics(tmp_path, capsys) -> None:
    config = _example(tmp_path, "xor.toml")
    assert main(["train", str(config), "--quiet", "--no-save"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "Final metrics:"
    assert _metrics(out)["train"]["accuracy"] == "1.000000"
    assert not list(tmp_path.glob("*.npz"))


def test_save_paths(tmp_path, capsys) -> None:
    config = _example(tmp_path, "xor.toml", save="runs/xor-model.npz")
    assert main(["train", str(config), "--quiet"]) == 0
    assert (tmp_path / "runs" / "xor-model.npz").exists()  # training.save, relative to the config's folder
    assert main(["train", str(config), "--quiet", "--save", str(tmp_path / "cli.npz")]) == 0
    assert (tmp_path / "cli.npz").exists()  # --save wins
    capsys.readouterr()


def test_the_same_seed_gives_the_same_weights_bit_for_bit(tmp_path, capsys) -> None:
    config = _example(tmp_path, "moons.toml", batch_size=8, epochs=5, shuffle=True)
    arrays = []
    for run in ("a", "b"):
        assert main(["train", str(config), "--quiet", "--save", str(tmp_path / f"{run}.npz")]) == 0
        with np.load(tmp_path / f"{run}.npz") as archive:
            arrays.append({name: archive[name] for name in archive.files if name != "meta"})
    capsys.readouterr()
    assert arrays[0].keys() == arrays[1].keys() and arrays[0]
    for name in arrays[0]:
        assert arrays[0][name].tobytes() == arrays[1][name].tobytes(), name
    other = _example(tmp_path, "moons.toml", batch_size=8, epochs=5, seed=1)
    assert main(["train", str(other), "--quiet", "--save", str(tmp_path / "c.npz")]) == 0
    with np.load(tmp_path / "c.npz") as archive:
        assert not np.array_equal(archive["layers.0.weights"], arrays[0]["layers.0.weights"])


def test_plot_shows_curves_and_the_decision_boundary(tmp_path, capsys) -> None:
    pytest.importorskip("matplotlib")
    config = _example(tmp_path, "moons.toml", epochs=5)
    plot = tmp_path / "pictures" / "moons.png"
    assert main(["train", str(config), "--quiet", "--plot", str(plot)]) == 0
    assert capsys.readouterr().out.rstrip().endswith(f"Wrote the plot to {plot}")
    assert plot.read_bytes().startswith(PNG_MAGIC)


def test_a_network_that_does_not_fit_the_data_says_which_number_to_write(tmp_path, capsys) -> None:
    config = tmp_path / "iris.toml"
    config.write_text((EXAMPLES / "iris.toml").read_text().replace("input_size = 4", "input_size = 2"))
    assert main(["train", str(config), "--no-save"]) == 2
    assert capsys.readouterr().err == (
        f"smolml: error in {config}: network.layers[0].input_size: is 2, but the data has 4 features per sample; "
        "set input_size = 4\n"
    )
    config.write_text((EXAMPLES / "iris.toml").read_text().replace("output_size = 3", "output_size = 1"))
    assert main(["train", str(config), "--no-save"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"smolml: error in {config}: network.layers[2].output_size: is 1, but the data has 3 ")
    assert err.endswith("; set output_size = 3\n")


def test_input_size_may_be_left_out_the_data_gives_the_first(tmp_path) -> None:
    written = _example(tmp_path, "iris.toml", epochs=2)
    left_out = tmp_path / "left_out.toml"
    left_out.write_text(re.sub(r"(?m)^input_size = .*\n", "", written.read_text()))
    assert "input_size" not in left_out.read_text()
    for config in (written, left_out):
        assert main(["train", str(config), "--quiet"]) == 0
    trained = load_network(left_out.with_suffix(".npz"))
    assert [layer["input_size"] for layer in trained.to_config()["layers"]] == [4, 16, 8]
    expected = load_network(written.with_suffix(".npz"))
    assert all(np.array_equal(a, b) for a, b in zip(expected.get_weights(), trained.get_weights(), strict=True))


def test_layers_that_do_not_fit_each_other_are_refused_with_the_file_and_the_fix(tmp_path, capsys) -> None:
    config = tmp_path / "iris.toml"
    config.write_text((EXAMPLES / "iris.toml").read_text().replace("input_size = 16", "input_size = 8"))
    assert main(["train", str(config), "--no-save"]) == 2
    assert capsys.readouterr() == (
        "",
        f"smolml: error in {config}: network.layers[1].input_size: is 8, but layer 0 outputs 16; set input_size = 16\n",
    )


def test_data_mistakes_name_the_key(tmp_path, capsys) -> None:
    config = tmp_path / "bad.toml"
    config.write_text((EXAMPLES / "xor.toml").read_text().replace('name = "xor"', 'name = "xro"'))
    assert main(["train", str(config), "--no-save"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"smolml: error in {config}: data.name: unknown dataset 'xro' (did you mean 'xor'?)")
    assert err.count("\n") == 1


def test_a_loss_that_stops_being_finite_exits_with_status_1(tmp_path, capsys) -> None:
    config = tmp_path / "explode.toml"
    config.write_text(
        '[network]\nloss_function = "mse"\noptimizer = { type = "sgd", learning_rate = 1e300 }\n'
        '[[network.layers]]\ntype = "dense"\ninput_size = 2\noutput_size = 1\n'
        '[data]\nname = "xor"\ntest_size = 0\n'
    )
    with np.errstate(all="ignore"):
        assert main(["train", str(config), "--no-save"]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"smolml: error in {config}: epoch ") and "the loss became" in err


def test_config_errors_are_one_readable_line(tmp_path, capsys) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(
        '[network]\nloss_function = "mse"\n[[network.layers]]\ntype = "dense"\ninput_size = 2\n'
        'output_size = 1\nactivation_function = "sigmoidd"\n[data]\nname = "xor"\n'
    )
    assert main(["train", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"smolml: error in {config}: network.layers[0].activation_function: unknown activation 'sigmoidd' "
        "(did you mean 'sigmoid'?)"
    )
    assert err.count("\n") == 1


def test_installed_command_runs(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "smolml_core.cli", "train", str(EXAMPLES / "xor.toml"), "--no-save"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"(?m)^train +\S+ +1\.000000$", result.stdout)


def test_the_scalar_engine_example_prints_the_array_engines_losses(capsys) -> None:
    """examples/xor_scalar.toml differs from xor.toml only in its engine, so the printed losses match."""
    outputs = []
    for name in ("xor.toml", "xor_scalar.toml"):
        assert main(["train", str(EXAMPLES / name), "--no-save"]) == 0
        outputs.append([line for line in capsys.readouterr().out.splitlines() if line.startswith("Epoch")])
    assert outputs[0] == outputs[1] and len(outputs[0]) == 4


@pytest.mark.skipif(sys.platform == "win32", reason="sends SIGINT")
def test_ctrl_c_stops_after_the_epoch_and_saves_it(tmp_path) -> None:
    config = _example(tmp_path, "moons.toml", epochs=1_000_000, print_every=1)
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "smolml_core.cli", "train", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("Epoch 3/"):
            break
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    interrupted = re.search(r"interrupted after epoch (\d+)/", err)
    assert interrupted, err
    saved = load_network(tmp_path / "moons.npz")
    assert saved.epochs_trained == int(interrupted.group(1)) >= 3
    assert "Final metrics:" in out and out.rstrip().endswith(f"Saved the model to {tmp_path / 'moons.npz'}")


@pytest.mark.slow
def test_digits_reaches_95_percent_on_held_out_test_images(tmp_path, capsys) -> None:
    shutil.copy(EXAMPLES / "digits.toml", tmp_path / "digits.toml")
    started = time.perf_counter()
    assert main(["train", str(tmp_path / "digits.toml"), "--quiet"]) == 0
    seconds = time.perf_counter() - started
    out = capsys.readouterr().out
    accuracy = float(_metrics(out)["test"]["accuracy"])
    print(f"digits: {accuracy:.1%} test accuracy in {seconds:.1f} s")
    assert accuracy >= 0.95


@pytest.mark.slow
def test_the_residual_digits_network_does_as_well_as_the_plain_one(tmp_path, capsys) -> None:
    accuracies = {}
    for name in ("digits.toml", "digits_residual.toml"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
        assert main(["train", str(tmp_path / name), "--no-save"]) == 0
        out = capsys.readouterr().out
        accuracies[name] = float(_metrics(out)["test"]["accuracy"])
    assert re.search(r"(?m)^1  Residual .*\n {5}layer: Sequential .*\n {7}layers\.0: DenseLayer", out), out
    print(f"test accuracy: {accuracies}")
    assert accuracies["digits_residual.toml"] >= accuracies["digits.toml"]


def test_the_tutorial_shows_the_moons_example_as_it_is() -> None:
    tutorial = (ROOT / "docs" / "tutorial.md").read_text()
    assert f"```toml\n{(EXAMPLES / 'moons.toml').read_text()}```" in tutorial


def test_a_regression_from_a_csv_file_with_checkpoints(tmp_path, capsys) -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, size=(60, 2))
    rows = "\n".join(f"{a:.6f},{b:.6f},{a + 2 * b:.6f}" for a, b in X)
    (tmp_path / "sums.csv").write_text(f"a,b,total\n{rows}\n")
    config = tmp_path / "sums.toml"
    config.write_text(
        '[network]\nloss_function = "mse"\noptimizer = { type = "adam", learning_rate = 0.05 }\n'
        '[[network.layers]]\ntype = "dense"\ninput_size = 2\noutput_size = 1\n'
        '[data]\ncsv = "sums.csv"\ntarget = "total"\n'
        '[training]\nepochs = 200\nbatch_size = 8\ncheckpoint_every = 50\nsave = "model.npz"\n'
    )
    assert main(["train", str(config), "--quiet"]) == 0
    metrics = _metrics(capsys.readouterr().out)
    assert set(metrics["test"]) == {"loss", "mae"}  # numbers to predict: mean absolute error by default
    assert float(metrics["test"]["mae"]) < 0.05
    assert load_network(tmp_path / "model.npz").epochs_trained == 200

    (tmp_path / "new.csv").write_text("b,a\n1.0,0.5\n")  # by name, in any order
    assert main(["predict", str(tmp_path / "model.npz"), str(tmp_path / "new.csv")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "prediction" and abs(float(lines[1]) - 2.5) < 0.1


def test_early_stopping_restores_the_best_epoch_and_the_plot_marks_it(tmp_path, capsys) -> None:
    config = _example(tmp_path, "moons.toml", epochs=40)
    config.write_text(
        config.read_text().replace(
            "[training]\n", '[training]\nearly_stopping = { monitor = "val_accuracy", patience = 2 }\n'
        )
    )
    plot = tmp_path / "moons.png" if _has_matplotlib() else None
    assert main(["train", str(config), "--no-save", *(["--plot", str(plot)] if plot else [])]) == 0
    out = capsys.readouterr().out
    stopped = re.search(r"Stopped early after epoch (\d+): val_accuracy has not improved for 2 epochs", out)
    assert stopped and int(stopped.group(1)) < 40  # watched as higher-is-better without saying mode = "max"


def _has_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def test_a_reader_that_goes_away_stops_the_command_quietly(tmp_path) -> None:
    """``smolml train ... | head``: exit status 141 and no traceback when stdout's reader closes.

    The run prints far more than a pipe buffers (a line per epoch for 5,000 epochs), so
    the command is certainly still writing when the reader goes away.
    """
    config = tmp_path / "long.toml"
    text = (ROOT / "examples" / "xor.toml").read_text()
    config.write_text(
        re.sub(r"(?m)^epochs = .*$", "epochs = 5000", re.sub(r"(?m)^print_every = .*$", "", text)).replace(
            "[training]", "[training]\nprint_every = 1"
        )
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "smolml_core.cli", "train", str(config), "--no-save"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait(timeout=60) == 141
    assert "Traceback" not in errors
