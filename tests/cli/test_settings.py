"""Mistakes in a smolml train config: one line naming the file, the key and the fix, exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from smolml_core.cli import main
from smolml_core.cli.settings import read_training

NETWORK = """
[network]
loss_function = "mse"
[[network.layers]]
type = "dense"
input_size = 2
output_size = 1
"""
DATA = '[data]\nname = "xor"\ntest_size = 0\n'


def _run(tmp_path, capsys, text: str, *extra: str) -> tuple[int, str, Path]:
    config = tmp_path / "run.toml"
    config.write_text(text)
    status = main(["train", str(config), "--no-save", *extra])
    captured = capsys.readouterr()
    assert "Epoch" not in captured.out  # every mistake is found before training starts
    return status, captured.err, config


@pytest.mark.parametrize(
    ("training", "message"),
    [
        ("epoch = 3", "training.epoch: unknown key (did you mean 'epochs'?); [training] has: epochs, batch_size,"),
        ("batchsize = 8", "training.batchsize: unknown key (did you mean 'batch_size'?)"),
        ("epochs = 0", "training.epochs: must be a whole number >= 1, got 0"),
        ('epochs = "10"', "training.epochs: must be a whole number >= 1, got '10'"),
        ("batch_size = 2.5", "training.batch_size: must be a whole number >= 1, got 2.5"),
        ("shuffle = 1", "training.shuffle: must be true or false, got 1"),
        ("validation_split = 1.5", "training.validation_split: must be from 0 up to (not including) 1,"),
        ("metrics = 3", "training.metrics: must be a list of metric names such as [\"accuracy\"], got 3"),
        ("save = 3", 'training.save: must be a file path such as "model.npz", got 3'),
        ("early_stopping = { patience = 2 }", "training.early_stopping.monitor: monitors 'val_loss', which needs "
         'validation data; set validation_split = 0.2 in [training] or monitor = "loss"'),
        ("early_stopping = { patiense = 2 }", "training.early_stopping.patiense: unknown key (did you mean "
         "'patience'?)"),
        ("lr_schedule = 0.5", "training.lr_schedule: must be a schedule name or a table such as"),
        ("checkpoint_every = 2", "training.checkpoint_every: saves to the model's path, but --no-save was given"),
    ],
)  # fmt: skip
def test_training_key_mistakes(tmp_path, capsys, training, message) -> None:
    status, err, config = _run(tmp_path, capsys, f"{NETWORK}{DATA}[training]\n{training}\n")
    assert status == 2
    assert err.startswith(f"smolml: error in {config}: {message}")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (NETWORK, "the config needs a [data] table (for example name = \"moons\", or csv = \"file.csv\" with target"),
        (DATA, "the config needs a [network] table (layers, loss_function, optimizer: what build_network takes)"),
        (f"{NETWORK}{DATA}[netwrk]\n", "unknown section [netwrk] (did you mean 'network'?); a config has: "
         "[network], [data], [training]"),
        (f'data = "xor"\n{NETWORK}', "data: must be a table, not a string (for example name = "),
        (NETWORK.replace('"mse"', '"mse_los"') + DATA, "network.loss_function: unknown loss 'mse_los' (did you "
         "mean 'mse_loss'?)"),
    ],
)  # fmt: skip
def test_section_mistakes(tmp_path, capsys, text, message) -> None:
    status, err, config = _run(tmp_path, capsys, text)
    assert status == 2
    assert err.startswith(f"smolml: error in {config}: {message}")


def test_an_unreadable_config_names_the_file(tmp_path, capsys) -> None:
    assert main(["train", str(tmp_path / "missing.toml")]) == 2
    missing = str(tmp_path / "missing.toml")
    assert capsys.readouterr().err.startswith(f"smolml: error: cannot read config file {missing!r}")
    broken = tmp_path / "broken.toml"
    broken.write_text("[training\n")
    assert main(["train", str(broken)]) == 2
    assert capsys.readouterr().err.startswith(f"smolml: error: {str(broken)!r} is not valid TOML")


def test_a_plot_file_must_name_its_format(tmp_path, capsys) -> None:
    status, err, _ = _run(tmp_path, capsys, NETWORK + DATA, "--plot", str(tmp_path / "curves"))
    assert status == 2
    assert err.startswith("smolml: error: --plot: cannot tell the image format of")


def test_a_missing_matplotlib_is_reported_before_training(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "matplotlib", None)
    status, err, _ = _run(tmp_path, capsys, NETWORK + DATA, "--plot", str(tmp_path / "curves.png"))
    assert status == 2
    assert err == (
        "smolml: error: --plot: drawing plots needs matplotlib, which is not installed; "
        'run: pip install "smolml[plot]"\n'
    )


def test_defaults_and_paths(tmp_path) -> None:
    settings = read_training({"save": "runs/model.npz", "epochs": 30}, tmp_path)
    assert settings.save == tmp_path / "runs" / "model.npz"  # relative to the config file's folder
    assert settings.print_every == 3  # about ten progress lines
    assert settings.batch_size is None and settings.metrics is None and settings.early_stopping is None
    assert read_training({"early_stopping": True, "validation_split": 0.2}, tmp_path).early_stopping == {}
    assert read_training({"early_stopping": False}, tmp_path).early_stopping is None
    assert read_training({"metrics": "accuracy"}, tmp_path).metrics == ["accuracy"]


def test_usage_mistakes_exit_with_status_2(capsys) -> None:
    for argv in ([], ["train"], ["fit", "x.toml"], ["train", "x.toml", "--save", "a.npz", "--no-save"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2
    assert "usage: smolml" in capsys.readouterr().err
