"""What ``SmolMLClassifier`` and ``SmolMLRegressor`` share: the parameters, training, pickling.

Training is ``NeuralNetwork.train``: the estimator builds a network from its
parameters once ``fit`` has seen the data (``building.build``), then trains it
with the options its parameters name. Randomness comes from the estimator's own
generator, seeded from ``random_state`` and put in place of SmolML's global one
while the estimator builds and trains (``rng.generator_in_use``), so a seeded fit
repeats bit for bit and leaves every other draw alone.

A fitted estimator pickles its network as a SmolML model file's bytes
(``persistence.network_to_bytes``): numbers and JSON, read back with every check
a model file gets, building nothing but registered components.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ..errors import ConfigError, ModelFileError
from ..nn import NeuralNetwork
from ..persistence import network_from_bytes, network_to_bytes
from ..rng import generator_in_use
from ..validation import is_number
from .building import DEFAULT_ACTIVATION, DEFAULT_HIDDEN, Task, build

__all__ = ["COMPONENT_PARAMETERS", "SmolMLEstimator"]

_SEED_LIMIT = 2**31 - 1

COMPONENT_PARAMETERS = ("network", "activation", "output_activation", "loss", "weight_initializer", "optimizer")
"""The parameters that take a component (or, ``network``, a table): each setting of one is a parameter of its own,
``optimizer__momentum_coefficient``, as scikit-learn names the parameters of a pipeline's steps."""


