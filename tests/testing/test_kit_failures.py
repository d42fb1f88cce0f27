"""The kit fails what is wrong: each deliberately broken component is caught, with a message that says what to fix.

Every broken component has exactly one fault, so each test also checks that
the kit blames the right check and lets the others pass.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from smolml_core import Registry, use_registry
from smolml_core.testing import (
    CHECKS,
    check_component,
    check_component_gradients,
    check_determinism,
    check_docstring,
    check_rebuild,
    check_sanity,
    check_shape_errors,
)

from .broken import registry_with_broken


@pytest.fixture(autouse=True)
def broken_registry() -> Iterator[Registry]:
    with use_registry(registry_with_broken()) as registry:
        yield registry


def failure(check, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as info:
        check(*args, **kwargs)
    return str(info.value)


def passes_all_but(kind: str, name: str, failing: set[str]) -> None:
    """Every check outside ``failing`` passes or does not apply (``check_component`` raises otherwise)."""
    check_component(kind, name, checks=[check for check in CHECKS if check not in failing])


def test_the_control_components_pass() -> None:
    for kind, name in [("activation", "softsign"), ("layer", "scale"), ("layer", "seeded_dropout")]:
        outcomes = check_component(kind, name)
        assert set(outcomes) == set(CHECKS)
    assert check_component("layer", "scale")["shape_errors"] == "passed"
    assert check_component("layer", "seeded_dropout")["shape_errors"] == (
        "not applicable: its input width is unknown (no input_size attribute, no input_size/size/features "
        "parameter), so the kit takes it to accept any width"
    )


@pytest.mark.parametrize("engine", ["array", "scalar"])
def test_a_wrong_gradient_is_caught_on_both_engines(engine: str) -> None:
    message = failure(check_component_gradients, "activation", "wrong_gradient", engine=engine)
    assert message.startswith(
        f"activation 'wrong_gradient' from plugin 'broken' failed the kit's 'gradients[{engine}]' check: "
        f"on the {engine} engine, the gradient with respect to its input (shape (3, 4)) disagrees with finite "
        "differences: at index"
    )
    assert "\nTo fix it: build the output only from MLArray operations" in message
    assert ".numpy()" in message
    passes_all_but("activation", "wrong_gradient", {"gradients[array]", "gradients[scalar]"})


def test_check_component_stops_at_the_first_failure_and_names_it() -> None:
    message = failure(check_component, "activation", "wrong_gradient")
    assert "failed the kit's 'gradients[array]' check" in message


def test_a_parameter_outside_the_graph_is_caught_and_named() -> None:
    message = failure(check_component_gradients, "layer", "detached_bias")
    assert (
        "layer 'detached_bias' from plugin 'broken' failed the kit's 'gradients[array]' check: on the array engine, "
        "in eval mode, the gradient with respect to its parameter 'bias' (shape (1, 3)) disagrees with finite "
        "differences: at index (0, 1) autograd gives 0.0, finite differences -0.34"
    ) in message
    passes_all_but("layer", "detached_bias", {"gradients[array]", "gradients[scalar]"})


def test_a_missing_or_empty_docstring_is_caught() -> None:
    message = failure(check_docstring, "activation", "undocumented")
    assert message.startswith(
        "activation 'undocumented' from plugin 'broken' failed the kit's 'docstring' check: "
        "undocumented (in tests.testing.broken) has no docstring\nTo fix it: write a docstring"
    )
    assert "is only 'Softsign.'" in failure(check_docstring, "activation", "terse")
    passes_all_but("activation", "undocumented", {"docstring"})


def test_a_class_does_not_borrow_its_base_class_docstring() -> None:
    with use_registry(Registry([])):
        from smolml_core import Layer, register

        class Bare(Layer):
            def forward(self, X):
                return X

        register("layer", "bare", Bare)
        assert "Bare" in failure(check_docstring, "layer", "bare")


def test_an_initializer_that_ignores_its_rng_is_caught() -> None:
    message = failure(check_determinism, "initializer", "rng_ignoring")
    assert message.startswith(
        "initializer 'rng_ignoring' from plugin 'broken' failed the kit's 'determinism' check: "
        "sample((4, 3), rng) gave different numbers for two generators made from seed 1234: "
    )
    assert message.endswith(
        "To fix it: draw only from the rng that sample() receives, never from np.random, random or "
        "smolml_core.get_rng()."
    )
    passes_all_but("initializer", "rng_ignoring", {"determinism"})


def test_every_nested_parameter_gets_a_gradient_check_named_by_its_path() -> None:
    message = failure(check_component_gradients, "layer", "scaled_block")
    assert (
        "layer 'scaled_block' from plugin 'broken' failed the kit's 'gradients[array]' check: on the array engine, "
        "in eval mode, the gradient with respect to its parameter 'steps.1.bias' (shape (1, 3)) disagrees with "
        "finite differences"
    ) in message
    passes_all_but("layer", "scaled_block", {"gradients[array]", "gradients[scalar]"})


def test_a_layer_that_hides_an_array_from_the_walk_is_caught_with_how_to_expose_it() -> None:
    message = failure(check_sanity, "layer", "set_hidden")
    assert message == (
        "layer 'set_hidden' from plugin 'broken' failed the kit's 'sanity' check: its extra is a set, whose items "
        "have no order and so no names: the walk over its arrays cannot see it, so it is never trained or saved\n"
        "To fix it: keep arrays as MLArray attributes of the layer, or in lists, tuples or dicts (with string keys) "
        "of MLArrays or layers; an array that is not to be trained is MLArray(..., requires_grad=False), which is "
        "saved."
    )


def test_names_that_change_between_builds_are_caught() -> None:
    message = failure(check_rebuild, "layer", "renaming")
    assert "failed the kit's 'rebuild' check: built again by name it has the parameters {'part" in message
    assert "get_config() must return the constructor arguments that decide the parameters' names" in message


def test_a_layer_whose_config_cannot_rebuild_it_is_caught() -> None:
    message = failure(check_rebuild, "layer", "unrebuildable_scale")
    assert message.startswith(
        "layer 'unrebuildable_scale' from plugin 'broken' failed the kit's 'rebuild' check: rebuilding it by name "
        "with resolve('layer', {'type': 'unrebuildable_scale', 'width': 3, 'start': 2.0}) raised ConfigError: "
        "width: layer 'unrebuildable_scale' has no parameter 'width'; its parameters are: size, start"
    )
    passes_all_but("layer", "unrebuildable_scale", {"rebuild"})


def test_a_layer_whose_config_leaves_out_what_decides_its_output_is_caught() -> None:
    message = failure(check_rebuild, "layer", "forgetful_shift")
    assert message.startswith(
        "layer 'forgetful_shift' from plugin 'broken' failed the kit's 'rebuild' check: rebuilt from "
        "{'type': 'forgetful_shift', 'size': 3} it computes something else with the same parameters copied in, "
        "in eval mode: "
    )
    assert "To fix it: get_config() (or the recorded constructor arguments) must capture everything" in message
    passes_all_but("layer", "forgetful_shift", {"rebuild"})


def test_a_layer_that_accepts_the_wrong_width_is_caught() -> None:
    message = failure(check_shape_errors, "layer", "width_blind")
    assert message == (
        "layer 'width_blind' from plugin 'broken' failed the kit's 'shape_errors' check: it accepted input of "
        "width 4 (shape (4, 4)) although its input width is 3\nTo fix it: compare X.shape[-1] with the expected "
        "width at the start of forward() and raise smolml_core.ShapeError naming the expected and the given shapes."
    )
    passes_all_but("layer", "width_blind", {"shape_errors"})


def test_a_loss_that_broadcasts_mismatched_shapes_is_caught() -> None:
    message = failure(check_shape_errors, "loss", "broadcasting_loss")
    assert message.startswith(
        "loss 'broadcasting_loss' from plugin 'broken' failed the kit's 'shape_errors' check: calling it with "
        "y_pred of shape (4, 3) and y_true of shape (4, 1) (MLArrays) returned MLArray("
    )
    assert message.endswith(
        "instead of raising smolml_core.ShapeError\nTo fix it: compare the shapes of y_pred and y_true first and "
        "raise smolml_core.ShapeError naming both; otherwise numpy broadcasting quietly makes them fit."
    )
    passes_all_but("loss", "broadcasting_loss", {"shape_errors"})


def test_random_draws_outside_smolmls_generator_are_caught() -> None:
    message = failure(check_determinism, "layer", "numpy_dropout")
    assert "two builds after set_seed(1234) computed different outputs in training mode" in message
    assert "smolml_core.get_rng()" in message
    message = failure(check_component_gradients, "layer", "numpy_dropout")
    assert "on the array engine, in training mode, the gradient with respect to the input X (shape (4, 3))" in message
    assert "draw random numbers only from smolml_core.get_rng()" in message


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        ("activation", "shape_changing", "turned an input of shape (3, 4) into shape (3,)\nTo fix it: an activation"),
        ("loss", "per_sample_loss", "it returned an array of shape (4,), not one number\nTo fix it: reduce"),
        ("metric", "array_metric", "(ndarray), not a float\nTo fix it: return float(...)."),
        ("schedule", "falling_to_zero", "for epoch 10 and base_lr 0.1 it returned 0.0\nTo fix it: return"),
        ("optimizer", "rebinding", "took f from 2.40936 to 2.40936, not lower\nTo fix it: step(value, grad, state)"),
    ],
)
def test_sanity_failures_say_what_the_kind_requires(kind: str, name: str, expected: str) -> None:
    message = failure(check_sanity, kind, name)
    assert message.startswith(f"{kind} {name!r} from plugin 'broken' failed the kit's 'sanity' check: ")
    assert expected in message


def test_a_component_that_cannot_be_built_asks_for_an_example() -> None:
    message = failure(check_sanity, "layer", "needs_size")
    assert message == (
        "layer 'needs_size' from plugin 'broken' failed the kit's 'sanity' check: it could not be built by name "
        "from no parameters: ConfigError: layer 'needs_size' needs 'size'\nTo fix it: pass example={...} to "
        "register(...) with parameters that build a working instance, e.g. "
        "register('needs_size', ..., example={'size': ...})."
    )
    outcomes = check_component("layer", "needs_size", params={"size": 2})
    assert outcomes["shape_errors"] == "passed"


def test_bad_parameters_are_blamed_on_whoever_gave_them() -> None:
    message = failure(check_sanity, "layer", "scale", params={"size": 0, "colour": "red"})
    assert "could not be built by name from parameters {'size': 0, 'colour': 'red'}: ConfigError" in message
    assert message.endswith("To fix it: fix the parameters.")
