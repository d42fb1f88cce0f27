"""The kit on primitives: a right one passes, and each wrong one is caught by the check that should catch it."""

from __future__ import annotations

import pytest

from smolml_core import register
from smolml_core.testing import CHECKS, check_component, check_component_gradients, check_sanity
from tests.primitive_examples import (
    MASKED_SUM_EXAMPLE,
    PRODUCT_EXAMPLE,
    array_only,
    masked_sum,
    no_unbroadcast,
    product,
    scalar_disagrees,
    widening,
    wrong_vjp,
)


def failure(check, *args, **kwargs) -> str:
    with pytest.raises(AssertionError) as info:
        check(*args, **kwargs)
    return str(info.value)


def test_a_right_primitive_passes_every_check_that_applies() -> None:
    register("primitive", "scaled_product", product, example=PRODUCT_EXAMPLE)
    outcomes = check_component("primitive", "scaled_product")
    assert set(outcomes) == set(CHECKS)
    assert {check for check, outcome in outcomes.items() if outcome == "passed"} == {
        "docstring",
        "sanity",
        "gradients[array]",
        "gradients[scalar]",
        "rebuild",
        "determinism",
        "replay",
    }


def test_a_constant_argument_is_passed_as_the_example_gives_it() -> None:
    register("primitive", "masked_sum", masked_sum, example=MASKED_SUM_EXAMPLE)
    assert check_component("primitive", "masked_sum")["gradients[array]"] == "passed"


def test_a_wrong_vjp_is_caught_against_finite_differences_naming_the_argument() -> None:
    register("primitive", "wrong_vjp", wrong_vjp, example=PRODUCT_EXAMPLE)
    message = failure(check_component_gradients, "primitive", "wrong_vjp")
    assert "primitive 'wrong_vjp' from your code" in message
    assert "the gradient of argument 0 (shape (2, 3)) disagrees with finite differences" in message
    assert "scale=2.0" in message and "unbroadcast" in message


def test_a_vjp_that_forgets_a_broadcast_is_caught_by_its_shape() -> None:
    register("primitive", "no_unbroadcast", no_unbroadcast, example=PRODUCT_EXAMPLE)
    message = failure(check_component_gradients, "primitive", "no_unbroadcast")
    assert "the gradient of argument 1 has shape (2, 3), but the input has (3,)" in message


def test_broadcasts_the_forward_accepts_are_checked_beyond_the_example() -> None:
    # the example has equal shapes, where forgetting to unbroadcast does no harm; the derived (1, 3) and (3,) do
    register("primitive", "no_unbroadcast", no_unbroadcast, example={"inputs": [(2, 3), (2, 3)]})
    assert "has shape (2, 3), but the input has" in failure(check_component_gradients, "primitive", "no_unbroadcast")


def test_a_float64_output_from_float32_inputs_fails_the_sanity_check() -> None:
    register("primitive", "widening", widening, example=PRODUCT_EXAMPLE)
    assert "float32 inputs gave a float64 output" in failure(check_sanity, "primitive", "widening")


def test_a_scalar_formula_that_disagrees_with_the_forward_is_caught_on_the_scalar_engine() -> None:
    register("primitive", "scalar_disagrees", scalar_disagrees, example=PRODUCT_EXAMPLE)
    check_component_gradients("primitive", "scalar_disagrees", engine="array")
    message = failure(check_component_gradients, "primitive", "scalar_disagrees", engine="scalar")
    assert "its output on the scalar engine differs from the array engine's" in message


def test_an_array_only_primitive_is_checked_for_its_refusal_and_skipped_on_the_scalar_engine() -> None:
    register("primitive", "array_only", array_only, example=PRODUCT_EXAMPLE)
    outcomes = check_component("primitive", "array_only")
    assert outcomes["sanity"] == "passed" and outcomes["gradients[array]"] == "passed"
    assert "declared NO_SCALAR" in outcomes["gradients[scalar]"]


def test_a_primitive_without_an_example_is_told_how_to_give_one() -> None:
    register("primitive", "scaled_product", product)
    message = failure(check_sanity, "primitive", "scaled_product")
    assert "the kit needs example inputs" in message and "example={'inputs': [shape, ...]" in message
