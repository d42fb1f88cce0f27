"""scikit-learn's own estimator checks, every one, over both estimators.

One check, ``check_array_api_input``, runs only where ``SCIPY_ARRAY_API=1`` was
set before scipy was imported; where it was not (the usual case), that check
runs in a fresh interpreter that sets it, rather than being skipped. The
pandas checks need pandas, which the test extra installs.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from functools import partial

from sklearn.utils.estimator_checks import parametrize_with_checks

from smolml_core.sklearn import SmolMLClassifier, SmolMLRegressor

from ..docs_examples import ROOT

# Small networks and a quick optimizer keep the checks fast; the checks that score the fit
# (check_classifiers_train, check_regressors_train) pass with these as they are.
ESTIMATORS = [
    SmolMLClassifier(hidden_layer_sizes=(16,), epochs=30, learning_rate=0.01),
    SmolMLRegressor(hidden_layer_sizes=(16,), epochs=30, learning_rate=0.01),
]

_ARRAY_API_CHECKS = """
import sys
from sklearn.utils.estimator_checks import check_array_api_input
from smolml_core.sklearn import SmolMLClassifier, SmolMLRegressor

for estimator, keywords in {runs}:
    check_array_api_input(type(estimator).__name__, estimator, **keywords)
    print("checked", estimator, file=sys.stderr)
"""


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_checks(estimator, check) -> None:
    if _check_name(check) == "check_array_api_input" and os.environ.get("SCIPY_ARRAY_API") != "1":
        assert f"checked {estimator!r}" in _array_api_checks(tuple(check.keywords.items()))
    else:
        check(estimator)


def _check_name(check) -> str:
    return (check.func if isinstance(check, partial) else check).__name__


@functools.cache
def _array_api_checks(keywords: tuple) -> str:
    """Run ``check_array_api_input`` on every estimator in one fresh interpreter with SCIPY_ARRAY_API=1."""
    runs = "[" + ", ".join(f"({estimator!r}, {dict(keywords)!r})" for estimator in ESTIMATORS) + "]"
    paths = [str(ROOT), str(ROOT / "plugins"), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {**os.environ, "SCIPY_ARRAY_API": "1", "PYTHONPATH": os.pathsep.join(paths)}
    code = _ARRAY_API_CHECKS.format(runs=runs)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr
