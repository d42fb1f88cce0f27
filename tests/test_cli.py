"""The smolml command: train from a config file, and readable errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from smolml_core.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_train_moons_example(capsys) -> None:
    assert main(["train", str(ROOT / "examples" / "moons.toml")]) == 0
    out = capsys.readouterr().out
    assert "NeuralNetwork with 3 layers" in out
    accuracy = float(out.split("Training accuracy: ")[1].split("%")[0])
    assert accuracy >= 85.0


def test_config_errors_are_one_readable_line(tmp_path, capsys) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(
        '[network]\nloss_function = "mse"\n[[network.layers]]\ntype = "dense"\ninput_size = 2\n'
        'output_size = 1\nactivation_function = "sigmoidd"\n[data]\nname = "xor"\n'
    )
    assert main(["train", str(config)]) == 2
    err = capsys.readouterr().err
    assert "network.layers[0].activation_function: unknown activation 'sigmoidd'" in err
    assert "did you mean 'sigmoid'?" in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[network]\nlayers = []\n", "needs a [data] table"),
        ("[netwrk]\n", "unknown section [netwrk] (did you mean 'network'?)"),
        ('[network]\n[data]\nname = "mnist"\n', "unknown dataset 'mnist'"),
        (
            '[network]\n[data]\nname = "xor"\n[training]\nepoch = 3\n',
            "training.epoch: unknown key (did you mean 'epochs'?)",
        ),
    ],
)
def test_section_errors(tmp_path, capsys, text, message) -> None:
    config = tmp_path / "c.toml"
    config.write_text(text)
    assert main(["train", str(config)]) == 2
    assert message in capsys.readouterr().err


def test_installed_command_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "smolml_core.cli", "train", str(ROOT / "examples" / "xor.toml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Training accuracy: 100.0%" in result.stdout


def test_the_scalar_engine_example_prints_the_array_engines_losses(capsys) -> None:
    """examples/xor_scalar.toml differs from xor.toml only in its engine, so the printed losses match."""
    outputs = []
    for name in ("xor.toml", "xor_scalar.toml"):
        assert main(["train", str(ROOT / "examples" / name)]) == 0
        outputs.append([line for line in capsys.readouterr().out.splitlines() if line.startswith("Epoch")])
    assert outputs[0] == outputs[1] and len(outputs[0]) == 4
