"""A grid search over a SmolML pipeline on a Dask cluster, through joblib's Dask backend (``nox -s distributed``).

    python3 tests/distributed/search_on_dask.py                        # a LocalCluster of 2 worker processes
    python3 tests/distributed/search_on_dask.py tcp://scheduler:8786   # a running cluster's scheduler

The search is the acceptance test's: two hidden-layer settings by two learning
rates, three folds, on scikit-learn's handwritten digits with a StandardScaler in
front. It prints the best settings, the best estimator's accuracy on a held-out
quarter of the digits and the time taken, and fails below 95%.
"""

from __future__ import annotations

import sys
import time

import joblib
from dask.distributed import Client, LocalCluster
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from smolml_core.sklearn import SmolMLClassifier

REQUIRED = 0.95


def search(client: Client) -> float:
    """Run the search with every fit a task on ``client``'s cluster; the best estimator's held-out accuracy."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    pipeline = make_pipeline(StandardScaler(), SmolMLClassifier(epochs=20, random_state=0))
    grid = {
        "smolmlclassifier__hidden_layer_sizes": [(32,), (64,)],
        "smolmlclassifier__learning_rate": [0.001, 0.01],
    }
    workers = len(client.scheduler_info()["workers"])
    started = time.perf_counter()
    with joblib.parallel_config("dask"):
        found = GridSearchCV(pipeline, grid, cv=3).fit(X_train, y_train)
    accuracy = float(found.score(X_test, y_test))
    print(
        f"searched {len(found.cv_results_['params'])} settings x 3 folds on {workers} Dask workers "
        f"in {time.perf_counter() - started:.1f} s"
    )
    print(f"best settings: {found.best_params_}")
    print(f"held-out accuracy of the best estimator: {accuracy:.4f}")
    return accuracy


def main(argv: list[str]) -> int:
    if argv:
        with Client(argv[0]) as client:
            accuracy = search(client)
    else:
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True) as cluster, Client(cluster) as client:
            accuracy = search(client)
    if accuracy < REQUIRED:
        print(f"FAILED: {accuracy:.4f} is below {REQUIRED}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
