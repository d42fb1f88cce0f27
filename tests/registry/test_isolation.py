"""A plugin that breaks is reported and left out; every other plugin keeps working."""

from __future__ import annotations

import pytest

from smolml_core import (
    DuplicateComponentError,
    Layer,
    PluginError,
    Registry,
    UnknownComponentError,
    hookimpl,
    lookup,
    use_registry,
)
from smolml_core.registry.loader import installed_entry_points

from .fakes import FakeDistribution, FakeEntryPoint, activation_plugin, plugin_module

STD = [ep for ep in installed_entry_points() if ep.name == "std"]


def half_done_plugin() -> object:
    """Registers an activation and a loss, then fails in its layer hook."""

    @hookimpl
    def smolml_register_activations(register):
        register("wobble", lambda x: x, aliases=["wob"])

    @hookimpl
    def smolml_register_losses(register):
        register("wobble_loss", lambda y_pred, y_true: (y_pred - y_true).mean())

    @hookimpl
    def smolml_register_layers(register):
        raise RuntimeError("the layer hook fell over")

    return plugin_module(
        "half_done",
        smolml_register_activations=smolml_register_activations,
        smolml_register_losses=smolml_register_losses,
        smolml_register_layers=smolml_register_layers,
    )


def broken_import() -> FakeEntryPoint:
    return FakeEntryPoint(
        "broken", ImportError("No module named 'missing_dep'"), FakeDistribution("smolml-broken", "0.3")
    )


def test_an_import_failure_leaves_the_other_plugins_working() -> None:
    with use_registry(Registry([broken_import(), *STD])) as registry:
        assert lookup("activation", "relu") is not None
        [info] = [p for p in registry.plugins() if p.name == "broken"]
        assert (info.status, info.distribution, info.version) == ("failed", "smolml-broken", "0.3")
        [problem] = info.problems
        assert problem.stage == "import"
        assert "ImportError: No module named 'missing_dep'" in problem.error
        assert "pip uninstall smolml-broken" in problem.hint
        assert "SMOLML_DISABLE_PLUGINS=broken" in problem.hint
        assert "missing_dep" in problem.details  # the traceback, for --traceback
        assert [p.status for p in registry.plugins() if p.name == "std"] == ["loaded"]


def test_asking_for_a_name_while_a_plugin_is_broken_mentions_it() -> None:
    with use_registry(Registry([broken_import(), *STD])), pytest.raises(UnknownComponentError) as info:
        lookup("layer", "fancy_layer")
    message = str(info.value)
    assert message.startswith("unknown layer 'fancy_layer'")
    assert "plugin 'broken' (distribution smolml-broken 0.3) failed to load (could not be imported" in message
    assert "smolml plugins" in message


def test_a_failing_hook_withdraws_everything_its_plugin_registered() -> None:
    with use_registry(Registry([FakeEntryPoint("half", half_done_plugin()), *STD])) as registry:
        for kind, name in [("activation", "wobble"), ("activation", "wob"), ("loss", "wobble_loss")]:
            with pytest.raises(UnknownComponentError) as info:
                lookup(kind, name)
            assert "It comes from plugin 'half', which failed to load (failed in smolml_register_layers: " in str(
                info.value
            )
        with pytest.raises(UnknownComponentError, match="plugin 'half' failed to load"):
            lookup("activation", "half:wobble")
        [info] = [p for p in registry.plugins() if p.name == "half"]
        assert info.components == ()
        assert set(info.would_have_provided) == {
            ("activation", "wobble"),
            ("activation", "wob"),
            ("loss", "wobble_loss"),
        }
        assert lookup("loss", "mse") is not None


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (3, "must be a function or a class"),
        (type("NotALayer", (), {}), "must be a subclass of smolml_core.Layer"),
    ],
)
def test_registering_something_invalid_fails_only_that_plugin(obj: object, expected: str) -> None:
    @hookimpl
    def smolml_register_layers(register):
        register("fine", type("Fine", (Layer,), {"forward": lambda self, X: X}))
        register("bad", obj)

    module = plugin_module("invalid", smolml_register_layers=smolml_register_layers)
    with use_registry(Registry([FakeEntryPoint("invalid", module), *STD])) as registry:
        [problem] = registry.problems()
        assert problem.stage == "register" and expected in problem.error
        with pytest.raises(UnknownComponentError):
            lookup("layer", "fine")
        assert lookup("layer", "dense") is not None


def test_a_plugin_that_exits_while_importing_is_contained() -> None:
    with use_registry(Registry([FakeEntryPoint("quits", SystemExit(3)), *STD])) as registry:
        assert lookup("activation", "tanh") is not None
        assert "SystemExit" in registry.problems()[0].error


