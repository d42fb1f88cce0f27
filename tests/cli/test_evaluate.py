"""smolml evaluate MODEL DATA: a saved model's loss and metrics on a config's data or on a CSV file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from smolml_core.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def moons_model(tmp_path, capsys) -> Path:
    model = tmp_path / "moons.npz"
    assert main(["train", str(EXAMPLES / "moons.toml"), "--quiet", "--save", str(model)]) == 0
    capsys.readouterr()
    return model


def test_on_a_configs_data_it_prints_the_train_and_test_rows(moons_model, capsys) -> None:
    assert main(["evaluate", str(moons_model), str(EXAMPLES / "moons.toml")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["loss", "accuracy"]
    # the rows smolml train reports: moons.toml holds out validation rows; an accuracy is a fraction, as per epoch
    assert re.fullmatch(r"train +\d\.\d{6} +[01]\.\d{6}", lines[1])
    assert re.fullmatch(r"validation +\d\.\d{6} +[01]\.\d{6}", lines[2])
    assert re.fullmatch(r"test +\d\.\d{6} +[01]\.\d{6}", lines[3])


def test_the_metrics_can_be_chosen(moons_model, capsys) -> None:
    assert main(["evaluate", str(moons_model), str(EXAMPLES / "moons.toml"), "--metrics", "accuracy,mse"]) == 0
    assert capsys.readouterr().out.splitlines()[0].split() == ["loss", "accuracy", "mse"]


def test_on_a_csv_file_with_its_target_column(moons_model, tmp_path, capsys) -> None:
    rows = tmp_path / "points.csv"
    rows.write_text("x1,x2,label\n-1.0,0.2,0\n2.0,0.3,1\n0.0,1.0,0\n1.0,-0.5,1\n")
    assert main(["evaluate", str(moons_model), str(rows), "--target", "label"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["loss", "accuracy"]
    assert lines[1].startswith("points.csv ")


def test_a_csv_file_needs_its_target_column(moons_model, tmp_path, capsys) -> None:
    rows = tmp_path / "points.csv"
    rows.write_text("x1,x2,label\n-1.0,0.2,0\n")
    assert main(["evaluate", str(moons_model), str(rows)]) == 2
    assert capsys.readouterr().err == (
        f"smolml: error: --target: name the column of {str(rows)!r} that holds the answers (for example --target "
        "species)\n"
    )


def test_data_that_does_not_fit_the_model(moons_model, capsys) -> None:
    assert main(["evaluate", str(moons_model), str(EXAMPLES / "iris.toml")]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"smolml: error in {EXAMPLES / 'iris.toml'}: the model {str(moons_model)!r} takes 2 features per sample, "
        "but the data has 4; use data laid out as the model was trained on\n"
    )


def test_data_of_an_unknown_kind(moons_model, capsys) -> None:
    assert main(["evaluate", str(moons_model), "points.xlsx"]) == 2
    assert "DATA must be a config file with a [data] table (.toml, .json) or a .csv file" in capsys.readouterr().err
