"""Registry lookups, listings, collisions and the messages a user reads."""

from __future__ import annotations

import pytest

import smolml_core
from smolml_core import (
    ConfigError,
    DuplicateComponentError,
    PluginError,
    Registry,
    UnknownComponentError,
    hookimpl,
    lookup,
    register,
    use_registry,
)

from .fakes import FakeDistribution, FakeEntryPoint, activation_plugin, plugin_module


def test_lookups_are_case_insensitive_and_follow_aliases(registry: Registry) -> None:
    relu = lookup("activation", "relu")
    assert lookup("activation", "ReLU") is relu
    assert lookup("loss", "MSE") is lookup("loss", "mse_loss")
    assert lookup("initializer", "he") is lookup("initializer", "he_initialization")


def test_unknown_name_lists_what_exists_and_the_closest_match() -> None:
    with pytest.raises(UnknownComponentError) as info:
        lookup("activation", "rleu")
    message = str(info.value)
    assert "did you mean 'relu'?" in message
    assert "sigmoid" in message and "tanh" in message
    assert info.value.kind == "activation" and info.value.name == "rleu"


def test_unknown_kind_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="did you mean 'loss'"):
        lookup("losss", "mse")


def test_listing_names_the_plugin_and_distribution(registry: Registry) -> None:
    entries = {(c.kind, c.name): c for c in registry.components()}
    adam = entries[("optimizer", "adam")]
    assert adam.plugin == "std"
    assert adam.distribution == "smolml"
    assert adam.version
    # every kind but primitive: the standard operations are MLArray's own, in the core's table
    assert {c.kind for c in registry.components()} == set(smolml_core.KINDS) - {"primitive"}
    assert [c.name for c in registry.components("layer")] == ["dense", "flatten", "reshape", "residual", "sequential"]


def test_standard_names_required_by_the_tutorial_exist(registry: Registry) -> None:
    expected = {
        "activation": {"relu", "leaky_relu", "elu", "sigmoid", "softmax", "tanh", "linear"},
        "loss": {"mse_loss", "mae_loss", "binary_cross_entropy", "categorical_cross_entropy", "huber_loss"},
        "optimizer": {"sgd", "sgd_momentum", "adagrad", "adam"},
        "initializer": {"random_uniform", "xavier_uniform", "xavier_normal", "he_initialization"},
        "layer": {"dense"},
    }
    for kind, names in expected.items():
        assert names <= set(registry.names(kind)), kind


def test_a_short_name_two_plugins_provide_is_ambiguous_and_lists_both() -> None:
    eps = [
        FakeEntryPoint("first", activation_plugin("swish"), FakeDistribution("first-dist", "0.1")),
        FakeEntryPoint("second", activation_plugin("SWISH"), FakeDistribution("second-dist", "2.0")),
    ]
    with use_registry(Registry(entry_points=eps)), pytest.raises(DuplicateComponentError) as info:
        lookup("activation", "swish")
    assert "first:swish from plugin 'first' (distribution first-dist 0.1)" in str(info.value)
    assert "second:swish from plugin 'second' (distribution second-dist 2.0)" in str(info.value)


def test_user_code_cannot_shadow_a_plugin_component() -> None:
    with pytest.raises(DuplicateComponentError, match="plugin 'std'"):
        register("activation", "relu", lambda x: x)


def test_user_registration_replaces_its_own_earlier_entry() -> None:
    first = register("activation", "mine", lambda x: x)
    second = register("activation", "mine", lambda x: x * 2)
    assert lookup("activation", "mine") is second is not first


def test_register_works_as_a_decorator() -> None:
    @register("loss", "always_zero", aliases=["zero"])
    def always_zero(y_pred, y_true):
        return (y_pred * 0).sum()

    assert lookup("loss", "zero") is always_zero


@pytest.mark.parametrize("bad", ["", "has space", "qual:name", "1starts_with_digit"])
def test_bad_names_are_refused(bad: str) -> None:
    with pytest.raises(ConfigError, match="cannot name an activation"):
        register("activation", bad, lambda x: x)


def test_non_callables_are_refused() -> None:
    with pytest.raises(ConfigError, match="function or a class"):
        register("activation", "number", 3)


def test_scoped_registry_is_undone_afterwards(registry: Registry) -> None:
    with use_registry(Registry(entry_points=[])):
        register("activation", "temporary", lambda x: x)
        assert lookup("activation", "temporary")
    with pytest.raises(UnknownComponentError):
        lookup("activation", "temporary")


def test_discovery_is_lazy_and_happens_once() -> None:
    calls = []

    @hookimpl
    def smolml_register_layers(register):
        calls.append(1)

    fresh = Registry(
        entry_points=[FakeEntryPoint("p", plugin_module("p", smolml_register_layers=smolml_register_layers))]
    )
    assert calls == []
    fresh.components()
    fresh.components()
    assert calls == [1]


class TestBrokenPluginsInStrictMode:
    """In strict mode every way a plugin can break is an error naming it; see test_isolation for the default."""

    def test_import_failure_names_the_plugin_and_distribution(self) -> None:
        ep = FakeEntryPoint(
            "broken", ImportError("No module named 'missing_dep'"), FakeDistribution("broken-dist", "3.1")
        )
        with pytest.raises(PluginError, match=r"plugin 'broken' \(distribution broken-dist 3.1\).*missing_dep"):
            Registry(entry_points=[ep], strict=True).load()

    def test_misspelled_hook_name_is_reported_with_the_right_one(self) -> None:
        @hookimpl
        def smolml_register_activation(register):  # missing the final "s"
            pass

        module = plugin_module("typo", smolml_register_activation=smolml_register_activation)
        with pytest.raises(PluginError, match=r"not a SmolML hook \(did you mean 'smolml_register_activations'\?\)"):
            Registry(entry_points=[FakeEntryPoint("typo", module)], strict=True).load()

    def test_unmarked_hook_is_reported(self) -> None:
        def smolml_register_losses(register):
            pass

        module = plugin_module("unmarked", smolml_register_losses=smolml_register_losses)
        with pytest.raises(PluginError, match="without marking it"):
            Registry(entry_points=[FakeEntryPoint("unmarked", module)], strict=True).load()

    def test_wrong_hook_arguments_are_reported(self) -> None:
        @hookimpl
        def smolml_register_losses(registr):
            pass

        module = plugin_module("args", smolml_register_losses=smolml_register_losses)
        with pytest.raises(PluginError, match="implements a hook wrongly"):
            Registry(entry_points=[FakeEntryPoint("args", module)], strict=True).load()

    def test_exception_inside_a_hook_names_plugin_and_hook(self) -> None:
        @hookimpl
        def smolml_register_optimizers(register):
            raise RuntimeError("boom")

        module = plugin_module("explodes", smolml_register_optimizers=smolml_register_optimizers)
        with pytest.raises(
            PluginError, match="plugin 'explodes': failed in smolml_register_optimizers: RuntimeError: boom"
        ):
            Registry(entry_points=[FakeEntryPoint("explodes", module)], strict=True).load()
