"""Datasets: the named ones, CSV files, the split and scaling helpers, and the ``[data]`` table."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from smolml_core import ConfigError, ShapeError, get_rng, set_seed
from smolml_core.datasets import (
    DATASETS,
    STANDARDIZED,
    Dataset,
    load_csv,
    load_csv_features,
    load_data_config,
    load_dataset,
    load_named,
    one_hot,
    read_csv,
    standardize,
    train_test_split,
)

sklearn_datasets = pytest.importorskip("sklearn.datasets")

# name: (rows, features, classes)
SHAPES = {
    "xor": (4, 2, 2),
    "moons": (100, 2, 2),
    "circles": (100, 2, 2),
    "blobs": (100, 2, 3),
    "iris": (150, 4, 3),
    "wine": (178, 13, 3),
    "breast_cancer": (569, 30, 2),
    "digits": (1797, 64, 10),
}


def error_of(action) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        action()
    return info.value


# --- named datasets ---------------------------------------------------------------------------------------------------


def test_every_dataset_is_listed() -> None:
    assert list(DATASETS) == list(SHAPES)
    assert {"iris", "wine", "breast_cancer", "digits"} == STANDARDIZED


@pytest.mark.parametrize("name", SHAPES)
def test_shapes_dtypes_and_target_encoding(name: str) -> None:
    rows, features, classes = SHAPES[name]
    X, y = load_dataset(name)
    assert X.shape == (rows, features) and X.dtype == np.float64 and X.flags.c_contiguous
    assert y.dtype == np.float64
    if classes == 2:
        assert y.shape == (rows, 1) and set(np.unique(y)) == {0.0, 1.0}
    else:
        assert y.shape == (rows, classes)
        assert set(np.unique(y)) == {0.0, 1.0} and np.all(y.sum(axis=1) == 1.0)
        assert np.all(y.sum(axis=0) > 0)  # every class occurs


@pytest.mark.parametrize("name", SHAPES)
def test_the_same_call_gives_the_same_data(name: str) -> None:
    X1, y1 = load_dataset(name)
    X2, y2 = load_dataset(name)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)


@pytest.mark.parametrize("name", SHAPES)
def test_one_hot_forced_either_way(name: str) -> None:
    rows, _, classes = SHAPES[name]
    _, columns = load_dataset(name, one_hot=False)
    _, rows_of_ones = load_dataset(name, one_hot=True)
    assert columns.shape == (rows, 1) and set(np.unique(columns)) == set(map(float, range(classes)))
    assert rows_of_ones.shape == (rows, classes)
    assert np.array_equal(rows_of_ones.argmax(axis=1), columns[:, 0])


@pytest.mark.parametrize("name", SHAPES)
def test_real_world_datasets_are_standardized_by_default(name: str) -> None:
    X, _ = load_dataset(name)
    raw, _ = load_dataset(name, standardize=False)
    scaled, _ = load_dataset(name, standardize=True)
    assert np.array_equal(X, scaled if name in STANDARDIZED else raw)
    assert np.allclose(scaled.mean(axis=0), 0.0, atol=1e-12)
    assert np.allclose(scaled.std(axis=0)[raw.std(axis=0) > 0], 1.0)


def test_xor_moons_and_iris_are_what_they_always_were() -> None:
    X, y = load_dataset("xor")
    assert X.tolist() == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] and y.tolist() == [[0.0], [1.0], [1.0], [0.0]]

    X, y = load_dataset("moons", n_samples=100, noise=0.1, random_state=42)
    X_ref, labels = sklearn_datasets.make_moons(n_samples=100, noise=0.1, random_state=42)
    assert np.array_equal(X, X_ref) and np.array_equal(y, labels.reshape(-1, 1).astype(float))
    assert np.array_equal(load_dataset("moons")[0], X)

    X, y = load_dataset("iris")
    iris = sklearn_datasets.load_iris()
    assert np.array_equal(X, (iris.data - iris.data.mean(axis=0)) / iris.data.std(axis=0))
    assert np.array_equal(y, np.eye(3)[iris.target])


def test_names_come_with_the_data() -> None:
    iris = load_named("iris", {})
    assert isinstance(iris, Dataset)
    assert iris.class_names == ("setosa", "versicolor", "virginica")
    assert iris.feature_names[0] == "sepal length (cm)" and len(iris.feature_names) == 4
    assert load_named("breast_cancer", {}).class_names == ("malignant", "benign")
    assert load_named("moons", {}).feature_names == ("x1", "x2")
    assert load_named("digits", {"n_class": 3}).class_names == ("0", "1", "2")


def test_generator_parameters_are_passed_on() -> None:
    X, y = load_dataset("moons", n_samples=30, noise=0.0)
    assert X.shape == (30, 2)
    X, y = load_dataset("blobs", n_samples=40, centers=4, n_features=3, random_state=1)
    assert X.shape == (40, 3) and y.shape == (40, 4)
    X, y = load_dataset("circles", factor=0.3, noise=0.0)
    radii = np.hypot(X[:, 0], X[:, 1])
    assert np.allclose(radii[y[:, 0] == 1], 0.3) and np.allclose(radii[y[:, 0] == 0], 1.0)
    X, y = load_dataset("digits", n_class=5)
    assert y.shape == (len(X), 5)
    assert not np.array_equal(load_dataset("moons", random_state=0)[0], load_dataset("moons", random_state=1)[0])


def test_loading_data_leaves_the_weight_generator_alone() -> None:
    set_seed(3)
    expected = get_rng().random()
    set_seed(3)
    load_dataset("moons")
    load_data_config({"name": "iris"})
    train_test_split(np.zeros((10, 1)), np.zeros(10), seed=5)
    assert get_rng().random() == expected


def test_unknown_names_and_parameters_suggest_the_right_one() -> None:
    message = str(error_of(lambda: load_dataset("moon")))
    assert "unknown dataset 'moon' (did you mean 'moons'?)" in message and "breast_cancer" in message
    message = str(error_of(lambda: load_dataset("moons", nosie=0.2)))
    assert "dataset 'moons' has no parameter 'nosie' (did you mean 'noise'?)" in message
    assert "n_samples, noise, random_state" in message
    assert "no parameters of its own" in str(error_of(lambda: load_dataset("iris", noise=0.2)))
    assert "n_samples" in str(error_of(lambda: load_dataset("moons", n_samples="many")))


def test_missing_scikit_learn_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    message = str(error_of(lambda: load_dataset("digits")))
    assert 'pip install "smolml[datasets]"' in message
    assert load_dataset("xor")[0].shape == (4, 2)  # xor needs no scikit-learn


def test_importing_the_datasets_does_not_import_scikit_learn() -> None:
    code = "import sys, smolml_core.datasets; print('sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_digits_load_quickly() -> None:
    load_dataset("xor")
    sklearn_datasets.load_digits()  # scikit-learn's own first import is not the dataset's cost
    start = time.perf_counter()
    load_dataset("digits")
    assert time.perf_counter() - start < 0.5


# --- CSV files --------------------------------------------------------------------------------------------------------

FLOWERS = """sepal_length,sepal_width,species
5.1,3.5,setosa
4.9,3.0,setosa
7.0,3.2,versicolor
6.4,3.2,versicolor
6.3,3.3,virginica
5.8,2.7,virginica
"""


def write(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_text_target_becomes_one_hot_rows_in_sorted_class_order(tmp_path: Path) -> None:
    X, y = load_csv(write(tmp_path, FLOWERS), "species")
    assert X.dtype == np.float64 and X.shape == (6, 2) and X[2].tolist() == [7.0, 3.2]
    assert y.tolist() == [[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]]
    _, labels = load_csv(tmp_path / "data.csv", "species", one_hot=False)
    assert labels.ravel().tolist() == [0, 0, 1, 1, 2, 2]
    dataset = read_csv(tmp_path / "data.csv", "species")
    assert dataset.class_names == ("setosa", "versicolor", "virginica")
    assert dataset.feature_names == ("sepal_length", "sepal_width")


def test_csv_target_column_may_be_anywhere(tmp_path: Path) -> None:
    path = write(tmp_path, "label,a,b\nyes,1,2\nno,3,4\nyes,5,6\n")
    X, y = load_csv(path, "label")
    assert X.tolist() == [[1, 2], [3, 4], [5, 6]]
    assert y.tolist() == [[1.0], [0.0], [1.0]]  # two classes: a 0/1 column, "no" < "yes"


@pytest.mark.parametrize(
    ("values", "one_hot_option", "expected"),
    [
        (["0", "1", "1"], None, [[0.0], [1.0], [1.0]]),  # 0/1: a column as it is
        (["0.5", "1.25", "2"], None, [[0.5], [1.25], [2.0]]),  # numbers to predict
        (["3", "5", "7"], None, [[1, 0, 0], [0, 1, 0], [0, 0, 1]]),  # whole numbers, 3 classes: one-hot
        (["3", "5", "7"], False, [[3.0], [5.0], [7.0]]),  # numbers stay numbers unless one-hot
        (["1", "2", "1"], None, [[1.0], [2.0], [1.0]]),
        (["1", "2", "1"], True, [[1, 0], [0, 1], [1, 0]]),
    ],
)
def test_csv_numeric_targets(tmp_path: Path, values: list[str], one_hot_option: bool | None, expected: list) -> None:
    text = "a,y\n" + "".join(f"{i},{v}\n" for i, v in enumerate(values))
    _, y = load_csv(write(tmp_path, text), "y", one_hot=one_hot_option)
    assert y.dtype == np.float64 and y.tolist() == expected


def test_csv_numeric_target_class_names(tmp_path: Path) -> None:
    path = write(tmp_path, "a,y\n1,3\n2,5\n3,7\n4,0.5\n")
    assert read_csv(path, "y").class_names is None
    assert read_csv(path, "y", one_hot=True).class_names == ("0.5", "3", "5", "7")
    assert read_csv(write(tmp_path, "a,y\n1,0\n2,1\n"), "y").class_names == ("0", "1")


def test_csv_standardize(tmp_path: Path) -> None:
    X, _ = load_csv(write(tmp_path, FLOWERS), "species", standardize=True)
    assert np.allclose(X.mean(axis=0), 0.0) and np.allclose(X.std(axis=0), 1.0)


def test_csv_forgiving_details(tmp_path: Path) -> None:
    """A byte-order mark, Windows line ends, spaces, quotes, blank lines and another delimiter all read."""
    text = '\ufeff a ; "b"; kind \r\n\r\n 1 ; 2.5 ; "x; y"\r\n3;4;z\r\n   \r\n'
    path = tmp_path / "data.csv"
    path.write_bytes(text.encode("utf-8"))
    X, y = load_csv(path, "kind", delimiter=";")
    assert X.tolist() == [[1.0, 2.5], [3.0, 4.0]] and y.tolist() == [[0.0], [1.0]]
    assert read_csv(path, "kind", delimiter=";").class_names == ("x; y", "z")


def test_csv_features_for_predicting(tmp_path: Path) -> None:
    path = write(tmp_path, FLOWERS)
    assert load_csv_features(path, ["sepal_width", "sepal_length"])[0].tolist() == [3.5, 5.1]
    assert "not a number" in str(error_of(lambda: load_csv_features(path)))
    message = str(error_of(lambda: load_csv_features(path, ["sepal_lenght"])))
    assert "the feature column 'sepal_lenght' is not in the header (did you mean 'sepal_length'?)" in message


CSV_ERRORS = {
    "empty": ("", "y", "the file is empty; a data file starts with a header row naming its columns"),
    "blank": ("\n  \n", "y", "the file is empty"),
    "no header": ("1,2,3\n4,5,6\n", "y", "line 1 holds numbers, not column names: the first row must be a header"),
    "header only": ("a,b,y\n", "y", "the file has a header (line 1) but no rows of data below it"),
    "unnamed column": ("a,,y\n1,2,3\n", "y", "line 1, column 2: the header gives this column no name"),
    "same name twice": ("a,b,a\n1,2,3\n", "b", "line 1: the header names 'a' twice (columns 1 and 3)"),
    "ragged row": (
        "a,b,y\n1,2,0\n\n3,4\n",
        "y",
        "line 4 has 2 values but the header (line 1) names 3 columns; every row needs one value per column",
    ),
    "non-numeric feature": (
        "a,b,y\n1,2,0\n3,n/a,1\n",
        "y",
        "line 3, column 2 ('b'): 'n/a' is not a number; only the target column ('y') may hold text",
    ),
    "missing feature": ("a,b,y\n1,2,0\n3, ,1\n", "y", "line 3, column 2 ('b'): the value is missing"),
    "infinite feature": ("a,b,y\ninf,2,0\n3,4,1\n", "y", "line 2, column 1 ('a'): 'inf' is not a finite number"),
    "missing target value": ("a,y\n1,0\n2,\n", "y", "line 3, column 2 ('y'): the target value is missing"),
    "non-finite target": ("a,y\n1,0\n2,nan\n", "y", "line 3, column 2 ('y'): the target 'nan' is not a finite number"),
    "target column misspelt": (
        FLOWERS,
        "specis",
        "the target column 'specis' is not in the header (did you mean 'species'?); "
        "the header (line 1) names: sepal_length, sepal_width, species",
    ),
    "other delimiter": ("a;b;y\n1;2;0\n", "y", "if values are separated by ';', use delimiter=';'"),
    "one class": (
        "a,species\n1,setosa\n2,setosa\n",
        "species",
        "the target column 'species' holds 'setosa' in every row: there is nothing to learn",
    ),
    "one number": ("a,y\n1,2\n2,2.0\n", "y", "the target column 'y' holds '2' in every row"),
    "only the target": ("y\n1\n2\n", "y", "the file has only the target column 'y'; it needs feature columns too"),
    "broken quotes": ('a,y\n1,0\n2,"1\n', "y", "line 3: cannot read the row as CSV"),
}


@pytest.mark.parametrize("case", CSV_ERRORS)
def test_csv_errors_name_the_file_line_and_column(tmp_path: Path, case: str) -> None:
    text, target, expected = CSV_ERRORS[case]
    path = write(tmp_path, text)
    error = error_of(lambda: load_csv(path, target))
    assert expected in error.message
    assert error.file == str(path) and str(error).startswith(f"{str(path)!r}: ")


def test_csv_file_errors(tmp_path: Path) -> None:
    error = error_of(lambda: load_csv(tmp_path / "missing.csv", "y"))
    assert error.file == str(tmp_path / "missing.csv")
    assert "cannot read the data file: No such file or directory" in str(error)
    assert "cannot read the data file" in str(error_of(lambda: load_csv(tmp_path, "y")))
    (tmp_path / "latin1.csv").write_bytes("a,y\n1,0\n2,caf\xe9\n".encode("latin-1"))
    message = str(error_of(lambda: load_csv(tmp_path / "latin1.csv", "y")))
    assert "line 3 is not UTF-8 text (byte 0xe9); save the file as UTF-8" in message
    assert "one character" in str(error_of(lambda: load_csv(write(tmp_path, FLOWERS), "species", delimiter=";;")))


# --- preparing arrays -------------------------------------------------------------------------------------------------


def numbered(rows: int) -> tuple[np.ndarray, np.ndarray]:
    """X whose first column is the row number, so a split's rows can be traced back."""
    return np.column_stack([np.arange(rows), np.ones(rows)]).astype(float), np.arange(rows) % 3


