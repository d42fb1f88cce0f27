"""The estimators inside scikit-learn's tools: pipelines, searches (in processes too), cross-validation, calibration."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_digits, load_iris
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from smolml_core.sklearn import SmolMLClassifier, SmolMLRegressor

QUICK = {"hidden_layer_sizes": (8,), "epochs": 10, "learning_rate": 0.01, "random_state": 0}


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def test_clone_gives_an_unfitted_estimator_with_the_same_parameters(iris) -> None:
    model = SmolMLClassifier(**QUICK).fit(*iris)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "network_")


def test_a_pipeline_searched_in_two_processes(iris) -> None:
    pipe = make_pipeline(StandardScaler(), SmolMLClassifier(**QUICK))
    grid = {"smolmlclassifier__hidden_layer_sizes": [(4,), (8,)], "smolmlclassifier__learning_rate": [0.01, 0.05]}
    search = GridSearchCV(pipe, grid, cv=2, n_jobs=2).fit(*iris)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_estimator_.score(*iris) > 0.7


def test_a_randomized_search_over_component_names(iris) -> None:
    space = {"activation": ["relu", "tanh", "sigmoid"], "optimizer": ["adam", "sgd_momentum"]}
    search = RandomizedSearchCV(SmolMLClassifier(**QUICK), space, n_iter=3, cv=2, random_state=0).fit(*iris)
    assert search.best_params_["activation"] in space["activation"]


def test_cross_val_score_and_a_regressor(iris) -> None:
    X, y = iris
    scores = cross_val_score(SmolMLClassifier(**QUICK), X, y, cv=3)
    assert scores.shape == (3,)
    r2 = cross_val_score(make_pipeline(StandardScaler(), SmolMLRegressor(**QUICK)), X, y.astype(float), cv=3)
    assert np.all(np.isfinite(r2))


def test_calibrated_probabilities(iris) -> None:
    X, y = iris
    calibrated = CalibratedClassifierCV(SmolMLClassifier(**QUICK), cv=3).fit(X, y)
    proba = calibrated.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.slow
def test_a_search_on_digits_reaches_95_percent_held_out() -> None:
    """The acceptance test: two hidden-layer settings by two learning rates, in two processes."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    pipe = make_pipeline(StandardScaler(), SmolMLClassifier(epochs=20, random_state=0))
    grid = {"smolmlclassifier__hidden_layer_sizes": [(32,), (64,)], "smolmlclassifier__learning_rate": [0.001, 0.01]}
    search = GridSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X_train, y_train)
    assert search.score(X_test, y_test) >= 0.95
