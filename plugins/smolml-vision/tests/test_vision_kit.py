"""SmolML's component test kit over every vision component: what any plugin's components must pass.

The kit checks each component's docstring, what its kind must do, its
gradients on both engines, rebuilding it by name, determinism under a seed
and its shape errors. ``pytest --smolml-kit vision`` runs the same checks
when the plugin is installed; this file runs them from a checkout too.
"""

from __future__ import annotations

import pytest

from smolml_core.testing import KitCase, NotApplicable


def test_component_passes_the_kit(kit_case: KitCase) -> None:
    try:
        kit_case.run()
    except NotApplicable as skipped:
        pytest.skip(str(skipped))