def test_split_sizes_and_no_row_lost() -> None:
    X, y = numbered(10)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25)
    assert len(X_test) == 3 and len(X_train) == 7  # ceil(0.25 * 10)
    assert sorted(np.concatenate([X_train[:, 0], X_test[:, 0]])) == list(range(10))
    assert np.array_equal(y_train, X_train[:, 0].astype(int) % 3) and np.array_equal(y_test, X_test[:, 0] % 3)
    X_train, X_test, _, y_test = train_test_split(X, y, test_size=0)
    assert X_test.shape == (0, 2) and y_test.shape == (0,) and len(X_train) == 10
    assert not np.array_equal(X_train[:, 0], np.arange(10))  # shuffled even with no test rows


def test_split_is_deterministic_per_seed() -> None:
    X, y = numbered(50)
    first = train_test_split(X, y, seed=7)
    again = train_test_split(X, y, seed=7)
    other = train_test_split(X, y, seed=8)
    assert all(np.array_equal(a, b) for a, b in zip(first, again, strict=True))
    assert not np.array_equal(first[1], other[1])


def test_stratified_split_keeps_class_shares() -> None:
    X, y = load_dataset("iris")  # sorted by species: 50 of each
    _, _, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=True)
    assert y_test.sum(axis=0).tolist() == [10, 10, 10] and y_train.sum(axis=0).tolist() == [40, 40, 40]
    labels = np.array([0] * 90 + [1] * 10)
    _, _, train_labels, test_labels = train_test_split(labels.reshape(-1, 1), labels, test_size=0.2, stratify=True)
    assert np.bincount(test_labels).tolist() == [18, 2] and np.bincount(train_labels).tolist() == [72, 8]
    _, _, _, column = train_test_split(labels, labels.reshape(-1, 1).astype(float), test_size=0.3, stratify=True)
    assert column.shape == (30, 1) and column.sum() == 3


