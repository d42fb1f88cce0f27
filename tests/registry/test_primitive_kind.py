"""Primitives as a kind of component: registered by plugins with a provider, colliding loudly, listed, kit-checked."""

from __future__ import annotations

from typing import Any

import pytest

from smolml_core import (
    ConfigError,
    DuplicateComponentError,
    GraphError,
    MLArray,
    Registry,
    hookimpl,
    lookup,
    register,
    use_registry,
)
from smolml_core.cli import main
from smolml_core.testing import kit_cases
from tests.primitive_examples import PRODUCT_EXAMPLE, array_only, product

from .fakes import FakeDistribution, FakeEntryPoint, plugin_module


def primitive_plugin(name: str, op: Any, dist: str, **registration: Any) -> FakeEntryPoint:
    """An installed plugin whose ``smolml_register_primitives`` hook registers ``op`` as ``scaled_product``."""

    @hookimpl
    def smolml_register_primitives(register: Any) -> None:
        register("scaled_product", op, **registration)

    module = plugin_module(name, smolml_register_primitives=smolml_register_primitives)
    return FakeEntryPoint(name, module, FakeDistribution(dist, "1.0"))


def test_a_plugin_registers_a_primitive_with_its_provider() -> None:
    with use_registry(Registry([primitive_plugin("ops", product, "smolml-ops", example=PRODUCT_EXAMPLE)])) as r:
        assert lookup("primitive", "scaled_product") is product
        entry = r.get("primitive", "scaled_product")
        assert entry.provider == "plugin 'ops' (distribution smolml-ops 1.0)" and entry.example == PRODUCT_EXAMPLE


def test_two_plugins_defining_one_name_is_an_error_naming_both() -> None:
    plugins = [primitive_plugin("first", product, "first-dist"), primitive_plugin("second", array_only, "second-dist")]
    with use_registry(Registry(plugins)), pytest.raises(DuplicateComponentError) as info:
        lookup("primitive", "scaled_product")
    assert "first:scaled_product from plugin 'first' (distribution first-dist 1.0)" in str(info.value)
    assert "second:scaled_product from plugin 'second' (distribution second-dist 1.0)" in str(info.value)


def test_the_scalar_refusal_names_the_plugin() -> None:
    with use_registry(Registry([primitive_plugin("ops", array_only, "smolml-ops")])):
        lookup("primitive", "scaled_product")
        with pytest.raises(GraphError, match=r"registered by plugin 'ops' \(distribution smolml-ops 1.0\)"):
            array_only(MLArray([1.0], engine="scalar"), MLArray([1.0]))


def test_only_an_operation_made_by_primitive_can_be_registered() -> None:
    with pytest.raises(ConfigError, match=r"must be an operation made by smolml_core\.primitive"):
        register("primitive", "plain", lambda x: x)


def test_smolml_components_lists_primitives(capsys) -> None:
    with use_registry(Registry([primitive_plugin("ops", product, "smolml-ops")])):
        status = main(["components", "primitive"])
    out = capsys.readouterr().out
    assert status == 0 and "scaled_product" in out and "ops" in out


def test_the_kit_runs_on_a_plugins_primitives() -> None:
    with use_registry(Registry([primitive_plugin("ops", product, "smolml-ops", example=PRODUCT_EXAMPLE)])):
        cases = kit_cases("ops")
        assert [case.id for case in cases][:3] == [
            "ops::primitive:scaled_product::docstring",
            "ops::primitive:scaled_product::sanity",
            "ops::primitive:scaled_product::gradients[array]",
        ]
        for case in cases:
            if case.check not in ("shape_errors", "export"):  # neither applies: the operation has no mapping
                case.run()


def test_smolml_components_show_gives_the_forwards_signature_and_source(capsys) -> None:
    with use_registry(Registry([primitive_plugin("ops", product, "smolml-ops", example=PRODUCT_EXAMPLE)])):
        status = main(["components", "show", "primitive", "scaled_product"])
    out = capsys.readouterr().out
    assert status == 0
    assert "scaled_product(x: Any, w: Any, *, scale: float = 1.0)" in out
    assert "tests/primitive_examples.py" in out and 'config        "scaled_product"' in out
