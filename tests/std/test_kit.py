"""Every standard component passes the component test kit, through its public API.

The standard components are a plugin like any other, so they are held to
what the kit asks of any plugin. The expected skips are listed per kind, so a
check that stops applying (a layer whose width the kit can no longer tell,
say) fails here instead of passing quietly.
"""

from __future__ import annotations

import importlib.util
from importlib.metadata import EntryPoint

import pytest

from smolml_core import Component, Registry, use_registry
from smolml_core.testing import CHECKS, check_component, plugin_components

_STANDARD = Registry([EntryPoint(name="std", value="smolml_std.plugin", group="smolml")])

with use_registry(_STANDARD):
    STANDARD = plugin_components("std")

# "export" applies to operations only (a component made of them exports through theirs).
NOT_APPLICABLE = {
    "activation": {"shape_errors", "export"},
    "loss": {"export"},
    "layer": {"export"},
    "optimizer": {"gradients[array]", "gradients[scalar]", "shape_errors", "export"},
    "initializer": {"gradients[array]", "gradients[scalar]", "shape_errors", "replay", "export"},
    "metric": {"gradients[array]", "gradients[scalar]", "shape_errors", "replay", "export"},
    "schedule": {"gradients[array]", "gradients[scalar]", "shape_errors", "replay", "export"},
    "callback": {"gradients[array]", "gradients[scalar]", "determinism", "shape_errors", "replay", "export"},
}

# Where torch or ONNX Runtime is installed, the dense layer's own export mapping (one Gemm) is run.
_EXPORTS = importlib.util.find_spec("torch") is not None or importlib.util.find_spec("onnxruntime") is not None

# Components whose skips differ from their kind's: flatten takes input of any width, so no width is wrong.
NOT_APPLICABLE_BY_NAME = {
    ("layer", "flatten"): {"shape_errors", "export"},
    ("layer", "dense"): set() if _EXPORTS else {"export"},
}


def test_every_kind_is_represented() -> None:
    assert {c.kind for c in STANDARD} == set(NOT_APPLICABLE)


@pytest.mark.parametrize("component", STANDARD, ids=lambda c: f"{c.kind}:{c.name}")
def test_standard_component_passes_the_kit(component: Component) -> None:
    outcomes = check_component(component.kind, component)
    skipped = {check for check, outcome in outcomes.items() if outcome.startswith("not applicable: ")}
    assert set(outcomes) == set(CHECKS)
    expected = NOT_APPLICABLE_BY_NAME.get((component.kind, component.name), NOT_APPLICABLE[component.kind])
    assert skipped == expected, outcomes
