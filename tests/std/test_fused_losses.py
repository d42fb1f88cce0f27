"""The standard cross-entropies on the standard sigmoid and softmax: when they work from the logits, and why.

``binary_cross_entropy`` and ``categorical_cross_entropy`` take the fused path (``sigmoid_cross_entropy`` or
``softmax_cross_entropy`` on the logits, then the mean) when the predictions were recorded as the output of a
sigmoid, or of a softmax over the last axis, and no ``epsilon`` is given. Otherwise they clip the probabilities.

* Where the path is taken, and where not: under ``no_grad`` nothing is recorded, an explicit ``epsilon`` asks for
  clipping, and a softmax over another axis is not the distribution per row that the loss sums over.
* For moderate logits both paths compute the same function, so they agree to rounding.
* For extreme logits the probabilities round to 0 or 1: clipping caps the loss at -ln(epsilon) and stops the
  gradient, the fused path gives the exact loss and the gradient sigmoid(z) - y (softmax(z) - y).
* Both engines take the fused path and agree on it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from smolml_core import ENGINES, MLArray, lookup, no_grad, resolve

EPSILON = 1e-15
"""The losses' default clipping margin in float64, passed explicitly to force the clipped path."""

CLIPPED_LOSS = -np.log(EPSILON)
"""What clipping makes of a confidently wrong prediction: -ln(1e-15) = 34.54, up to the rounding of 1 - (1 - 1e-15)."""

TIGHT = {"rtol": 1e-12, "atol": 1e-12}
"""Two ways of computing the same function agree to rounding."""

# loss name -> (the activation it follows, the primitive it then computes from the logits)
FUSED: dict[str, tuple[str, str]] = {
    "binary_cross_entropy": ("sigmoid", "sigmoid_cross_entropy"),
    "categorical_cross_entropy": ("softmax", "softmax_cross_entropy"),
}

_RNG = np.random.default_rng(2025)

# loss name -> (logits, targets) with logits of moderate size: no probability anywhere near the clipping. Soft and
# one-hot targets, then hard and probability-distribution targets.
MODERATE: dict[str, tuple[np.ndarray, np.ndarray]] = {
    "binary_cross_entropy": (_RNG.normal(scale=2.0, size=(6, 2)), _RNG.uniform(0.0, 1.0, size=(6, 2))),
    "categorical_cross_entropy": (_RNG.normal(scale=2.0, size=(5, 4)), np.eye(4)[[0, 3, 1, 1, 2]]),
}
MODERATE_OTHER_TARGETS: dict[str, tuple[np.ndarray, np.ndarray]] = {
    "binary_cross_entropy": (_RNG.normal(scale=2.0, size=(8, 1)), _RNG.integers(0, 2, size=(8, 1)).astype(float)),
    "categorical_cross_entropy": (_RNG.normal(scale=2.0, size=(3, 5)), _RNG.dirichlet(np.ones(5), size=3)),
}

# loss name -> (logits, targets, the exact loss, the exact gradient w.r.t. the logits). Every prediction is
# confidently wrong, by a margin of 50: each costs 50 (e^-50 is below half an ulp of 50), and its gradient is that
# of a probability of exactly 1 on the wrong answer, divided by the number of samples averaged over.
CONFIDENTLY_WRONG: dict[str, tuple[np.ndarray, np.ndarray, float, np.ndarray]] = {
    "binary_cross_entropy": (
        np.array([[50.0], [-50.0]]),
        np.array([[0.0], [1.0]]),
        50.0,
        np.array([[0.5], [-0.5]]),
    ),
    "categorical_cross_entropy": (
        np.array([[50.0, 0.0], [0.0, 50.0]]),
        np.array([[0.0, 1.0], [1.0, 0.0]]),
        50.0,
        np.array([[0.5, -0.5], [-0.5, 0.5]]),
    ),
}


def fused_logits(loss: MLArray, loss_name: str) -> MLArray | None:
    """The logits ``loss`` was computed from if it is the mean of the fused cross-entropy, else None."""
    unaveraged = loss.made_by("mean")
    return None if unaveraged is None else unaveraged.made_by(FUSED[loss_name][1])


def run(
    loss_name: str,
    z: np.ndarray,
    y: np.ndarray,
    engine: str = "array",
    activation_params: dict[str, Any] | None = None,
    **loss_params: Any,
) -> tuple[MLArray, MLArray, bool]:
    """loss(activation(z), y), then its backward pass: the logits (holding their gradient), the loss, and whether
    the loss took the fused path (read before ``backward`` releases the graph)."""
    activation = lookup("activation", FUSED[loss_name][0])
    loss_fn = lookup("loss", loss_name)
    logits = MLArray(z, engine=engine)
    loss = loss_fn(activation(logits, **(activation_params or {})), y, **loss_params)
    fused = fused_logits(loss, loss_name) is logits
    loss.backward()
    return logits, loss, fused


# -- where the fused path is taken ---------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("loss_name", sorted(FUSED))
def test_fused_path_is_taken_after_the_standard_activation(loss_name: str, engine: str) -> None:
    z, y = MODERATE[loss_name]
    activation_name, _ = FUSED[loss_name]
    logits = MLArray(z, engine=engine)
    probabilities = lookup("activation", activation_name)(logits)
    assert probabilities.made_by(activation_name) is logits
    assert fused_logits(lookup("loss", loss_name)(probabilities, y), loss_name) is logits


@pytest.mark.parametrize("loss_name", sorted(FUSED))
def test_fused_path_is_taken_through_the_registry_names(loss_name: str) -> None:
    """Resolved as a network's config names them, with their default parameters."""
    z, y = MODERATE[loss_name]
    activation_name, _ = FUSED[loss_name]
    logits = MLArray(z)
    loss = resolve("loss", loss_name)(resolve("activation", {"type": activation_name})(logits), y)
    assert fused_logits(loss, loss_name) is logits