def test_split_mistakes() -> None:
    X, y = numbered(4)
    for bad in (1, 1.5, -0.1, "0.2", True):
        assert "test_size must be a share of the rows in [0, 1)" in str(
            error_of(lambda b=bad: train_test_split(X, y, b))
        )
    assert "leaves no rows to train on" in str(error_of(lambda: train_test_split(X, y, 0.9)))
    with pytest.raises(ShapeError, match="X has 4 rows but y has 3"):
        train_test_split(X, y[:3])


def test_standardize_scales_test_rows_with_training_statistics() -> None:
    train = np.array([[1.0, 5.0, 2.0], [3.0, 5.0, 4.0]])
    test = np.array([[5.0, 6.0, 3.0]])
    scaled = standardize(train, test)
    assert scaled.X_train.tolist() == [[-1.0, 0.0, -1.0], [1.0, 0.0, 1.0]]
    assert scaled.X_test.tolist() == [[3.0, 1.0, 0.0]]  # the constant column is divided by 1
    assert scaled.mean.tolist() == [2.0, 5.0, 3.0] and scaled.std.tolist() == [1.0, 1.0, 1.0]
    X_train, X_test, mean, std = standardize(train)  # unpacks like a tuple
    assert X_test is None and np.array_equal(X_train, scaled.X_train)
    assert np.array_equal(mean, scaled.mean) and np.array_equal(std, scaled.std)
    with pytest.raises(ShapeError, match="must be 2-D"):
        standardize([1.0, 2.0])
    with pytest.raises(ShapeError, match="X_test has 2 features but X_train has 3"):
        standardize(train, [[1.0, 2.0]])


