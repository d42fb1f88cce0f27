"""Operations from outside the core: ``primitive(...)`` records into the graph like the core's own operations."""

from __future__ import annotations

import numpy as np
import pytest

from smolml_core import (
    CONSTANT,
    NO_SCALAR,
    GraphError,
    Layer,
    MLArray,
    NeuralNetwork,
    Operation,
    no_grad,
    ones,
    primitive,
    register,
)
from smolml_core.array.graph import FREED
from smolml_core.array.primitives import PRIMITIVES
from smolml_core.testing import check_gradients
from tests.primitive_examples import array_only, masked_sum, product, scaled_product


def test_an_operation_records_its_node_and_passes_its_settings_to_every_rule() -> None:
    X, W = MLArray(np.arange(6.0).reshape(2, 3)), MLArray([1.0, 2.0, 3.0])
    y = product(X, W, scale=2.0)
    assert isinstance(product, Operation) and product.name == "scaled_product"
    assert y.made_by("scaled_product", scale=2.0) is X and y.made_by("scaled_product", scale=3.0) is None
    np.testing.assert_allclose(y.numpy(), 2.0 * X.numpy() * W.numpy())
    y.sum().backward()
    np.testing.assert_allclose(X.grad().numpy(), np.broadcast_to(2.0 * W.numpy(), (2, 3)))
    np.testing.assert_allclose(W.grad().numpy(), 2.0 * X.numpy().sum(axis=0))


def test_its_gradients_agree_with_finite_differences_on_both_engines() -> None:
    x, w = np.random.default_rng(0).standard_normal((2, 3)), np.array([0.5, -1.0, 2.0])
    for engine in ("array", "scalar"):
        check_gradients(lambda a, b: product(a, b, scale=3.0), x, w, engine=engine)


def test_numbers_and_constants_mix_with_arrays() -> None:
    X = MLArray(np.ones((2, 4)))
    out = masked_sum(X, np.array([True, False, True, True]))
    out.sum().backward()
    np.testing.assert_array_equal(X.grad().numpy(), [[1.0, 0.0, 1.0, 1.0]] * 2)
    assert product(2.0, 3.0, scale=0.5).item() == 3.0  # numbers in, an MLArray out, nothing recorded


def test_its_graph_is_freed_after_backward() -> None:
    X = MLArray(np.ones((3, 3)))
    y = product(X, X)
    y.sum().backward()
    assert y._node is FREED and y.made_by("scaled_product") is None


def test_no_graph_is_recorded_under_no_grad() -> None:
    with no_grad():
        assert product(MLArray([1.0]), MLArray([2.0])).is_leaf


def test_it_does_not_join_the_cores_table() -> None:
    primitive("only_here", scaled_product, None, None)
    assert "only_here" not in PRIMITIVES and "scaled_product" not in PRIMITIVES


def test_a_missing_rule_is_an_error_naming_the_operation_and_the_argument() -> None:
    half = primitive("half_done", scaled_product, lambda g, ans, x, w, scale=1.0: g * w)
    half(MLArray([1.0]), MLArray([2.0], requires_grad=False))  # no gradient needed where the rule is missing
    with pytest.raises(GraphError, match=r"primitive 'half_done' has no gradient rule for argument 1 \(w\)"):
        half(MLArray([1.0]), MLArray([2.0]))


def test_the_scalar_engine_runs_the_forward_on_values() -> None:
    X = MLArray([[1.0, 2.0]], engine="scalar")
    y = product(X, MLArray([3.0, 4.0], engine="scalar"), scale=2.0)
    assert y.engine == "scalar"
    y.sum().backward()
    np.testing.assert_allclose(X.grad().numpy(), [[6.0, 8.0]])


def test_a_scalar_formula_runs_instead_of_the_forward_on_values() -> None:
    def forward(x):
        """Doubles x with a numpy function Value does not answer."""
        return np.ldexp(x, 1)

    double = primitive("double", forward, lambda g, ans, x: 2 * g, scalar_forward=lambda x: x * 2)
    X = MLArray([1.5], engine="scalar")
    double(X).sum().backward()
    assert double(X).item() == 3.0 and X.grad().item() == 2.0


def test_an_array_only_operation_refuses_the_scalar_engine_naming_itself_and_its_provider() -> None:
    X = MLArray([[1.0, 2.0]], engine="scalar")
    with pytest.raises(GraphError, match="'array_only' cannot run on the scalar engine") as info:
        array_only(X, MLArray([1.0, 1.0]))
    assert "registered by" not in str(info.value)  # not registered yet: nobody to name
    register("primitive", "array_only", array_only)
    with pytest.raises(GraphError, match=r"registered by your code \(smolml_core.register\)"):
        array_only(X, MLArray([1.0, 1.0]))
    assert not array_only.runs_on_values and product.runs_on_values
    assert array_only(MLArray([1.0]), MLArray([2.0])).item() == 2.0  # the array engine runs it


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("has space", scaled_product), "must be a Python identifier"),
        (("f", "not callable"), "forward of primitive 'f' must be a function"),
        (("f", scaled_product, "rule"), "rule 0 of primitive 'f' must be a vjp function, CONSTANT or None"),
    ],
)
def test_a_malformed_definition_is_refused_at_once(arguments, message) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        primitive(*arguments)
    with pytest.raises(TypeError, match="scalar_forward of primitive 'f'"):
        primitive("f", scaled_product, scalar_forward="no")  # type: ignore[arg-type]
    assert CONSTANT is not NO_SCALAR and repr(NO_SCALAR) == "NO_SCALAR"


def test_a_network_on_the_scalar_engine_stops_at_an_array_only_operation() -> None:
    class Scale(Layer):
        """Scales each feature by a learned factor, through an operation that refuses the scalar engine."""

        def __init__(self, size: int = 2) -> None:
            self.s = ones(1, size)

        def forward(self, X):
            return array_only(X, self.s)

    register("primitive", "array_only", array_only)
    network = NeuralNetwork([Scale()], "mse", "sgd", engine="scalar")
    with pytest.raises(GraphError, match=r"'array_only' .* cannot run on the scalar engine"):
        network.train(np.ones((3, 2)), np.ones((3, 2)), epochs=1, verbose=False)
