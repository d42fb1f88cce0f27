"""SmolML networks as scikit-learn estimators: ``SmolMLClassifier`` and ``SmolMLRegressor``.

They follow scikit-learn's estimator protocol (``fit``, ``predict``,
``predict_proba``, ``score``, ``partial_fit``, ``get_params``/``set_params``,
``clone``, pickling) and pass its ``check_estimator``, so they work in
``Pipeline``, ``GridSearchCV``, ``cross_val_score`` and the rest. scikit-learn is
an optional dependency: ``import smolml_core`` never imports it, this module does
(``pip install "smolml[sklearn]"``). See docs/ecosystem.md.
"""

try:
    import sklearn as _sklearn  # noqa: F401  # imported first, to say what to install when it is missing
except ImportError as exc:
    raise ImportError(
        'smolml_core.sklearn needs scikit-learn, which is not installed: pip install "smolml[sklearn]"'
    ) from exc

from .estimators import SmolMLClassifier, SmolMLRegressor

__all__ = ["SmolMLClassifier", "SmolMLRegressor"]