def test_two_distributions_declaring_one_plugin_name_keep_the_first() -> None:
    eps = [
        FakeEntryPoint("twin", activation_plugin("from_first"), FakeDistribution("twin-a")),
        FakeEntryPoint("twin", activation_plugin("from_second"), FakeDistribution("twin-b")),
    ]
    with use_registry(Registry(eps)) as registry:
        assert lookup("activation", "from_first") is not None
        with pytest.raises(UnknownComponentError):
            lookup("activation", "from_second")
        assert "two installed distributions declare a plugin named 'twin'" in str(registry.problems()[0])


class TestStrictMode:
    def test_strict_mode_makes_a_broken_plugin_an_error_at_every_lookup(self) -> None:
        with use_registry(Registry([broken_import(), *STD], strict=True)) as registry:
            for _ in range(2):
                with pytest.raises(PluginError, match=r"1 plugin problem \(strict mode\):\n  - plugin 'broken'"):
                    lookup("activation", "relu")
            # inspecting what went wrong still works
            assert [p.status for p in registry.plugins()] == ["failed", "loaded"]

    def test_the_environment_variable_turns_strict_mode_on(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SMOLML_STRICT_PLUGINS", "1")
        with use_registry(Registry([broken_import(), *STD])), pytest.raises(PluginError, match="smolml-broken"):
            lookup("activation", "relu")

    def test_code_can_turn_strict_mode_off_against_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SMOLML_STRICT_PLUGINS", "1")
        with use_registry(Registry([broken_import(), *STD], strict=False)):
            assert lookup("activation", "relu") is not None

    def test_strict_mode_refuses_a_shared_short_name(self) -> None:
        eps = [FakeEntryPoint("a", activation_plugin("same")), FakeEntryPoint("b", activation_plugin("same"))]
        with pytest.raises(
            PluginError, match=r"the activation name 'same' is provided by 2 plugins \(a:same, b:same\)"
        ):
            Registry(eps, strict=True).load()

    def test_check_reports_nothing_for_healthy_plugins(self) -> None:
        Registry(STD, strict=True).check()


class TestSelection:
    def eps(self) -> list[FakeEntryPoint]:
        return [
            FakeEntryPoint("alpha", activation_plugin("a_act")),
            FakeEntryPoint("beta", activation_plugin("b_act")),
            *STD,
        ]

    def test_only_loads_the_named_plugins(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SMOLML_PLUGINS", "alpha, STD")
        with use_registry(Registry(self.eps())) as registry:
            assert lookup("activation", "a_act") and lookup("activation", "relu")
            with pytest.raises(
                UnknownComponentError, match=r"plugin 'beta' is not loaded \(not named in SMOLML_PLUGINS\)"
            ):
                lookup("activation", "b_act")
            assert {p.name: p.status for p in registry.plugins()} == {
                "alpha": "loaded",
                "beta": "disabled",
                "std": "loaded",
            }

    def test_an_empty_only_list_loads_nothing(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SMOLML_PLUGINS", "")
        assert Registry(self.eps()).components() == []

    def test_disable_leaves_the_named_plugins_out(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SMOLML_DISABLE_PLUGINS", "beta")
        registry = Registry(self.eps())
        assert "a_act" in registry.names("activation") and "b_act" not in registry.names("activation")
        [beta] = [p for p in registry.plugins() if p.name == "beta"]
        assert beta.reason == "disabled by SMOLML_DISABLE_PLUGINS"

    def test_disable_wins_over_only(self) -> None:
        registry = Registry(self.eps(), only=["alpha", "beta"], disable=["beta"])
        assert registry.names("activation") == ["a_act"]

    def test_autoload_off_loads_only_what_is_named(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SMOLML_DISABLE_PLUGIN_AUTOLOAD", "1")
        assert Registry(self.eps()).components() == []
        monkeypatch.setenv("SMOLML_PLUGINS", "beta")
        assert Registry(self.eps()).names("activation") == ["b_act"]

    def test_naming_a_plugin_that_is_not_installed_is_a_problem(self) -> None:
        registry = Registry(self.eps(), only=["alpha", "gamma"])
        [problem] = registry.problems()
        assert problem.stage == "selection"
        assert "'gamma', but no installed plugin has that name" in problem.error
        assert "alpha, beta, std" in problem.hint

    def test_arguments_in_code_win_over_the_environment(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SMOLML_PLUGINS", "beta")
        assert Registry(self.eps(), only=["alpha"]).names("activation") == ["a_act"]


class TestQualifiedNames:
    def test_a_qualified_name_always_works(self) -> None:
        with use_registry(Registry([FakeEntryPoint("other", activation_plugin("relu")), *STD])):
            mine = lookup("activation", "other:relu")
            theirs = lookup("activation", "std:ReLU")
            assert mine is not theirs
            with pytest.raises(DuplicateComponentError, match=r"e\.g\. 'other:relu'"):
                lookup("activation", "relu")

    def test_the_standard_components_cannot_be_shadowed_silently(self) -> None:
        """A plugin providing 'relu' makes the short name an error instead of replacing the standard one."""
        with use_registry(Registry([*STD, FakeEntryPoint("other", activation_plugin("relu"))])) as registry:
            with pytest.raises(DuplicateComponentError) as info:
                lookup("activation", "relu")
            assert "std:relu" in str(info.value) and "other:relu" in str(info.value)
            assert "std:relu" in registry.names("activation") and "relu" not in registry.names("activation")
            clashes = [p for p in registry.problems() if p.stage == "collision"]
            assert {p.plugin for p in clashes} == {"std", "other"}

    def test_aliases_have_qualified_names_too(self) -> None:
        with use_registry(Registry(STD)):
            assert lookup("loss", "std:mse") is lookup("loss", "mse_loss")

    def test_unknown_qualified_names_say_what_the_plugin_has(self) -> None:
        with use_registry(Registry(STD)):
            with pytest.raises(UnknownComponentError, match=r"there is no plugin 'nope'; the plugins are std"):
                lookup("activation", "nope:relu")
            with pytest.raises(UnknownComponentError, match=r"\(did you mean 'relu'\?\): plugin 'std'"):
                lookup("activation", "std:relo")


class TestScopedRegistry:
    def test_registrations_inside_are_undone_and_everything_else_stays(self) -> None:
        from smolml_core import register, scoped_registry

        with scoped_registry():
            register("activation", "scratch_act", lambda x: x)
            assert lookup("activation", "scratch_act") is not None
            assert lookup("activation", "relu") is not None
        with pytest.raises(UnknownComponentError):
            lookup("activation", "scratch_act")

    def test_a_name_registered_before_the_scope_is_visible_inside(self) -> None:
        from smolml_core import register, scoped_registry

        register("activation", "outer_act", lambda x: x)
        with scoped_registry():
            assert lookup("activation", "outer_act") is not None
            register("activation", "outer_act", lambda x: x * 2)  # replaced inside only
        assert lookup("activation", "outer_act")(3) == 3


def test_a_config_names_a_shared_short_name_by_its_qualified_name() -> None:
    from smolml_core import NeuralNetwork, resolve

    def network_with(activation: object) -> NeuralNetwork:
        layer = resolve("layer", {"type": "dense", "input_size": 2, "output_size": 1})
        layer_config = {**layer.get_config(), "activation_function": activation}
        return NeuralNetwork([resolve("layer", {"type": "dense", **layer_config})], "mse")

    eps = [*STD, FakeEntryPoint("other", activation_plugin("tanh"))]
    with use_registry(Registry(eps)):
        tanh = lookup("activation", "std:tanh")
        assert network_with(tanh).to_config()["layers"][0]["activation_function"] == "std:tanh"
    with use_registry(Registry(STD)):
        assert network_with(tanh).to_config()["layers"][0]["activation_function"] == "tanh"


def test_a_plugin_left_out_is_announced_once_with_a_warning() -> None:
    from smolml_core import PluginWarning

    registry = Registry([broken_import(), *STD])
    with pytest.warns(
        PluginWarning, match=r"plugin 'broken' \(distribution smolml-broken 0.3\): could not be imported"
    ):
        registry.get("activation", "relu")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        registry.get("activation", "tanh")  # loaded already: no second warning
        Registry(STD).get("activation", "relu")  # healthy plugins: no warning at all


def test_a_hook_that_exits_the_program_is_contained_and_withdrawn() -> None:
    @hookimpl
    def smolml_register_activations(register):
        register("before_exit", lambda x: x)
        raise SystemExit(3)

    module = plugin_module("exits", smolml_register_activations=smolml_register_activations)
    registry = Registry([FakeEntryPoint("exits", module), *STD])
    with use_registry(registry):
        assert lookup("activation", "relu") is not None
        with pytest.raises(UnknownComponentError, match="It comes from plugin 'exits', which failed to load"):
            lookup("activation", "before_exit")
        [info] = [p for p in registry.plugins() if p.name == "exits"]
        assert info.status == "failed" and "SystemExit: 3" in info.problems[0].error
