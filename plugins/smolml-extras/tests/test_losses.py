"""hinge_loss and focal_loss: values against numpy, both label encodings, gradients on both engines, errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from smolml_core import ConfigError, MLArray, ShapeError, lookup, no_grad, resolve
from smolml_core.testing import check_gradients

rng = np.random.default_rng(5)
SCORES = rng.normal(scale=2.0, size=(8, 1))
LABELS_01 = np.array([[0.0], [1.0], [1.0], [0.0], [1.0], [0.0], [0.0], [1.0]])
LABELS_PM = 2 * LABELS_01 - 1
PROBABILITIES = 1 / (1 + np.exp(-SCORES))


# -- hinge -------------------------------------------------------------------------


@pytest.mark.parametrize("labels", [LABELS_01, LABELS_PM], ids=["0/1", "-1/1"])
@pytest.mark.parametrize("name", ["hinge_loss", "hinge"])
def test_hinge_matches_numpy_for_both_label_encodings(labels: np.ndarray, name: str) -> None:
    loss = lookup("loss", name)(MLArray(SCORES), labels)
    assert loss.shape == ()
    assert loss.item() == pytest.approx(np.mean(np.maximum(0.0, 1.0 - LABELS_PM * SCORES)), rel=1e-14)


def test_hinge_costs_nothing_beyond_the_margin_and_linearly_inside_it() -> None:
    hinge = lookup("loss", "hinge")
    assert hinge(MLArray([[2.0], [-1.5]]), [[1.0], [0.0]]).item() == 0.0
    assert hinge(MLArray([[0.25], [0.0]]), [[1.0], [-1.0]]).item() == pytest.approx((0.75 + 1.0) / 2)


def test_hinge_takes_targets_as_arrays_on_either_engine() -> None:
    hinge = lookup("loss", "hinge")
    expected = hinge(MLArray(SCORES), LABELS_01).item()
    assert hinge(MLArray(SCORES), MLArray(LABELS_01, requires_grad=False)).item() == expected
    assert hinge(MLArray(SCORES, engine="scalar"), MLArray(LABELS_01, engine="scalar")).item() == pytest.approx(
        expected
    )


@pytest.mark.parametrize("labels", [LABELS_01, LABELS_PM], ids=["0/1", "-1/1"])
def test_hinge_gradients(labels: np.ndarray, engine: str) -> None:
    scores = SCORES + 0.01  # keep every score off the kink at t * y = 1
    assert np.all(np.abs(1 - LABELS_PM * scores) > 1e-3)
    check_gradients(lambda p: lookup("loss", "hinge")(p, labels), scores, engine=engine)


def test_hinge_refuses_labels_that_are_not_classes() -> None:
    with pytest.raises(ConfigError) as error:
        lookup("loss", "hinge")(MLArray([[0.1], [0.2]]), [[1.0], [0.5]])
    assert str(error.value) == (
        "hinge_loss needs class labels 0/1 or -1/1 as targets, but the target at index (1, 0) is 0.5; "
        "use it for binary classification only"
    )


def test_hinge_refuses_mismatched_shapes() -> None:
    with pytest.raises(ShapeError) as error:
        lookup("loss", "hinge")(MLArray(SCORES), LABELS_01.ravel())
    assert str(error.value) == (
        "hinge_loss needs predictions and targets of the same shape, got (8, 1) and (8,); give one target per output"
    )


# -- focal -------------------------------------------------------------------------


def numpy_focal(p: np.ndarray, y: np.ndarray, gamma: float, alpha: float | None) -> float:
    cross_entropy = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    p_true = y * p + (1 - y) * (1 - p)
    alpha_t = 1.0 if alpha is None else alpha * y + (1 - alpha) * (1 - y)
    return float(np.mean(alpha_t * (1 - p_true) ** gamma * cross_entropy))


@pytest.mark.parametrize(("gamma", "alpha"), [(2.0, 0.25), (0.0, 0.25), (1.5, None), (3.0, 0.9)])
def test_focal_matches_numpy(gamma: float, alpha: float | None) -> None:
    focal = resolve("loss", {"type": "focal_loss", "gamma": gamma, "alpha": alpha})
    expected = numpy_focal(PROBABILITIES, LABELS_01, gamma, alpha)
    assert focal(MLArray(PROBABILITIES), LABELS_01).item() == pytest.approx(expected, rel=1e-13)
    # from a sigmoid, the cross-entropy comes from the logits: the same number
    assert focal(MLArray(SCORES).sigmoid(), LABELS_01).item() == pytest.approx(expected, rel=1e-12)


def test_focal_defaults_and_alias() -> None:
    expected = numpy_focal(PROBABILITIES, LABELS_01, 2.0, 0.25)
    assert lookup("loss", "focal")(MLArray(PROBABILITIES), LABELS_01).item() == pytest.approx(expected, rel=1e-13)


def test_focal_without_focusing_or_weighting_is_binary_cross_entropy() -> None:
    focal = resolve("loss", {"type": "focal_loss", "gamma": 0.0, "alpha": None})
    bce = lookup("loss", "binary_cross_entropy")
    for y_pred in (MLArray(PROBABILITIES), MLArray(SCORES).sigmoid()):
        assert focal(y_pred, LABELS_01).item() == pytest.approx(bce(y_pred, LABELS_01).item(), rel=1e-13)


def test_focal_shrinks_easy_examples_more_than_hard_ones() -> None:
    focal = resolve("loss", {"type": "focal_loss", "alpha": None})
    bce = lookup("loss", "bce")
    easy, hard = MLArray([[0.95]]), MLArray([[0.3]])
    ratio_easy = focal(easy, [[1.0]]).item() / bce(easy, [[1.0]]).item()
    ratio_hard = focal(hard, [[1.0]]).item() / bce(hard, [[1.0]]).item()
    assert ratio_easy == pytest.approx(0.05**2) and ratio_hard == pytest.approx(0.7**2)


def test_focal_accepts_soft_labels() -> None:
    soft = rng.uniform(size=(8, 1))
    focal = lookup("loss", "focal_loss")
    assert focal(MLArray(PROBABILITIES), soft).item() == pytest.approx(
        numpy_focal(PROBABILITIES, soft, 2.0, 0.25), rel=1e-13
    )


def test_focal_stays_finite_at_probabilities_of_0_and_1() -> None:
    p = MLArray([[0.0], [1.0], [1.0], [0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loss = lookup("loss", "focal_loss")(p, [[1.0], [0.0], [1.0], [0.0]])
        loss.backward()
    assert np.isfinite(loss.item()) and loss.item() > 1.0
    assert np.all(np.isfinite(p.grad().numpy()))


def test_focal_from_saturated_logits_is_exact() -> None:
    z = MLArray([[-60.0], [60.0]])
    loss = resolve("loss", {"type": "focal_loss", "gamma": 0.0, "alpha": None})(z.sigmoid(), [[1.0], [0.0]])
    assert loss.item() == pytest.approx(60.0, rel=1e-12)  # mean of softplus(60) twice, not a clipped log


@pytest.mark.parametrize(("gamma", "alpha"), [(2.0, 0.25), (0.5, None), (0.0, 0.75)])
def test_focal_gradients(gamma: float, alpha: float | None, engine: str) -> None:
    focal = resolve("loss", {"type": "focal_loss", "gamma": gamma, "alpha": alpha})
    check_gradients(lambda p: focal(p, LABELS_01), PROBABILITIES, engine=engine)
    check_gradients(lambda z: focal(z.sigmoid(), LABELS_01), SCORES, engine=engine)


def test_focal_under_no_grad_uses_the_clipped_formula() -> None:
    focal = lookup("loss", "focal_loss")
    with no_grad():
        quiet = focal(MLArray(SCORES).sigmoid(), LABELS_01).item()
    assert quiet == pytest.approx(numpy_focal(PROBABILITIES, LABELS_01, 2.0, 0.25), rel=1e-12)


def test_focal_keeps_float32() -> None:
    loss = lookup("loss", "focal_loss")(MLArray(PROBABILITIES, dtype=np.float32), LABELS_01)
    assert loss.dtype == np.float32


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"gamma": -1.0}, "gamma: must be a finite number >= 0, got -1.0"),
        ({"alpha": 1.5}, "alpha: must be a number in [0, 1], got 1.5"),
        ({"epsilon": 0.7}, "epsilon: must be a number in (0, 0.5), got 0.7"),
    ],
)
def test_focal_parameters_are_checked(config: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        resolve("loss", {"type": "focal_loss", **config})(MLArray(PROBABILITIES), LABELS_01)
    assert message in str(error.value)


def test_focal_refuses_mismatched_shapes() -> None:
    with pytest.raises(ShapeError, match=r"focal_loss needs predictions and targets of the same shape"):
        lookup("loss", "focal_loss")(MLArray(PROBABILITIES), LABELS_01.T)
