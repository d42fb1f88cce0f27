"""This plugin's components, chosen by name in a scikit-learn search like the standard ones."""

from __future__ import annotations

import pytest

pytest.importorskip("sklearn", minversion="1.6")

from sklearn.datasets import load_iris
from sklearn.model_selection import GridSearchCV

from smolml_core import name_of
from smolml_core.sklearn import SmolMLClassifier


def test_a_grid_search_over_extras_components_by_name() -> None:
    X, y = load_iris(return_X_y=True)
    grid = {"activation": ["gelu", "swish"], "optimizer": ["rmsprop", "adamw"]}
    estimator = SmolMLClassifier(hidden_layer_sizes=(8,), epochs=5, learning_rate=0.01, random_state=0)
    search = GridSearchCV(estimator, grid, cv=2).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    best = search.best_estimator_
    assert name_of("activation", best.network_.layers[0].activation_function) == best.activation
    assert name_of("optimizer", best.network_.optimizer) == best.optimizer