def test_one_hot() -> None:
    assert one_hot([2, 0, 1]).tolist() == [[0, 0, 1], [1, 0, 0], [0, 1, 0]]
    assert one_hot(np.array([[1.0], [0.0]]), num_classes=3).tolist() == [[0, 1, 0], [1, 0, 0]]
    assert one_hot([0, 1]).dtype == np.float64
    for bad in (["a", "b"], [0.5, 1.0], [-1, 0]):
        assert "whole numbers from 0" in str(error_of(lambda b=bad: one_hot(b)))
    assert "does not fit num_classes=2" in str(error_of(lambda: one_hot([0, 2], num_classes=2)))
    with pytest.raises(ShapeError):
        one_hot([[0, 1], [1, 0]])


# --- the [data] table -------------------------------------------------------------------------------------------------


def test_data_config_named_dataset_with_its_parameters() -> None:
    data = load_data_config({"name": "moons", "n_samples": 50, "noise": 0.2, "test_size": 0.2})
    assert data["X_train"].shape == (40, 2) and data["X_test"].shape == (10, 2)
    assert data["y_train"].shape == (40, 1) and data["y_test"].shape == (10, 1)
    assert data["feature_names"] == ["x1", "x2"] and data["class_names"] == ["0", "1"]
    assert data["mean"] is None and data["std"] is None  # generated data is not standardised by default
    X, _ = load_dataset("moons", n_samples=50, noise=0.2)
    assert sorted(map(tuple, np.vstack([data["X_train"], data["X_test"]]))) == sorted(map(tuple, X))


