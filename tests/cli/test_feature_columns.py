"""predict and evaluate read a CSV file's features the same way: by name when the model knows the names.

A model trained by ``smolml train`` has a data description naming its
features; a file that lacks one of them is refused with its name (never
filled in from another column by position), and columns the model was not
trained on are ignored, in both commands. The answers ``evaluate`` scores
against are encoded from what the model knows, so a file whose rows all
belong to one class is a test set like any other.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from smolml_core import build_network
from smolml_core.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
NAMES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
ROWS = [
    ([5.1, 3.5, 1.4, 0.2], "setosa"),
    ([6.7, 3.0, 5.2, 2.3], "virginica"),
    ([5.9, 3.0, 4.2, 1.5], "versicolor"),
    ([4.9, 3.0, 1.4, 0.2], "setosa"),
]


@pytest.fixture(scope="module")
def iris_model(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("iris")
    config = folder / "iris.toml"
    config.write_text((EXAMPLES / "iris.toml").read_text().replace("epochs = 100", "epochs = 30"))
    assert main(["train", str(config), "--quiet"]) == 0
    return folder / "iris.npz"


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _predictions(capsys, model: Path, rows: Path) -> list[str]:
    capsys.readouterr()
    assert main(["predict", str(model), str(rows)]) == 0
    return capsys.readouterr().out.splitlines()


def test_a_missing_trained_feature_is_named_by_predict_and_evaluate(iris_model, tmp_path, capsys) -> None:
    """An id column where petal width should be: refused, never read in its place."""
    header = [*NAMES[:3], "id", "species"]
    rows = _write(tmp_path / "rows.csv", header, [[*x[:3], n, c] for n, (x, c) in enumerate(ROWS)])
    capsys.readouterr()
    for command in (["predict", str(iris_model), str(rows)], ["evaluate", str(iris_model), str(rows)]):
        assert main([*command, "--target", "species"]) == 2
        err = capsys.readouterr().err
        assert err.startswith(
            f"smolml: error: {str(rows)!r} lacks the column 'petal width (cm)', a feature the model was trained on; "
            "the model takes sepal length (cm), sepal width (cm), petal length (cm), petal width (cm) (by name"
        )
        assert err.count("\n") == 1
    # Without --target too: the count of columns matches, but the names do not.
    assert main(["predict", str(iris_model), str(_write(tmp_path / "four.csv", header[:4], [[1, 2, 3, 4]]))]) == 2
    assert "lacks the column 'petal width (cm)'" in capsys.readouterr().err


def test_a_misspelt_feature_gets_a_suggestion(iris_model, tmp_path, capsys) -> None:
    rows = _write(tmp_path / "rows.csv", [*NAMES[:3], "petal width"], [x for x, _ in ROWS])
    assert main(["predict", str(iris_model), str(rows)]) == 2
    assert "lacks the column 'petal width (cm)' (did you mean 'petal width'?)" in capsys.readouterr().err


def test_extra_columns_are_ignored_by_predict_and_evaluate_alike(iris_model, tmp_path, capsys) -> None:
    plain = _write(tmp_path / "plain.csv", [*NAMES, "species"], [[*x, c] for x, c in ROWS])
    order = [3, 0, 2, 1]
    shuffled = _write(
        tmp_path / "shuffled.csv",
        ["id", *(NAMES[i] for i in order), "note", "species"],
        [[f"row{n}", *(x[i] for i in order), "text, not a number", c] for n, (x, c) in enumerate(ROWS)],
    )
    assert _predictions(capsys, iris_model, shuffled) == _predictions(capsys, iris_model, plain)
    tables = []
    for rows in (plain, shuffled):
        assert main(["evaluate", str(iris_model), str(rows), "--target", "species"]) == 0
        tables.append(capsys.readouterr().out.splitlines()[1].split()[1:])
    assert tables[0] == tables[1]


@pytest.mark.parametrize("species", ["setosa", "virginica"])
def test_a_test_file_of_one_class_is_evaluated(iris_model, tmp_path, capsys, species) -> None:
    rows = _write(tmp_path / "one.csv", [*NAMES, "species"], [[*x, species] for x, _ in ROWS])
    capsys.readouterr()
    assert main(["evaluate", str(iris_model), str(rows), "--target", "species"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["loss", "accuracy"] and lines[1].startswith("one.csv ")


def test_one_class_without_a_data_description(tmp_path, capsys) -> None:
    """A model saved from Python: its single sigmoid output says 0/1, whatever classes the file holds."""
    network = build_network(
        {
            "layers": [{"type": "dense", "input_size": 2, "output_size": 1, "activation_function": "sigmoid"}],
            "loss_function": "binary_cross_entropy",
        }
    )
    model = network.save(tmp_path / "model.npz")
    rows = _write(tmp_path / "ones.csv", ["a", "b", "label"], [[0.5, 1.0, 1], [1.5, -1.0, 1]])
    assert main(["evaluate", str(model), str(rows), "--target", "label"]) == 0
    assert capsys.readouterr().out.splitlines()[1].startswith("ones.csv ")
