"""SmolMLClassifier and SmolMLRegressor: what they build from their parameters, and what they refuse."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from smolml_core import ConfigError, get_rng, name_of, register, scoped_registry
from smolml_core.sklearn import SmolMLClassifier, SmolMLRegressor

from ..docs_examples import ROOT

QUICK = {"hidden_layer_sizes": (8,), "epochs": 5, "learning_rate": 0.01, "random_state": 0}


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


def _run(code: str) -> subprocess.CompletedProcess[str]:
    env_path = f"{ROOT}:{ROOT / 'plugins'}"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={"PYTHONPATH": env_path}, timeout=120
    )


def test_importing_the_core_does_not_import_sklearn() -> None:
    done = _run("import json, sys, smolml_core; print(json.dumps('sklearn' in sys.modules))")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) is False


def test_without_sklearn_the_error_says_what_to_install() -> None:
    done = _run("import sys; sys.modules['sklearn'] = None; import smolml_core.sklearn")
    assert done.returncode != 0
    assert "ImportError" in done.stderr
    assert 'pip install "smolml[sklearn]"' in done.stderr


def test_two_string_classes_end_in_one_sigmoid_and_give_two_probabilities(iris) -> None:
    X, y = iris
    keep = y < 2
    labels = np.where(y[keep] == 0, "setosa", "versicolor")
    model = SmolMLClassifier(**QUICK).fit(X[keep], labels)
    network = model.network_
    assert network.layers[-1].output_size == 1
    assert name_of("activation", network.layers[-1].activation_function) == "sigmoid"
    assert name_of("loss", network.loss_function) == "binary_cross_entropy"
    proba = model.predict_proba(X[keep])
    assert proba.shape == (keep.sum(), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(model.predict(X[keep])) <= {"setosa", "versicolor"}
    assert list(model.classes_) == ["setosa", "versicolor"]


def test_several_classes_end_in_softmax_over_one_output_each(iris) -> None:
    X, y = iris
    model = SmolMLClassifier(**{**QUICK, "epochs": 30}).fit(X, y + 10)
    assert model.network_.layers[-1].output_size == 3
    assert name_of("activation", model.network_.layers[-1].activation_function) == "softmax"
    assert name_of("loss", model.network_.loss_function) == "categorical_cross_entropy"
    assert list(model.classes_) == [10, 11, 12]
    assert model.score(X, y + 10) > 0.8
    assert model.n_features_in_ == 4
    assert model.n_iter_ == len(model.loss_curve_) == 30


def test_regression_with_several_targets_is_linear_and_mse() -> None:
    X, y = make_regression(n_samples=60, n_features=5, n_targets=2, random_state=0)
    model = SmolMLRegressor(**QUICK).fit(X, y / y.std())
    assert model.predict(X).shape == (60, 2)
    assert model.n_outputs_ == 2
    assert name_of("activation", model.network_.layers[-1].activation_function) == "linear"
    assert name_of("loss", model.network_.loss_function) == "mse_loss"
    flat = SmolMLRegressor(**QUICK).fit(X, y[:, 0] / y.std())
    assert flat.predict(X).shape == (60,)


def test_a_network_config_gets_its_first_input_and_last_output_from_the_data(iris) -> None:
    X, y = iris
    network = {"layers": [{"type": "dense", "output_size": 8, "activation_function": "tanh"}, {"type": "dense"}]}
    given = copy.deepcopy(network)
    model = SmolMLClassifier(network=network, epochs=2, random_state=0).fit(X, y)
    first, last = model.network_.layers
    assert (first.input_size, first.output_size, last.input_size, last.output_size) == (4, 8, 8, 3)
    assert name_of("activation", last.activation_function) == "softmax"
    assert network == given  # the parameter is left as it was given


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"network": {"layers": ["dense"]}, "hidden_layer_sizes": (4,)}, "not both"),
        ({"network": {"layers": [{"type": "dense"}], "loss_function": "mse"}}, "loss, the optimizer"),
        ({"network": {"layers": [{"type": "dense", "output_size": 2}]}}, "leave the last layer's output_size out"),
        ({"network": [{"type": "dense"}]}, '{"layers": [...]}'),
        ({"hidden_layer_sizes": (4, 0)}, "every width must be a whole number >= 1"),
        ({"hidden_layer_sizes": "64"}, "a width or a sequence of widths"),
        ({"activation": "rleu"}, "relu"),
        ({"loss": "no_such_loss"}, "SmolMLClassifier"),
        ({"optimizer": {"type": "adam", "learning_rate": 0.1}}, "given twice"),
        ({"optimizer": 3}, "registered name"),
        ({"early_stopping": True, "validation_fraction": 1.5}, "validation_fraction=1.5"),
    ],
)
def test_wrong_parameters_are_refused_at_fit_naming_the_parameter(iris, params, message) -> None:
    X, y = iris
    with pytest.raises(ConfigError) as caught:
        SmolMLClassifier(**{"epochs": 1, **params}).fit(X, y)
    assert message in str(caught.value)


def test_one_class_is_refused_and_partial_fit_needs_the_classes(iris) -> None:
    X, _ = iris
    with pytest.raises(ConfigError, match="at least two classes"):
        SmolMLClassifier(epochs=1).fit(X, np.zeros(len(X)))
    with pytest.raises(ConfigError, match="the first call needs classes"):
        SmolMLClassifier().partial_fit(X, np.zeros(len(X)))


def test_partial_fit_trains_one_epoch_a_call_and_refuses_new_labels(iris) -> None:
    X, y = iris
    model = SmolMLClassifier(**QUICK)
    model.partial_fit(X[:50], y[:50], classes=[0, 1, 2])
    for _ in range(20):
        model.partial_fit(X, y)
    assert model.n_iter_ == 21
    assert model.loss_curve_[-1] < model.loss_curve_[1]
    with pytest.raises(ConfigError, match=r"labels \[7\] that are not among the classes"):
        model.partial_fit(X[:3], [0, 1, 7])


def test_early_stopping_validates_on_held_out_rows_and_stops(iris) -> None:
    X, y = iris
    model = SmolMLClassifier(**{**QUICK, "epochs": 400, "learning_rate": 0.05}, early_stopping=True, patience=3)
    model.fit(X, y)
    assert model.n_iter_ < 400
    assert len(model.validation_loss_curve_) == model.n_iter_


def test_a_seed_repeats_the_fit_and_leaves_the_global_generator_alone(iris) -> None:
    X, y = iris
    before = get_rng().bit_generator.state
    first = SmolMLClassifier(**QUICK).fit(X, y).predict_proba(X)
    assert get_rng().bit_generator.state == before
    np.testing.assert_array_equal(first, SmolMLClassifier(**QUICK).fit(X, y).predict_proba(X))
    other = SmolMLClassifier(**{**QUICK, "random_state": 1}).fit(X, y).predict_proba(X)
    assert not np.array_equal(first, other)


def test_a_component_registered_by_name_is_a_parameter_like_any_other(iris) -> None:
    X, y = iris

    def double_tanh(x):
        return x.tanh() * 2

    with scoped_registry():
        register("activation", "double_tanh", double_tanh)
        model = SmolMLClassifier(**{**QUICK, "activation": "double_tanh"}).fit(X, y)
        assert name_of("activation", model.network_.layers[0].activation_function) == "double_tanh"
        assert clone(model).get_params()["activation"] == "double_tanh"


def test_feature_names_come_from_a_dataframe(iris) -> None:
    pd = pytest.importorskip("pandas")
    X, y = iris
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    model = SmolMLRegressor(**QUICK).fit(frame, y.astype(float))
    assert list(model.feature_names_in_) == ["a", "b", "c", "d"]


def test_seeded_fits_in_threads_at_once_repeat_the_fits_made_one_by_one(iris) -> None:
    X, y = iris
    seeds = [0, 1, 2, 3]
    alone = [SmolMLClassifier(**{**QUICK, "random_state": s}).fit(X, y).predict_proba(X) for s in seeds]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(lambda s: SmolMLClassifier(**{**QUICK, "random_state": s}).fit(X, y), seeds))
    for model, expected in zip(together, alone, strict=True):
        np.testing.assert_array_equal(model.predict_proba(X), expected)


def test_a_component_setting_is_a_parameter_of_its_own(iris) -> None:
    model = SmolMLClassifier(**QUICK)
    model.set_params(optimizer__momentum_coefficient=0.5, optimizer="sgd_momentum")
    assert model.optimizer == {"type": "sgd_momentum", "momentum_coefficient": 0.5}
    assert model.get_params()["optimizer__momentum_coefficient"] == 0.5
    assert "optimizer__momentum_coefficient" not in model.get_params(deep=False)
    table = model.optimizer
    model.set_params(optimizer__momentum_coefficient=0.8)
    assert table["momentum_coefficient"] == 0.5  # a new table: the old value is not changed under its holders
    model.fit(*iris)
    assert model.network_.optimizer.momentum_coefficient == 0.8
    model.set_params(network__layers=[{"type": "dense", "output_size": 4}, "dense"])
    assert model.network == {"layers": [{"type": "dense", "output_size": 4}, "dense"]}
    with pytest.raises(ConfigError, match=r"loss is left to the task.*loss=\.\.\., then loss__delta"):
        model.set_params(loss__delta=2.0)
    with pytest.raises(ValueError, match="Invalid parameter 'layers'"):
        model.set_params(layers=[])


def test_a_search_varies_one_setting_of_a_component(iris) -> None:
    grid = {"smolmlclassifier__activation": ["leaky_relu"], "smolmlclassifier__activation__alpha": [0.01, 0.2]}
    search = GridSearchCV(make_pipeline(StandardScaler(), SmolMLClassifier(**QUICK)), grid, cv=2).fit(*iris)
    best = search.best_estimator_[-1]
    assert best.activation["type"] == "leaky_relu"
    assert best.activation["alpha"] in (0.01, 0.2)
    assert best.network_.layers[0].activation_function.keywords == {"alpha": best.activation["alpha"]}


def test_several_labels_per_row_get_one_sigmoid_output_each(iris) -> None:
    X, y = iris
    labels = np.column_stack([y == 0, y == 2, X[:, 0] > 0]).astype(int)
    model = SmolMLClassifier(**{**QUICK, "epochs": 40}).fit(X, labels)
    assert name_of("activation", model.network_.layers[-1].activation_function) == "sigmoid"
    assert name_of("loss", model.network_.loss_function) == "binary_cross_entropy"
    assert list(model.classes_) == [0, 1, 2]
    assert model.predict(X).shape == model.predict_proba(X).shape == (150, 3)
    assert set(np.unique(model.predict(X))) <= {0, 1}
    assert model.score(X, labels) > 0.7  # every label of a row right
    with pytest.raises(ConfigError, match="fitted to several labels per row"):
        model.partial_fit(X, y)


def test_decision_function_gives_the_logits_before_sigmoid_or_softmax(iris) -> None:
    X, y = iris
    three = SmolMLClassifier(**QUICK).fit(X, y)
    logits = three.decision_function(X)
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    np.testing.assert_allclose(expected / expected.sum(axis=1, keepdims=True), three.predict_proba(X), rtol=1e-12)
    two = SmolMLClassifier(**QUICK).fit(X, y == 1)
    z = two.decision_function(X)
    assert z.shape == (150,)
    np.testing.assert_allclose(1 / (1 + np.exp(-z)), two.predict_proba(X)[:, 1], rtol=1e-12)
    np.testing.assert_array_equal(two.predict(X), two.classes_[(z > 0).astype(int)])


def test_a_fit_that_fails_leaves_no_earlier_network_behind(iris) -> None:
    X, y = iris
    model = SmolMLClassifier(**QUICK).fit(X, y)
    model.set_params(activation="rleu")
    with pytest.raises(ConfigError, match="rleu"):
        model.fit(X, y)
    with pytest.raises(NotFittedError):
        model.predict(X)


def test_verbose_prints_each_epoch_and_quiet_prints_nothing(iris, capsys) -> None:
    X, y = iris
    SmolMLClassifier(**{**QUICK, "epochs": 2}).fit(X, y)
    assert capsys.readouterr().out == ""
    SmolMLClassifier(**{**QUICK, "epochs": 2}, verbose=True).fit(X, y)
    printed = capsys.readouterr().out
    assert "Epoch 1/2, Loss:" in printed and "Epoch 2/2, Loss:" in printed


def test_a_regressor_trains_on_in_batches_with_as_many_targets() -> None:
    X, y = make_regression(n_samples=60, n_features=3, n_targets=2, random_state=0)
    model = SmolMLRegressor(**QUICK)
    for start in range(0, 60, 20):
        model.partial_fit(X[start : start + 20], y[start : start + 20] / y.std())
    assert model.n_iter_ == 3 and model.predict(X).shape == (60, 2)
    with pytest.raises(ConfigError, match="y has 1 target per row, but the network was fitted to 2"):
        model.partial_fit(X, y[:, 0])