def test_data_config_standardizes_with_training_rows_only() -> None:
    data = load_data_config({"name": "iris"})
    assert np.allclose(data["X_train"].mean(axis=0), 0.0) and not np.allclose(data["X_test"].mean(axis=0), 0.0)
    raw = load_data_config({"name": "iris", "standardize": False})
    assert np.allclose(raw["X_train"], data["X_train"] * data["std"] + data["mean"])
    assert np.allclose(raw["X_test"], data["X_test"] * data["std"] + data["mean"])
    assert load_data_config({"name": "moons", "standardize": True})["mean"].shape == (2,)


def test_data_config_options() -> None:
    assert load_data_config({"name": "iris", "test_size": 0})["X_test"].shape == (0, 4)
    assert load_data_config({"name": "iris", "one_hot": False})["y_train"].shape == (120, 1)
    assert load_data_config({"name": "iris", "stratify": True})["y_test"].sum(axis=0).tolist() == [10, 10, 10]
    first = load_data_config({"name": "wine", "seed": 1})
    again = load_data_config({"name": "wine", "seed": 1})
    other = load_data_config({"name": "wine", "seed": 2})
    assert np.array_equal(first["X_test"], again["X_test"]) and not np.array_equal(first["X_test"], other["X_test"])
    data = load_data_config({"name": "digits", "test_size": 0.2, "stratify": True})
    assert data["X_test"].shape == (360, 64) and data["class_names"] == [str(d) for d in range(10)]


