"""``SmolMLClassifier`` and ``SmolMLRegressor``: SmolML networks as scikit-learn estimators."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

from ..errors import ConfigError
from .base import SmolMLEstimator
from .building import BINARY, MULTICLASS, MULTILABEL, REGRESSION, Task

__all__ = ["SmolMLClassifier", "SmolMLRegressor"]


class SmolMLClassifier(ClassifierMixin, SmolMLEstimator):  # type: ignore[misc]
    """A SmolML network that classifies, as a scikit-learn estimator.

    Labels may be numbers or strings, two classes or more. With two classes the
    network ends in one sigmoid output trained with binary cross-entropy; with
    more, in a softmax over one output per class trained with categorical
    cross-entropy (``output_activation`` and ``loss`` change that). A 0/1
    matrix ``y`` gives several labels per row: one sigmoid output per label,
    binary cross-entropy, and ``predict`` returns such a matrix.

    Parameters (every component one a registered name or a ``{"type": ...}`` table):

    - ``hidden_layer_sizes``: the widths of the dense hidden layers, ``(64,)``
      by default; ``()`` for none. ``activation``: theirs, ``"relu"``.
    - ``network``: instead of those two, a config ``{"layers": [...]}`` of any
      registered layers; the first layer's input size is taken from ``X``, and
      the last one's output size and activation, when left out, from ``y``.
    - ``output_activation``, ``loss``, ``weight_initializer``: None chooses for the task.
    - ``optimizer`` (``"adam"``) and ``learning_rate`` (0.001; None leaves it to
      an optimizer table).
    - ``epochs`` (200), ``batch_size`` (32; None is one full-batch step per
      epoch), ``shuffle``.
    - ``early_stopping``: hold out ``validation_fraction`` of the rows, drawn at
      random, and stop once their loss has not improved for ``patience``
      epochs, keeping the best epoch's weights.
    - ``random_state``: None, a seed or a ``RandomState``; a seed makes ``fit``
      repeat exactly. ``verbose``: print each epoch's loss.

    Fitted attributes: ``network_`` (the trained ``NeuralNetwork``),
    ``classes_``, ``n_features_in_``, ``feature_names_in_`` (for a DataFrame),
    ``loss_curve_``, ``validation_loss_curve_`` (with early stopping) and
    ``n_iter_`` (epochs trained).
    """

    def _encode(self, y: np.ndarray, *, first: bool, classes: Any = None) -> tuple[np.ndarray, Task]:
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)  # one label per row, given as a column: said, then used
        check_classification_targets(y)
        if first:
            self._multilabel = type_of_target(y) == "multilabel-indicator"
        if self._multilabel or y.ndim == 2:
            return self._encode_indicators(y, first), MULTILABEL
        owner = type(self).__name__
        if first:
            found = np.unique(y) if classes is None else np.unique(np.asarray(classes))
            if len(found) < 2:
                raise ConfigError(
                    f"{owner} needs at least two classes to learn from, but y holds only one class "
                    f"({found[0]!r})" + ("" if classes is None else " (from classes=...)")
                )
            self.classes_ = found
        unknown = np.setdiff1d(y, self.classes_)
        if len(unknown):
            raise ConfigError(
                f"{owner}: y holds labels {unknown[:5].tolist()} that are not among the classes "
                f"{self.classes_.tolist()}" + (" given to the first partial_fit" if not first else "")
            )
        index = np.searchsorted(self.classes_, y)
        if len(self.classes_) == 2:
            return index.astype(np.float64).reshape(-1, 1), BINARY
        return np.eye(len(self.classes_))[index], MULTICLASS

    def _encode_indicators(self, y: np.ndarray, first: bool) -> np.ndarray:
        """A 0/1 matrix of several labels per row, as it is: one sigmoid output per label."""
        owner = type(self).__name__
        if y.ndim != 2 or type_of_target(y) != "multilabel-indicator" or not self._multilabel:
            raise ConfigError(
                f"{owner}: y is {type_of_target(y)}, but the network was fitted to "
                f"{'several labels per row' if self._multilabel else 'one label per row'}"
            )
        if first:
            self.classes_ = np.arange(y.shape[1])
        elif y.shape[1] != len(self.classes_):
            raise ConfigError(
                f"{owner}: y has {y.shape[1]} labels per row, but the network was fitted to {len(self.classes_)}"
            )
        return y.astype(np.float64)

    def partial_fit(self, X: Any, y: Any, classes: Any = None) -> SmolMLClassifier:
        """Train one epoch on ``X``, ``y``; the first call needs ``classes``, every label there will ever be."""
        if not self.__sklearn_is_fitted__() and classes is None:
            raise ConfigError(
                f"{type(self).__name__}.partial_fit: the first call needs classes=..., every class label the "
                "network will see (a later batch may hold a class this one lacks)"
            )
        self._partial_fit(X, y, classes)
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """One probability per class and row, columns in the order of ``classes_`` (two columns for two classes)."""
        out = self._outputs(X)
        if self._multilabel:
            return out
        if len(self.classes_) == 2 and out.shape[1] == 1:
            return np.hstack([1.0 - out, out])
        return out

    def decision_function(self, X: Any) -> np.ndarray:
        """Each row's scores before the output's sigmoid or softmax: the logits.

        A flat array for two classes (positive: ``classes_[1]``), else one
        column per class or label. A network that ends in neither activation
        gives its outputs.
        """
        scores = self._outputs(X, logits=True)
        return scores.ravel() if len(self.classes_) == 2 and not self._multilabel else scores

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row of ``X``, as one of ``classes_``."""
        probabilities = self.predict_proba(X)  # first: it says if the estimator is not fitted
        if self._multilabel:
            return (probabilities > 0.5).astype(np.int64)
        return self.classes_[np.argmax(probabilities, axis=1)]

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class SmolMLRegressor(RegressorMixin, SmolMLEstimator):  # type: ignore[misc]
    """A SmolML network that predicts numbers, as a scikit-learn estimator.

    ``y`` is one target per row (``predict`` then returns a flat array) or
    several (one column each). The network ends in a linear layer of one output
    per target, trained with the mean squared error unless ``loss`` says
    otherwise. The parameters and fitted attributes are ``SmolMLClassifier``'s,
    without ``classes_``; ``n_outputs_`` is the number of targets.
    """

    _regression = True

    def _encode(self, y: np.ndarray, *, first: bool, classes: Any = None) -> tuple[np.ndarray, Task]:
        columns = y.reshape(len(y), -1)
        if first:
            self.n_outputs_ = columns.shape[1]
            self._flat = y.ndim == 1
        elif columns.shape[1] != self.n_outputs_:
            raise ConfigError(
                f"{type(self).__name__}.partial_fit: y has {columns.shape[1]} target"
                f"{'' if columns.shape[1] == 1 else 's'} per row, but the network was fitted to {self.n_outputs_}"
            )
        return columns.astype(np.float64), REGRESSION

    def partial_fit(self, X: Any, y: Any) -> SmolMLRegressor:
        """Train one epoch on ``X``, ``y``; the first call builds the network."""
        self._partial_fit(X, y)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The predicted targets: a flat array if ``y`` was flat at ``fit``, else one column per target."""
        out = self._outputs(X)
        return out.ravel() if self._flat else out

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