@pytest.mark.parametrize("loss_name", sorted(FUSED))
def test_no_fused_path_under_no_grad(loss_name: str) -> None:
    """Nothing is recorded under no_grad, so the loss cannot see the logits: it clips, and says so in its value."""
    z, y, exact, _ = CONFIDENTLY_WRONG[loss_name]
    activation_name, _ = FUSED[loss_name]
    with no_grad():
        probabilities = lookup("activation", activation_name)(MLArray(z))
        loss = lookup("loss", loss_name)(probabilities, y)
    assert probabilities.made_by(activation_name) is None
    assert loss.made_by("mean") is None
    assert loss.item() == pytest.approx(CLIPPED_LOSS, rel=1e-4)
    assert loss.item() != pytest.approx(exact)


@pytest.mark.parametrize("loss_name", sorted(FUSED))
def test_no_fused_path_with_an_explicit_epsilon(loss_name: str) -> None:
    z, y = MODERATE[loss_name]
    _, _, fused = run(loss_name, z, y, epsilon=EPSILON)
    assert not fused


@pytest.mark.parametrize("axis", [0, -2])
def test_no_fused_path_for_a_softmax_over_another_axis(axis: int) -> None:
    """A softmax down the columns is not a distribution per row, which is what the loss sums over."""
    z, y = MODERATE["categorical_cross_entropy"]
    _, loss, fused = run("categorical_cross_entropy", z, y, activation_params={"axis": axis})
    assert not fused
    p = np.exp(z - z.max(axis=0)) / np.exp(z - z.max(axis=0)).sum(axis=0)
    assert loss.item() == pytest.approx(-(y * np.log(p)).sum(axis=-1).mean(), rel=1e-12)


def test_a_softmax_over_the_last_axis_given_explicitly_is_fused() -> None:
    z, y = MODERATE["categorical_cross_entropy"]
    _, _, fused = run("categorical_cross_entropy", z, y, activation_params={"axis": -1})
    assert fused


# -- the same function for moderate logits --------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("inputs", [MODERATE, MODERATE_OTHER_TARGETS], ids=["targets", "other targets"])
@pytest.mark.parametrize("loss_name", sorted(FUSED))
def test_fused_and_clipped_paths_agree_for_moderate_logits(
    loss_name: str, inputs: dict[str, tuple[np.ndarray, np.ndarray]], engine: str
) -> None:
    z, y = inputs[loss_name]
    fused_z, fused, took_fused = run(loss_name, z, y, engine=engine)
    clipped_z, clipped, took_fused_when_clipping = run(loss_name, z, y, engine=engine, epsilon=EPSILON)
    assert took_fused and not took_fused_when_clipping
    np.testing.assert_allclose(fused.item(), clipped.item(), **TIGHT)
    np.testing.assert_allclose(fused_z.grad().numpy(), clipped_z.grad().numpy(), **TIGHT)


# -- extreme logits: exact on the fused path, capped and gradient-free when clipped ---------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("loss_name", sorted(FUSED))
def test_fused_path_is_exact_for_confidently_wrong_predictions(loss_name: str, engine: str) -> None:
    z, y, exact_loss, exact_grad = CONFIDENTLY_WRONG[loss_name]
    logits, loss, fused = run(loss_name, z, y, engine=engine)
    assert fused
    assert loss.item() == exact_loss
    np.testing.assert_allclose(logits.grad().numpy(), exact_grad, rtol=0, atol=1e-15)
    assert np.all(logits.grad().numpy() != 0)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("loss_name", sorted(FUSED))
def test_clipped_path_caps_the_loss_and_loses_the_gradient(loss_name: str, engine: str) -> None:
    """What the fused path fixes: a wrong answer costs only -ln(epsilon), and nothing tells the logits to move."""
    z, y, _, _ = CONFIDENTLY_WRONG[loss_name]
    logits, loss, fused = run(loss_name, z, y, engine=engine, epsilon=EPSILON)
    assert not fused
    assert loss.item() == pytest.approx(CLIPPED_LOSS, rel=1e-4)
    assert loss.item() == pytest.approx(34.5, abs=0.05)
    assert np.all(logits.grad().numpy() == 0)


# -- both engines ------------------------------------------------------------------------------------------------

# input kind -> loss name -> (logits, targets)
ENGINE_INPUTS: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]] = {
    "moderate": MODERATE,
    "other targets": MODERATE_OTHER_TARGETS,
    "confidently wrong": {name: (z, y) for name, (z, y, _, _) in CONFIDENTLY_WRONG.items()},
    "logits up to 60": {name: (_RNG.uniform(-60.0, 60.0, size=z.shape), y) for name, (z, y) in MODERATE.items()},
}


@pytest.mark.parametrize("inputs", sorted(ENGINE_INPUTS))
@pytest.mark.parametrize("loss_name", sorted(FUSED))
def test_engines_agree_on_the_fused_path(loss_name: str, inputs: str) -> None:
    z, y = ENGINE_INPUTS[inputs][loss_name]
    array_z, array_loss, array_fused = run(loss_name, z, y, engine="array")
    scalar_z, scalar_loss, scalar_fused = run(loss_name, z, y, engine="scalar")
    assert scalar_z.engine == "scalar"
    assert array_fused and scalar_fused
    np.testing.assert_allclose(scalar_loss.item(), array_loss.item(), **TIGHT)
    np.testing.assert_allclose(scalar_z.grad().numpy(), array_z.grad().numpy(), **TIGHT)