def test_data_config_csv_relative_to_base_dir(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    write(tmp_path / "data", FLOWERS.replace(",", ";"), "flowers.csv")
    table = {"csv": "data/flowers.csv", "target": "species", "delimiter": ";", "test_size": 0.5, "stratify": True}
    data = load_data_config(table, tmp_path)
    assert data["X_train"].shape == (3, 2) and data["y_test"].sum(axis=0).tolist() == [1, 1, 1]
    assert data["feature_names"] == ["sepal_length", "sepal_width"]
    assert data["class_names"] == ["setosa", "versicolor", "virginica"]
    absolute = dict(table, csv=str(tmp_path / "data" / "flowers.csv"), standardize=True)
    assert np.allclose(load_data_config(absolute, "/elsewhere")["X_train"].mean(axis=0), 0.0)


def test_data_config_csv_errors_name_the_csv_file(tmp_path: Path) -> None:
    write(tmp_path, FLOWERS)
    error = error_of(lambda: load_data_config({"csv": "data.csv", "target": "specis"}, tmp_path))
    assert error.file == str(tmp_path / "data.csv") and error.path == ()
    assert "(did you mean 'species'?)" in str(error)
    error = error_of(lambda: load_data_config({"csv": "nope.csv", "target": "y"}, tmp_path))
    assert error.file == str(tmp_path / "nope.csv") and "No such file" in str(error)


DATA_ERRORS = {
    "unknown key": ({"name": "moons", "nosie": 0.2}, "nosie", "unknown key 'nosie' (did you mean 'noise'?)"),
    "shared key misspelt": ({"name": "iris", "test_sise": 0.1}, "test_sise", "(did you mean 'test_size'?)"),
    "csv key misspelt": ({"csv": "a.csv", "target": "y", "delimeter": ";"}, "delimeter", "(did you mean 'delimiter'?)"),
    "generator key for a csv": ({"csv": "a.csv", "target": "y", "noise": 0.1}, "noise", "a csv source takes: csv,"),
    "csv key for a name": ({"name": "moons", "target": "y"}, "target", 'target goes with csv = "file.csv"'),
    "no source": ({"test_size": 0.2}, None, "needs name (a dataset: xor, moons,"),
    "both sources": ({"name": "iris", "csv": "a.csv"}, "csv", "give either name (a named dataset) or csv"),
    "unknown dataset": ({"name": "digit"}, "name", "unknown dataset 'digit' (did you mean 'digits'?)"),
    "name not text": ({"name": 3}, "name", "must be a non-empty string, not 3"),
    "no target": ({"csv": "a.csv"}, "target", "a csv source needs target"),
    "test_size": ({"name": "iris", "test_size": 1}, "test_size", "must be a share of the rows in [0, 1)"),
    "test_size text": ({"name": "iris", "test_size": "0.2"}, "test_size", "must be a share"),
    "test_size too big": ({"name": "xor", "test_size": 0.9}, "test_size", "leaves no rows to train on"),
    "standardize": ({"name": "iris", "standardize": "yes"}, "standardize", "must be true or false, not 'yes'"),
    "one_hot": ({"name": "iris", "one_hot": 1}, "one_hot", "must be true or false, not 1"),
    "stratify": ({"name": "iris", "stratify": "no"}, "stratify", "must be true or false"),
    "seed": ({"name": "iris", "seed": -1}, "seed", "must be a whole number from 0, not -1"),
    "seed fraction": ({"name": "iris", "seed": 1.5}, "seed", "must be a whole number from 0"),
    "delimiter": ({"csv": "a.csv", "target": "y", "delimiter": ";;"}, "delimiter", "must be one character"),
    "generator value": ({"name": "moons", "n_samples": "many"}, None, "dataset 'moons': The 'n_samples' parameter"),
}


@pytest.mark.parametrize("case", DATA_ERRORS)
def test_data_config_errors_name_the_key(tmp_path: Path, case: str) -> None:
    table, key, expected = DATA_ERRORS[case]
    error = error_of(lambda: load_data_config(table, tmp_path))
    assert error.path == (("data", key) if key else ("data",))
    assert expected in error.message
    assert str(error).startswith(f"data.{key}: " if key else "data: ")


def test_data_config_refuses_stratifying_numbers(tmp_path: Path) -> None:
    write(tmp_path, "a,y\n1,0.5\n2,1.5\n3,2.5\n")
    error = error_of(lambda: load_data_config({"csv": "data.csv", "target": "y", "stratify": True}, tmp_path))
    assert error.path == ("data", "stratify") and "cannot be stratified" in str(error)
    with pytest.raises(ConfigError, match="must be a table"):
        load_data_config(["name", "iris"])  # type: ignore[arg-type]
