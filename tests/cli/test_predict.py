"""smolml predict MODEL CSV: predictions as CSV, and one readable line for every mistake in the CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from smolml_core import build_network
from smolml_core.cli import main
from smolml_core.cli.predict import prediction_table

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
IRIS_LIKE = "sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n"


def _model(tmp_path, outputs: int, activation: str, loss: str):
    network = build_network(
        {
            "layers": [{"type": "dense", "input_size": 4, "output_size": outputs, "activation_function": activation}],
            "loss_function": loss,
        }
    )
    path = tmp_path / "model.npz"
    network.save(path)
    return network, path


def _csv(tmp_path, text: str, name: str = "rows.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_classifier_writes_the_class_and_its_probabilities(tmp_path, capsys) -> None:
    network, model = _model(tmp_path, 3, "softmax", "categorical_cross_entropy")
    rows = _csv(tmp_path, IRIS_LIKE)
    out = tmp_path / "out.csv"
    assert main(["predict", str(model), str(rows), "--output", str(out)]) == 0
    assert capsys.readouterr().out == f"Wrote 2 predictions to {out}\n"
    written = list(csv.reader(out.read_text().splitlines()))
    assert written[0] == ["prediction", "probability_0", "probability_1", "probability_2"]
    expected = network.predict(np.loadtxt(rows, delimiter=",", skiprows=1)).numpy()
    for line, probabilities in zip(written[1:], expected, strict=True):
        assert int(line[0]) == probabilities.argmax()
        np.testing.assert_allclose([float(p) for p in line[1:]], probabilities, rtol=1e-5)


def test_predictions_go_to_standard_output_without_output(tmp_path, capsys) -> None:
    _, model = _model(tmp_path, 1, "sigmoid", "binary_cross_entropy")
    assert main(["predict", str(model), str(_csv(tmp_path, IRIS_LIKE))]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "prediction,probability_0,probability_1" and len(lines) == 3
    for line in lines[1:]:  # both classes, as a multi-class model gives every class
        predicted, p0, p1 = line.split(",")
        assert predicted == str(int(float(p1) >= 0.5)) and float(p0) + float(p1) == pytest.approx(1.0, abs=1e-5)


def test_the_answers_column_is_left_out_with_target(tmp_path, capsys) -> None:
    _, model = _model(tmp_path, 1, "linear", "mse")
    rows = _csv(tmp_path, "a,b,species,c,d\n1,2,0,3,4\n")
    assert main(["predict", str(model), str(rows)]) == 2
    assert capsys.readouterr().err == (
        f"smolml: error: {str(rows)!r} has 5 feature columns (a, b, species, c, d) but the model takes 4; "
        "leave out the extra columns, or name the answers column with --target\n"
    )
    assert main(["predict", str(model), str(rows), "--target", "species"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "prediction"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("a,b,c,d\n", "no rows of data"),
        ("a,b,c,d\n1,2,3,4\n1,2,3\n", "line 3 has 3 values but the header (line 1) names 4 columns"),
        ("a,b,c,d\n1,2,x3,4\n", "line 2, column 3 ('c'): 'x3' is not a number"),
        ("a,b,c,d\n1,,3,4\n", "line 2, column 2 ('b'): the value is missing"),
        ("a,b,c,d\n1,2,3,inf\n", "line 2, column 4 ('d'): 'inf' is not a finite number"),
    ],
)
def test_mistakes_in_the_csv_name_the_line_and_column(tmp_path, capsys, text, message) -> None:
    _, model = _model(tmp_path, 1, "linear", "mse")
    rows = _csv(tmp_path, text)
    assert main(["predict", str(model), str(rows)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"smolml: error: {str(rows)!r}: ") and message in err and err.count("\n") == 1


def test_a_misspelt_target_column_gets_a_suggestion(tmp_path, capsys) -> None:
    _, model = _model(tmp_path, 1, "linear", "mse")
    rows = _csv(tmp_path, "a,b,c,d,species\n1,2,3,4,0\n")
    assert main(["predict", str(model), str(rows), "--target", "specie"]) == 2
    assert capsys.readouterr().err == (
        f"smolml: error: {str(rows)!r} has no column 'specie' (--target) (did you mean 'species'?); "
        "its columns: a, b, c, d, species\n"
    )


def test_a_damaged_model_is_one_line(tmp_path, capsys) -> None:
    model = _csv(tmp_path, "not a model", "model.npz")
    assert main(["predict", str(model), str(_csv(tmp_path, IRIS_LIKE))]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"smolml: error: {str(model)!r} is not a SmolML network file") and err.count("\n") == 1


def test_prediction_tables() -> None:
    assert prediction_table(np.array([[0.25], [0.875]]), "binary") == (
        ["prediction", "probability_0", "probability_1"],
        [["0", "0.75", "0.25"], ["1", "0.125", "0.875"]],
    )
    assert prediction_table(np.array([[0.25]]), "binary", ["no", "yes"]) == (
        ["prediction", "probability_no", "probability_yes"],
        [["no", "0.75", "0.25"]],
    )
    assert prediction_table(np.array([[1.5, -2.0]]), "regression") == (
        ["prediction_0", "prediction_1"],
        [["1.5", "-2"]],
    )


def test_an_unwritable_output_is_one_line(tmp_path, capsys) -> None:
    _, model = _model(tmp_path, 1, "linear", "mse")
    (tmp_path / "folder").mkdir()
    assert main(["predict", str(model), str(_csv(tmp_path, IRIS_LIKE)), "-o", str(tmp_path / "folder")]) == 2
    assert (
        capsys.readouterr().err == f"smolml: error: {str(tmp_path / 'folder')!r} is a folder; it cannot be written to\n"
    )


def test_a_model_from_smolml_train_prepares_raw_rows_as_in_training(tmp_path, capsys) -> None:
    """iris is standardised for training; predict reads the columns by name, scales them, and names the classes."""
    from smolml_core.datasets import load_dataset

    config = tmp_path / "iris.toml"
    config.write_text((EXAMPLES / "iris.toml").read_text())
    assert main(["train", str(config), "--quiet"]) == 0
    capsys.readouterr()
    model = tmp_path / "iris.npz"
    assert (tmp_path / "iris.data.json").exists()

    X, y = load_dataset("iris", standardize=False, one_hot=False)
    species = ["setosa", "versicolor", "virginica"]
    names = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
    order = [3, 0, 2, 1]  # columns in another order, with an id and the answers among them
    lines = ["id," + ",".join(f'"{names[i]}"' for i in order) + ",species"]
    lines += [f"{n},{','.join(str(X[n, i]) for i in order)},{species[int(y[n, 0])]}" for n in range(len(X))]
    rows = _csv(tmp_path, "\n".join(lines) + "\n")

    assert main(["predict", str(model), str(rows), "-o", str(tmp_path / "out.csv")]) == 0
    capsys.readouterr()
    written = list(csv.reader((tmp_path / "out.csv").open()))
    assert written[0] == ["prediction", "probability_setosa", "probability_versicolor", "probability_virginica"]
    predicted = [line[0] for line in written[1:]]
    accuracy = np.mean([p == species[int(label)] for p, label in zip(predicted, y[:, 0], strict=True)])
    assert accuracy > 0.9

    assert main(["evaluate", str(model), str(rows), "--target", "species"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["loss", "accuracy"]
    assert float(table[1].split()[-1]) == pytest.approx(accuracy, abs=1e-6)


def test_a_class_the_model_never_saw_is_named(tmp_path, capsys) -> None:
    config = tmp_path / "iris.toml"
    config.write_text((EXAMPLES / "iris.toml").read_text().replace("epochs = 100", "epochs = 1"))
    assert main(["train", str(config), "--quiet"]) == 0
    header = '"sepal length (cm)","sepal width (cm)","petal length (cm)","petal width (cm)",species'
    rows = _csv(tmp_path, f"{header}\n1,2,3,4,setosa\n1,2,3,4,virginca\n")
    assert main(["evaluate", str(tmp_path / "iris.npz"), str(rows), "--target", "species"]) == 2
    assert capsys.readouterr().err.endswith(
        "the column 'species' holds the class 'virginca', which the model was not trained on (did you mean "
        "'virginica'?); its classes: setosa, versicolor, virginica\n"
    )
