"""From references to components and back: resolve, reference, get_config."""

from __future__ import annotations

import functools
import json

import numpy as np
import pytest

from smolml_core import (
    ConfigError,
    Layer,
    MLArray,
    Optimizer,
    UnknownComponentError,
    name_of,
    reference,
    register,
    resolve,
)
from smolml_std import activation, initializers, optimizers


def test_name_table_class_and_object_all_resolve() -> None:
    assert resolve("activation", "relu") is activation.relu
    adam = resolve("optimizer", {"type": "adam", "learning_rate": 0.05})
    assert isinstance(adam, optimizers.Adam) and adam.learning_rate == 0.05
    assert isinstance(resolve("initializer", initializers.XavierUniform), initializers.XavierUniform)
    sgd = optimizers.SGD()
    assert resolve("optimizer", sgd) is sgd


def test_function_parameters_are_bound_by_keyword() -> None:
    leaky = resolve("activation", {"type": "leaky_relu", "alpha": 0.2})
    assert isinstance(leaky, functools.partial)
    assert leaky(MLArray([-1.0])).to_list() == [pytest.approx(-0.2)]


def test_unknown_parameter_gets_the_valid_ones_and_a_hint() -> None:
    with pytest.raises(ConfigError) as info:
        resolve("optimizer", {"type": "adam", "lerning_rate": 0.1}, param="optimizer")
    message = str(info.value)
    assert message.startswith("optimizer.lerning_rate: ")
    assert "did you mean 'learning_rate'?" in message
    assert "exp_decay_gradients" in message


def test_missing_required_parameter_is_named() -> None:
    with pytest.raises(ConfigError, match="needs 'input_size', 'output_size'"):
        resolve("layer", {"type": "dense"})


def test_table_without_type_is_explained() -> None:
    with pytest.raises(ConfigError, match="needs a 'type' key"):
        resolve("optimizer", {"learning_rate": 0.1})


def test_values_that_are_not_components_are_refused() -> None:
    with pytest.raises(ConfigError, match="expected a loss"):
        resolve("loss", 3.0, param="loss_function")


def test_invalid_values_raise_config_errors_with_the_parameter() -> None:
    with pytest.raises(ConfigError, match=r"optimizer\.learning_rate: must be a finite number > 0"):
        resolve("optimizer", {"type": "sgd", "learning_rate": -1}, param="optimizer")


def test_error_path_includes_param_for_unknown_names() -> None:
    with pytest.raises(UnknownComponentError, match=r"^activation_function: unknown activation 'rleu'"):
        resolve("activation", "rleu", param="activation_function")


# Parameters without defaults, by component: everything else is built from its name alone.
REQUIRED = {("callback", "csv_logger"): {"path": "log.csv"}}


def test_reference_round_trips_every_standard_component(registry) -> None:
    for entry in registry.components():
        if entry.kind == "layer":
            component = resolve("layer", {"type": entry.name, **(entry.example or {})})
        elif (entry.kind, entry.name) in REQUIRED:
            component = resolve(entry.kind, {"type": entry.name, **REQUIRED[entry.kind, entry.name]})
        else:
            component = resolve(entry.kind, entry.name)
        ref = reference(entry.kind, component)
        json.dumps(ref)
        rebuilt = resolve(entry.kind, ref)
        assert reference(entry.kind, rebuilt) == ref


def test_reference_of_a_configured_instance_lists_its_parameters() -> None:
    assert reference("optimizer", optimizers.SGDMomentum(0.1, 0.5)) == {
        "type": "sgd_momentum",
        "learning_rate": 0.1,
        "momentum_coefficient": 0.5,
    }
    assert reference("activation", functools.partial(activation.elu, alpha=0.5)) == {"type": "elu", "alpha": 0.5}


def test_unregistered_component_cannot_be_written_down() -> None:
    with pytest.raises(ConfigError, match=r"not registered.*smolml_core\.register"):
        reference("activation", lambda x: x)


class Doubler(Layer):
    def __init__(self, size: int, scale: float = 2.0, **extra: float) -> None:
        self.scale = scale
        self.w = MLArray(np.full((1, size), scale))
        self.extra = extra

    def forward(self, X: MLArray) -> MLArray:
        return X * self.w


class Tripler(Doubler):
    def __init__(self, size: int) -> None:
        super().__init__(size, scale=3.0)


def test_constructor_arguments_are_recorded_with_defaults_and_kwargs() -> None:
    assert Doubler(4).get_config() == {"size": 4, "scale": 2.0}
    assert Doubler(4, note=1.5).get_config() == {"size": 4, "scale": 2.0, "note": 1.5}


def test_subclass_records_its_own_arguments_not_its_parents() -> None:
    assert Tripler(5).get_config() == {"size": 5}


def test_registered_custom_layer_rebuilds_by_name() -> None:
    register("layer", "doubler", Doubler)
    layer = resolve("layer", {"type": "doubler", "size": 3, "scale": 4.0})
    assert reference("layer", layer) == {"type": "doubler", "size": 3, "scale": 4.0}


def test_optimizer_config_excludes_state() -> None:
    class Plain(Optimizer):
        def step(self, value, grad, state):
            value -= self.learning_rate * grad

    assert Plain(0.3).get_config() == {"learning_rate": 0.3}


def test_name_of_gives_the_registered_name_however_the_component_was_given() -> None:
    assert name_of("activation", activation.relu) == "relu"
    assert name_of("activation", resolve("activation", {"type": "leaky_relu", "alpha": 0.2})) == "leaky_relu"

    def mine(x: MLArray) -> MLArray:
        return x

    assert name_of("activation", mine) == "mine"  # not registered: its Python name