class SmolMLEstimator(BaseEstimator):  # type: ignore[misc]  # sklearn ships no type information
    """The parameters and machinery of both estimators; see ``SmolMLClassifier`` for each parameter."""

    _regression = False
    """Whether ``y`` holds numbers (one column or several) rather than labels."""

    def __init__(
        self,
        hidden_layer_sizes: Any = DEFAULT_HIDDEN,
        activation: Any = DEFAULT_ACTIVATION,
        *,
        network: Any = None,
        output_activation: Any = None,
        loss: Any = None,
        weight_initializer: Any = None,
        optimizer: Any = "adam",
        learning_rate: float | None = 0.001,
        epochs: int = 200,
        batch_size: int | None = 32,
        shuffle: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        patience: int = 10,
        random_state: Any = None,
        verbose: bool = False,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.network = network
        self.output_activation = output_activation
        self.loss = loss
        self.weight_initializer = weight_initializer
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.epochs = epochs
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.random_state = random_state
        self.verbose = verbose

    # -- parameters -----------------------------------------------------------------------

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The parameters; with ``deep``, each setting of a component table too (``optimizer__learning_rate``)."""
        params: dict[str, Any] = super().get_params(deep=deep)
        if deep:
            for name in COMPONENT_PARAMETERS:
                table = params[name]
                if isinstance(table, Mapping):
                    params.update((f"{name}__{key}", value) for key, value in table.items() if key != "type")
        return params

    def set_params(self, **params: Any) -> SmolMLEstimator:
        """Set parameters; ``optimizer__momentum_coefficient=0.5`` sets one setting of the optimizer, and so on.

        A component given by name becomes a table holding that name and the
        setting (``"sgd_momentum"`` becomes ``{"type": "sgd_momentum",
        "momentum_coefficient": 0.5}``); ``network__layers`` sets the layers.
        Whole parameters are set first, so a search may set a component and its
        settings together.
        """
        settings = {key: value for key, value in params.items() if key.partition("__")[0] in COMPONENT_PARAMETERS}
        settings = {key: value for key, value in settings.items() if "__" in key}
        super().set_params(**{key: value for key, value in params.items() if key not in settings})
        for key, value in settings.items():
            name, _, setting = key.partition("__")
            setattr(self, name, self._with_setting(name, setting, value))
        return self

    def _with_setting(self, name: str, setting: str, value: Any) -> dict[str, Any]:
        """A new table: the component parameter ``name`` with ``setting`` set to ``value`` (the old one untouched)."""
        current = getattr(self, name)
        if isinstance(current, Mapping):
            return {**current, setting: value}
        if isinstance(current, str):
            return {"type": current, setting: value}
        if current is None and name == "network":
            return {setting: value}
        owner = type(self).__name__
        chosen = "is left to the task" if current is None else f"is {type(current).__name__} {current!r}"
        raise ConfigError(
            f"{owner}.set_params({name}__{setting}=...): {name} {chosen}, so it has no settings to change; "
            f"give {name} a registered name or a table first ({name}=..., then {name}__{setting}=...)"
        )

    # -- what each estimator says about its targets -----------------------------------

    def _encode(self, y: np.ndarray, *, first: bool, classes: Any = None) -> tuple[np.ndarray, Task]:
        """``y`` as the float rows the network trains on, and the task; ``first`` learns the classes or columns."""
        raise NotImplementedError

    # -- fitting ------------------------------------------------------------------------

    def fit(self, X: Any, y: Any) -> SmolMLEstimator:
        """Build a new network for ``X`` and ``y`` and train it for ``epochs`` epochs (fewer with early stopping).

        A fit that fails leaves the estimator unfitted, never holding an earlier fit's network.
        """
        self.__dict__.pop("network_", None)
        X, y = self._validate(X, y, reset=True)
        targets, task = self._encode(y, first=True)
        self._random = _generator(self.random_state)
        self.loss_curve_: list[float] = []
        self.validation_loss_curve_: list[float] | None = [] if self.early_stopping else None
        with generator_in_use(self._random):
            network = build(self, X.shape[1], targets.shape[1], task)
            self._train(network, X, targets, self.epochs, validate=bool(self.early_stopping))
        self.network_ = network
        return self

    def _partial_fit(self, X: Any, y: Any, classes: Any = None) -> SmolMLEstimator:
        """One epoch over ``X``, ``y``; the first call builds the network (and learns the classes)."""
        first = not self.__sklearn_is_fitted__()
        X, y = self._validate(X, y, reset=first)
        targets, task = self._encode(y, first=first, classes=classes)
        if first:
            self._random = _generator(self.random_state)
            self.loss_curve_ = []
            self.validation_loss_curve_ = None
        with generator_in_use(self._random):
            network = build(self, X.shape[1], targets.shape[1], task) if first else self.network_
            self._train(network, X, targets, 1, validate=False)
        self.network_ = network
        return self

    def _validate(self, X: Any, y: Any, *, reset: bool) -> tuple[np.ndarray, np.ndarray]:
        # multi_output: several targets per row, or a classifier's several labels per row (an indicator matrix)
        return validate_data(self, X, y, reset=reset, dtype=np.float64, multi_output=True, y_numeric=self._regression)

    def _train(
        self, network: NeuralNetwork, X: np.ndarray, targets: np.ndarray, epochs: int, *, validate: bool
    ) -> None:
        validation = None
        if validate:
            X, targets, validation = self._hold_out(X, targets)
        early = None if validation is None else {"monitor": "val_loss", "patience": self.patience}
        history = network.train(
            X,
            targets,
            epochs,
            verbose=bool(self.verbose),
            batch_size=self.batch_size,
            shuffle=self.shuffle,
            validation_data=validation,
            early_stopping=early,
        )
        self.loss_curve_.extend(history)
        if validation is not None and self.validation_loss_curve_ is not None:
            self.validation_loss_curve_.extend(history.history["val_loss"])
        self.n_iter_ = len(self.loss_curve_)

    def _hold_out(
        self, X: np.ndarray, targets: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, np.ndarray]]:
        """Rows drawn at random for early stopping's validation, ``validation_fraction`` of them."""
        owner, fraction, rows = type(self).__name__, self.validation_fraction, len(X)
        if not is_number(fraction) or not 0 < fraction < 1:
            raise ConfigError(f"{owner}(validation_fraction={fraction!r}): must be a fraction between 0 and 1")
        held = round(rows * fraction)
        if held == 0 or held == rows:
            raise ConfigError(
                f"{owner}(validation_fraction={fraction!r}) of {rows} rows leaves "
                f"{'no validation' if held == 0 else 'no training'} rows for early stopping; use more data, "
                "another fraction, or early_stopping=False"
            )
        order = self._random.permutation(rows)
        kept, out = order[held:], order[:held]
        return X[kept], targets[kept], (X[out], targets[out])

    # -- predicting ---------------------------------------------------------------------

    def _outputs(self, X: Any, *, logits: bool = False) -> np.ndarray:
        """The network's outputs for ``X``, after checking it is fitted and ``X`` is what it was fitted on.

        ``logits``: what went into the output's final sigmoid or softmax, when it ends in one.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        if not logits:
            return self.network_.predict(X).numpy()
        out = self.network_.forward(X)  # recorded, so the last operation's input can be read
        for before in (out.made_by("sigmoid"), out.made_by("softmax", axis=-1)):
            if before is not None:
                return before.numpy()
        return out.numpy()

    def __sklearn_is_fitted__(self) -> bool:
        return isinstance(getattr(self, "network_", None), NeuralNetwork)

    # -- pickling -----------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        """The estimator's attributes, its network as model-file bytes and its generator as its state."""
        state = dict(super().__getstate__())
        if "network_" in state:
            state["network_"] = network_to_bytes(state["network_"])
        if "_random" in state:
            state["_random"] = state["_random"].bit_generator.state
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Rebuild the network from its bytes, checked as a model file is: no code from them is run."""
        state = dict(state)
        owner = type(self).__name__
        if "network_" in state:
            state["network_"] = network_from_bytes(state["network_"], where=f"the pickled {owner}'s network")
        if "_random" in state:
            generator = np.random.Generator(np.random.PCG64())
            try:
                generator.bit_generator.state = state["_random"]
            except (TypeError, ValueError, KeyError) as exc:
                raise ModelFileError(f"the pickled {owner}'s random generator cannot be restored ({exc})") from exc
            state["_random"] = generator
        super().__setstate__(state)


def _generator(random_state: Any) -> np.random.Generator:
    """A generator for one fit: seeded from ``random_state`` as scikit-learn reads it (None, a seed, a RandomState)."""
    return np.random.default_rng(check_random_state(random_state).randint(_SEED_LIMIT))
