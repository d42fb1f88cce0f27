"""The table of kinds: each part of SmolML that knows a kind reads it from its row, and the rows agree with the code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import smolml_core
from smolml_core import NETWORK_KINDS, ConfigError, Layer, Registry, WeightInitializer, register, use_registry
from smolml_core.cli.components import as_kind
from smolml_core.cli.inspection import CONFIG_PLACES
from smolml_core.registry import HOOKS, KINDS, hookspecs
from smolml_core.registry.kinds import TABLE, base_class, component_base, kind_of_argument, row
from smolml_core.registry.loader import installed_entry_points

from .fakes import FakeEntryPoint, plugin_module

ROOT = Path(__file__).resolve().parents[2]


def test_the_public_names_keep_their_values() -> None:
    assert KINDS == (
        "activation",
        "loss",
        "optimizer",
        "initializer",
        "layer",
        "metric",
        "schedule",
        "callback",
        "primitive",
    )
    assert NETWORK_KINDS == ("activation", "loss", "optimizer", "initializer", "layer")
    assert HOOKS["loss"] == "smolml_register_losses"
    assert list(HOOKS) == list(KINDS)
    assert hookspecs.HOOKS is HOOKS and hookspecs.NETWORK_KINDS == NETWORK_KINDS


def test_every_row_has_a_hookspec_and_every_hookspec_a_row() -> None:
    specs = {name for name in vars(hookspecs) if name.startswith("smolml_register_")}
    assert specs == {kind.hook for kind in TABLE}
    manager = hookspecs.plugin_manager()
    for kind in TABLE:
        assert getattr(manager.hook, kind.hook).spec is not None, kind.hook


def test_each_base_class_declared_itself_and_is_the_public_class_of_that_name() -> None:
    for kind in TABLE:
        declared = base_class(kind.name)
        if kind.base is None:
            assert declared is None
        else:
            assert declared is getattr(smolml_core, kind.base), kind.name


def test_a_base_class_must_carry_the_name_its_row_gives() -> None:
    with pytest.raises(TypeError, match="the layer kind's base class is Layer, not NotTheLayer"):

        @component_base("layer")
        class NotTheLayer:
            pass

    assert base_class("layer") is Layer


def test_registering_checks_against_the_declared_base_class() -> None:
    class Sub(WeightInitializer):
        """Zeros everywhere, for this test."""

    register("initializer", "test_sub", Sub)
    with pytest.raises(ConfigError, match=r"must be a subclass of smolml_core\.WeightInitializer"):
        register("initializer", "test_not_sub", type("Plain", (), {}))


def test_a_plugin_hook_per_row_registers_that_kind() -> None:
    """The loader calls, for every row, the hook the row names, and registers under the row's kind."""
    hooks = {}
    for kind in TABLE:

        def hook(register, name: str = kind.name) -> None:
            register(f"only_{name}", _a_component(name))

        hook.__name__ = kind.hook
        hooks[kind.hook] = smolml_core.hookimpl(hook)
    plugin = plugin_module("every_kind", **hooks)
    with use_registry(Registry([FakeEntryPoint("every", plugin)])) as registry:
        assert [(c.kind, c.name) for c in registry.components()] == [(k, f"only_{k}") for k in KINDS]


def _a_component(kind: str) -> object:
    """The simplest object the registry accepts as a ``kind``."""
    if kind == "primitive":
        return smolml_core.primitive("only", lambda x: x, lambda g, ans, x: g)
    return getattr(smolml_core, row(kind).base) if row(kind).base else lambda *a: None


def test_the_cli_takes_plurals_and_config_places_from_the_table() -> None:
    assert as_kind("Losses") == "loss" and as_kind("activations") == "activation" and as_kind("layer") == "layer"
    assert {kind.name: (kind.config_key, kind.config_place) for kind in TABLE} == CONFIG_PLACES
    assert CONFIG_PLACES["initializer"] == ("weight_initializer", "in a [[network.layers]] table")
    assert CONFIG_PLACES["callback"] == (None, "in Python: network.train(..., callbacks=[...])")


def test_arguments_name_exactly_one_kind() -> None:
    arguments = [argument for kind in TABLE for argument in kind.arguments]
    assert len(arguments) == len(set(arguments))
    assert kind_of_argument("activation_function") == "activation"
    assert kind_of_argument("weight_initializer") == "initializer"
    assert kind_of_argument("layers") == "layer"
    assert kind_of_argument("dtype") is None


def test_the_kit_skips_gradients_exactly_for_the_kinds_it_does_not_differentiate() -> None:
    assert [kind.name for kind in TABLE if not kind.no_gradient] == ["activation", "loss", "layer", "primitive"]


def hook_lines(page: str) -> dict[str, str]:
    """The lines of a table in ``docs/<page>`` that name a hook, by hook."""
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    return {m.group(1): m.group(0) for m in re.finditer(r"^\|.*?`(smolml_register_\w+)`.*$", text, re.M)}


def test_the_docs_list_every_row_of_the_table() -> None:
    """The reference's table of hooks and the author's guide's table of kinds have one line per row."""
    reference, guide = hook_lines("plugins.md"), hook_lines("plugin-authors.md")
    assert set(reference) == set(guide) == {kind.hook for kind in TABLE}
    for kind in TABLE:
        assert f"`{kind.name}`" in reference[kind.hook] and f"`{kind.name}`" in guide[kind.hook]
        assert not kind.arguments or f"`{kind.arguments[0]}`" in guide[kind.hook]
        if kind.base:
            assert f"smolml_core.{kind.base}`" in reference[kind.hook] and f"`{kind.base}`" in guide[kind.hook]


def test_the_loader_writes_no_private_state_of_the_registry() -> None:
    """The loader reports through ``Registry.record_plugin``; it reads and writes nothing private of the registry."""
    tree = ast.parse((ROOT / "smolml_core" / "registry" / "loader.py").read_text(encoding="utf-8"))
    private = [
        f"registry.{node.attr} (line {node.lineno})"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "registry"
        and node.attr.startswith("_")
    ]
    assert not private


def test_a_plugin_declared_twice_keeps_its_first_record_and_gets_the_second_ones_problem() -> None:
    std = [ep for ep in installed_entry_points() if ep.name == "std"]
    twin = FakeEntryPoint("std", plugin_module("twin"))
    with use_registry(Registry([*std, twin])) as registry:
        [info] = [p for p in registry.plugins() if p.name == "std"]
        assert info.status == "loaded" and info.components
        [problem] = [p for p in registry.problems() if p.plugin == "std"]
        assert "two installed distributions declare a plugin named 'std'" in problem.error


def test_a_component_names_its_provider_as_every_message_names_a_plugin() -> None:
    from smolml_core.registry.plugins import describe_plugin
    from smolml_core.registry.registry import Component

    for dist, version in (("smolml-x", "1.2"), ("smolml-x", None), (None, None)):
        entry = Component("loss", "x", lambda p, t: p, plugin="x", distribution=dist, version=version)
        assert entry.provider == describe_plugin("x", dist, version)
    assert entry.provider == "plugin 'x'"
    assert Component("loss", "x", print).provider == "your code (smolml_core.register)"
