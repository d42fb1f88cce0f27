"""Testing tools for people who write components: gradient checks and the component test kit.

``check_gradients(f, *inputs)`` compares autograd with finite differences for
any function built from ``MLArray`` operations, on either engine. The kit
(``check_component`` and the single checks beside it) runs on a registered
component every check that applies to it: gradients on both engines,
rebuilding by name, determinism, shape errors, a docstring and sanity checks
for its kind. ``pytest --smolml-kit PLUGIN`` runs the kit over everything a
plugin registered. See docs/verification.md.

The kit's names are imported on first use: pytest imports this package for
its plugin in every run, and most runs never need the kit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .gradients import check_gradients, numerical_gradient

if TYPE_CHECKING:
    from .kit import (
        CHECKS,
        KitCase,
        NotApplicable,
        check_component,
        check_component_gradients,
        check_determinism,
        check_docstring,
        check_export,
        check_rebuild,
        check_replay,
        check_sanity,
        check_shape_errors,
        kit_cases,
        plugin_components,
        run_check,
    )

__all__ = [
    "check_gradients",
    "numerical_gradient",
    # the component test kit
    "CHECKS",
    "KitCase",
    "NotApplicable",
    "check_component",
    "check_component_gradients",
    "check_determinism",
    "check_docstring",
    "check_export",
    "check_rebuild",
    "check_replay",
    "check_sanity",
    "check_shape_errors",
    "kit_cases",
    "plugin_components",
    "run_check",
]


def __getattr__(name: str) -> Any:
    """The kit's names, imported from ``kit.py`` the first time one is asked for."""
    if name in __all__:
        from . import kit

        return getattr(kit, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
