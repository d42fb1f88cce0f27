"""The kit's public API: outcomes, choosing checks and parameters, finding a plugin's components, leaving no trace."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from smolml_core import Registry, get_rng, hookimpl, is_training, set_seed, use_registry
from smolml_core.testing import (
    CHECKS,
    KitCase,
    NotApplicable,
    check_component,
    check_shape_errors,
    kit_cases,
    plugin_components,
    run_check,
)

from ..registry.fakes import FakeEntryPoint, plugin_module
from .broken import PLUGIN, STANDARD, registry_with_broken


@pytest.fixture(autouse=True)
def broken_registry() -> Iterator[Registry]:
    with use_registry(registry_with_broken()) as registry:
        yield registry


def test_check_component_reports_each_check() -> None:
    outcomes = check_component("activation", "softsign")
    assert list(outcomes) == list(CHECKS)
    assert outcomes["gradients[scalar]"] == "passed"
    assert outcomes["shape_errors"] == "not applicable: activations take no input batch whose shape could be wrong"
    optimizer = check_component("optimizer", "sgd")
    assert optimizer["gradients[array]"] == (
        "not applicable: optimizers are not differentiated: they consume gradients (the sanity check runs them "
        "on a convex quadratic instead)"
    )


def test_a_subset_of_checks_and_unknown_check_names() -> None:
    assert list(check_component("layer", "scale", checks=["rebuild", "docstring"])) == ["rebuild", "docstring"]
    with pytest.raises(ValueError, match=r"unknown check 'gradient' \(did you mean 'gradients\[array\]'\?\)"):
        check_component("layer", "scale", checks=["gradient"])
    with pytest.raises(ValueError, match="the checks are docstring, sanity, "):
        run_check("speed", "layer", "scale")


def test_names_components_and_qualified_names_all_work() -> None:
    entry = next(c for c in plugin_components("broken") if c.name == "scale")
    assert (
        check_component("layer", entry) == check_component("layer", "broken:scale") == check_component("layer", "scale")
    )
    with pytest.raises(ValueError, match="'scale' is registered as 'layer', not 'loss'"):
        check_component("loss", entry)


def test_params_replace_the_registered_example() -> None:
    assert check_component("layer", "scale", params={"size": 5})["shape_errors"] == "passed"
    with pytest.raises(AssertionError, match=r"accepted input of width 6 \(shape \(4, 6\)\) although its input width"):
        check_shape_errors("layer", "width_blind", params={"size": 5})


def test_a_check_that_does_not_apply_says_so_and_why() -> None:
    with pytest.raises(NotApplicable) as info:
        check_shape_errors("activation", "softsign")
    assert str(info.value) == (
        "'shape_errors' does not apply to activation 'softsign' from plugin 'broken': "
        "activations take no input batch whose shape could be wrong"
    )
    assert info.value.reason == "activations take no input batch whose shape could be wrong"


def test_the_kit_leaves_the_generator_and_the_mode_as_it_found_them() -> None:
    set_seed(7)
    expected = get_rng().random(3)
    set_seed(7)
    check_component("layer", "seeded_dropout")
    check_component("initializer", "he")
    assert np.array_equal(get_rng().random(3), expected)
    assert is_training() is False


def test_plugin_components_lists_what_a_plugin_registered() -> None:
    found = plugin_components("broken")
    assert all(c.plugin == "broken" for c in found)
    assert [c.name for c in found if c.kind == "activation"] == [
        "shape_changing",
        "softsign",
        "terse",
        "undocumented",
        "wrong_gradient",
    ]
    assert {c.kind for c in plugin_components("broken", kinds=["loss", "metric"])} == {"loss", "metric"}


def test_plugin_components_explains_an_empty_answer() -> None:
    with pytest.raises(LookupError, match=r"^there is no SmolML plugin named 'brokn' \(did you mean 'broken'\?\); "):
        plugin_components("brokn")
    failing = FakeEntryPoint("fragile", ImportError("no module named fragile_dependency"))
    with use_registry(Registry([failing], strict=False)), pytest.raises(LookupError) as info:
        plugin_components("fragile")
    assert str(info.value).startswith("plugin 'fragile' could not be loaded, so there is nothing to check: ")
    assert "no module named fragile_dependency" in str(info.value)


def test_kit_cases_give_one_case_per_component_and_check() -> None:
    cases = kit_cases("broken", kinds=["layer"])
    assert len(cases) == len(plugin_components("broken", kinds=["layer"])) * len(CHECKS)
    case = next(c for c in cases if c.component.name == "width_blind" and c.check == "shape_errors")
    assert isinstance(case, KitCase)
    assert str(case) == case.id == "broken::layer:width_blind::shape_errors"
    with pytest.raises(AssertionError, match="failed the kit's 'shape_errors' check"):
        case.run()
    assert [c.check for c in kit_cases("broken", kinds=["metric"], checks=["sanity"])] == ["sanity"]


def test_a_short_name_two_plugins_share_is_checked_by_its_qualified_name() -> None:
    @hookimpl
    def smolml_register_activations(register) -> None:
        register("softsign", twin_softsign)

    def twin_softsign(x):
        """Softsign again, from a second plugin: f(x) = x / (1 + |x|)."""
        return x / (1 + x.abs())

    twin = plugin_module("twin", smolml_register_activations=smolml_register_activations)
    with use_registry(Registry([STANDARD, FakeEntryPoint("broken", PLUGIN), FakeEntryPoint("twin", twin)])):
        [entry] = plugin_components("twin")
        assert entry.qualified_name == "twin:softsign"
        assert check_component("activation", entry)["rebuild"] == "passed"
        assert check_component("activation", "broken:softsign")["rebuild"] == "passed"
