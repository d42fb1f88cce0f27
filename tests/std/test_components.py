"""Every standard component, found through the registry: gradients, stability, formulas.

Tests are parametrized over the registered names, so a component added to the
plugin is tested here the day it is registered.
"""

from __future__ import annotations

import numpy as np
import pytest

from smolml_core import ConfigError, MLArray, ShapeError, lookup, resolve, set_seed
from smolml_core.registry.loader import installed_entry_points
from smolml_core.registry.registry import Registry
from smolml_core.testing import check_gradients
from smolml_std import initializers
from smolml_std.layers import DenseLayer

_STANDARD = Registry(entry_points=installed_entry_points())


def names(kind: str) -> list[str]:
    return [c.name for c in _STANDARD.components(kind) if c.plugin == "std"]


def away_from_kinks(shape, seed=0):
    """Inputs at least 0.1 away from 0, where relu-like functions have a corner."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.1, 2.0, size=shape)
    return x * rng.choice([-1.0, 1.0], size=shape)


# -- activations ---------------------------------------------------------------


@pytest.mark.parametrize("name", names("activation"))
def test_activation_gradient(name: str) -> None:
    f = lookup("activation", name)
    check_gradients(f, away_from_kinks((3, 4)))


@pytest.mark.parametrize("name", names("activation"))
def test_activation_keeps_shape_and_is_finite_at_extremes(name: str) -> None:
    f = lookup("activation", name)
    x = MLArray([[1e3, -1e3, 0.0], [800.0, -800.0, 1e-300]])
    out = f(x)
    assert out.shape == x.shape
    out.backward(grad=np.ones(x.shape))
    assert np.all(np.isfinite(out.data)), out
    assert np.all(np.isfinite(x.grad().data)), x.grad()


def test_activation_values() -> None:
    x = MLArray([-2.0, 0.0, 3.0])
    assert lookup("activation", "relu")(x).to_list() == [0.0, 0.0, 3.0]
    assert lookup("activation", "leaky_relu")(x).to_list() == pytest.approx([-0.02, 0.0, 3.0])
    assert lookup("activation", "elu")(x).to_list() == pytest.approx([np.exp(-2) - 1, 0.0, 3.0])
    assert lookup("activation", "sigmoid")(x).to_list() == pytest.approx(list(1 / (1 + np.exp([2.0, 0.0, -3.0]))))
    assert lookup("activation", "tanh")(x).to_list() == pytest.approx(list(np.tanh([-2.0, 0.0, 3.0])))
    assert lookup("activation", "linear")(x) is x
    probabilities = lookup("activation", "softmax")(MLArray([[1.0, 2.0, 3.0], [1e3, 0.0, -1e3]]))
    assert probabilities.data.sum(axis=1) == pytest.approx([1.0, 1.0])
    assert probabilities.data[1] == pytest.approx([1.0, 0.0, 0.0])


def test_softmax_along_another_axis() -> None:
    softmax = resolve("activation", {"type": "softmax", "axis": 0})
    assert softmax(MLArray(np.ones((2, 3)))).data == pytest.approx(np.full((2, 3), 0.5))


# -- losses --------------------------------------------------------------------

LOSS_INPUTS = {
    "mse_loss": lambda rng: (rng.normal(size=(5, 2)), rng.normal(size=(5, 2))),
    "mae_loss": lambda rng: (rng.normal(size=(5, 2)), rng.normal(size=(5, 2))),
    "huber_loss": lambda rng: (rng.normal(scale=2, size=(5, 2)), rng.normal(size=(5, 2))),
    "binary_cross_entropy": lambda rng: (rng.uniform(0.05, 0.95, (5, 1)), rng.integers(0, 2, (5, 1)).astype(float)),
    "categorical_cross_entropy": lambda rng: (
        rng.dirichlet(np.ones(3), size=5),
        np.eye(3)[rng.integers(0, 3, 5)],
    ),
    "sparse_categorical_cross_entropy": lambda rng: (
        rng.dirichlet(np.ones(3), size=5),
        rng.integers(0, 3, (5, 1)).astype(float),
    ),
}


def test_every_standard_loss_has_inputs() -> None:
    assert set(LOSS_INPUTS) == set(names("loss"))


@pytest.mark.parametrize("name", names("loss"))
def test_loss_gradient(name: str) -> None:
    y_pred, y_true = LOSS_INPUTS[name](np.random.default_rng(1))
    loss = lookup("loss", name)
    check_gradients(lambda p: loss(p, MLArray(y_true, requires_grad=False)), y_pred)


@pytest.mark.parametrize("name", names("loss"))
def test_loss_is_one_number_and_refuses_mismatched_shapes(name: str) -> None:
    y_pred, y_true = LOSS_INPUTS[name](np.random.default_rng(2))
    loss = lookup("loss", name)
    assert loss(MLArray(y_pred), MLArray(y_true)).shape == ()
    wrong = y_true[:2] if name == "sparse_categorical_cross_entropy" else y_true[:, :1].ravel()  # labels: too few
    with pytest.raises(ShapeError, match=name):
        loss(MLArray(y_pred), MLArray(wrong))


def test_loss_values() -> None:
    p, t = MLArray([[0.5], [2.0]]), MLArray([[0.0], [0.0]])
    assert lookup("loss", "mse")(p, t).item() == pytest.approx((0.25 + 4) / 2)
    assert lookup("loss", "mae")(p, t).item() == pytest.approx(1.25)
    assert lookup("loss", "huber")(p, t).item() == pytest.approx((0.125 + 1.5) / 2)
    bce = lookup("loss", "bce")(MLArray([[0.8], [0.3]]), MLArray([[1.0], [0.0]])).item()
    assert bce == pytest.approx(-(np.log(0.8) + np.log(0.7)) / 2)
    cce = lookup("loss", "cce")(MLArray([[0.7, 0.2, 0.1]]), MLArray([[0.0, 1.0, 0.0]])).item()
    assert cce == pytest.approx(-np.log(0.2))


@pytest.mark.parametrize("name", ["binary_cross_entropy", "categorical_cross_entropy"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_cross_entropies_are_finite_at_probabilities_zero_and_one(name: str, dtype) -> None:
    p = MLArray([[0.0, 1.0], [1.0, 0.0]], dtype=dtype)
    t = MLArray([[1.0, 0.0], [1.0, 0.0]], dtype=dtype)
    loss = lookup("loss", name)(p, t)
    loss.backward()
    assert np.isfinite(loss.item()) and loss.item() > 1
    assert np.all(np.isfinite(p.grad().data))


@pytest.mark.parametrize("labels", [[[2.0], [0.0]], [2.0, 0.0]])
def test_sparse_categorical_cross_entropy_is_categorical_of_one_hot_rows(labels) -> None:
    probabilities = MLArray([[0.7, 0.2, 0.1], [0.5, 0.25, 0.25]])
    sparse = lookup("loss", "sparse_categorical_cross_entropy")(probabilities, MLArray(labels))
    assert sparse.item() == pytest.approx(-(np.log(0.1) + np.log(0.5)) / 2)
    logits = MLArray([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    one_hot = lookup("loss", "cce")(logits.softmax(), MLArray([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]))
    assert lookup("loss", "scce")(logits.softmax(), MLArray(labels)).item() == one_hot.item()


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ([[3.0], [0.0]], "needs class labels 0 to 2 .* but got 3; number the classes from 0"),
        ([[0.5], [0.0]], "needs class labels 0 to 2 .* but got 0.5"),
        ([[-1.0], [0.0]], "but got -1"),
    ],
)
def test_sparse_categorical_cross_entropy_refuses_what_is_not_a_label(labels, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        lookup("loss", "scce")(MLArray([[0.7, 0.2, 0.1], [0.5, 0.25, 0.25]]), MLArray(labels))


def test_sparse_categorical_cross_entropy_sends_one_hot_rows_to_categorical() -> None:
    with pytest.raises(ShapeError, match="for one-hot rows use categorical_cross_entropy"):
        lookup("loss", "scce")(MLArray([[0.7, 0.2, 0.1]]), MLArray([[0.0, 0.0, 1.0]]))


def test_sigmoid_then_bce_is_finite_for_extreme_logits() -> None:
    z = MLArray([[800.0], [-800.0]])
    loss = lookup("loss", "bce")(z.sigmoid(), MLArray([[0.0], [1.0]]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(z.grad().data))


def test_softmax_then_cce_is_finite_for_extreme_logits() -> None:
    z = MLArray([[1e3, 0.0, -1e3]])
    loss = lookup("loss", "cce")(lookup("activation", "softmax")(z), MLArray([[0.0, 0.0, 1.0]]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(z.grad().data))


# -- optimizers ----------------------------------------------------------------


def reference_step(name: str, theta: np.ndarray, grads: list[np.ndarray], **p) -> np.ndarray:
    """The textbook update rules, written out independently of the plugin."""
    lr = p.get("learning_rate", 0.01)
    v = np.zeros_like(theta)
    G = np.zeros_like(theta)
    m = np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        if name == "sgd":
            theta = theta - lr * g
        elif name == "sgd_momentum":
            v = p.get("momentum_coefficient", 0.9) * v + lr * g
            theta = theta - v
        elif name == "adagrad":
            G = G + g * g
            theta = theta - lr * g / np.sqrt(G + 1e-8)
        elif name == "adam":
            b1, b2 = 0.9, 0.999
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            theta = theta - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + 1e-8)
    return theta


def test_every_standard_optimizer_has_a_reference() -> None:
    assert set(names("optimizer")) == {"sgd", "sgd_momentum", "adagrad", "adam"}


@pytest.mark.parametrize("name", names("optimizer"))
def test_optimizer_matches_its_formula_over_several_steps(name: str) -> None:
    rng = np.random.default_rng(3)
    grads = [rng.normal(size=(2, 3)) for _ in range(4)]
    start = rng.normal(size=(2, 3))
    optimizer = resolve("optimizer", {"type": name, "learning_rate": 0.1})
    layer = DenseLayer(2, 3)
    layer.weights.data[...] = start
    for g in grads:
        layer.weights._grad = g
        optimizer.update(layer, 0, ("weights",))
    assert layer.weights.data == pytest.approx(reference_step(name, start, grads, learning_rate=0.1), rel=1e-12)


@pytest.mark.parametrize("name", names("optimizer"))
def test_optimizer_reduces_a_quadratic(name: str) -> None:
    layer = DenseLayer(3, 1)
    optimizer = resolve("optimizer", {"type": name, "learning_rate": 0.05})
    target = MLArray([[1.0], [-2.0], [0.5]])
    first = None
    for _ in range(100):
        loss = ((layer.weights - target) ** 2).sum()
        first = first if first is not None else loss.item()
        loss.backward()
        layer.update(optimizer, 0)
        layer.weights.restart()
    assert loss.item() < first


@pytest.mark.parametrize("name", names("optimizer"))
def test_optimizer_keeps_float32(name: str) -> None:
    layer = DenseLayer(2, 2, dtype="float32")
    (layer.forward(MLArray(np.ones((1, 2)), dtype=np.float32)).sum()).backward()
    layer.update(resolve("optimizer", name), 0)
    assert layer.weights.dtype == np.float32 and layer.biases.dtype == np.float32


@pytest.mark.parametrize(
    "table",
    [
        {"type": "sgd", "learning_rate": 0},
        {"type": "sgd_momentum", "momentum_coefficient": 1.5},
        {"type": "adam", "exp_decay_squared": -0.1},
        {"type": "adagrad", "epsilon": 0},
    ],
)
def test_optimizer_parameters_are_validated(table) -> None:
    with pytest.raises(ValueError, match=r"must be a (finite )?number"):
        resolve("optimizer", table)


# -- initializers -------------------------------------------------------------

EXPECTED_STD = {
    "random_uniform": lambda fan_in, fan_out: 1 / np.sqrt(3),
    "xavier_uniform": lambda fan_in, fan_out: np.sqrt(6 / (fan_in + fan_out)) / np.sqrt(3),
    "xavier_normal": lambda fan_in, fan_out: np.sqrt(2 / (fan_in + fan_out)),
    "he_initialization": lambda fan_in, fan_out: np.sqrt(2 / fan_in),
}


def test_every_standard_initializer_has_an_expected_spread() -> None:
    assert set(EXPECTED_STD) == set(names("initializer"))


@pytest.mark.parametrize("name", names("initializer"))
def test_initializer_shape_spread_and_seed(name: str) -> None:
    init = resolve("initializer", name)
    set_seed(11)
    W = init.initialize(200, 300)
    assert W.shape == (200, 300) and W.dtype == np.float64 and W.requires_grad
    assert W.data.mean() == pytest.approx(0.0, abs=0.01)
    assert W.data.std() == pytest.approx(EXPECTED_STD[name](200, 300), rel=0.02)
    set_seed(11)
    assert np.array_equal(init.initialize((200, 300)).data, W.data)
    assert init.initialize(4, 5, dtype=np.float32).dtype == np.float32


def test_initialize_works_on_the_class_as_in_the_tutorial() -> None:
    assert initializers.XavierUniform.initialize(3, 4).shape == (3, 4)
    assert np.abs(initializers.RandomUniform(limit=0.5).initialize(50, 50).data).max() <= 0.5


@pytest.mark.parametrize("dims", [(0, 3), (2, -1), (), (2.5, 3)])
def test_initializer_refuses_bad_sizes(dims) -> None:
    with pytest.raises(ValueError, match="sizes >= 1"):
        initializers.XavierNormal.initialize(*dims)


# -- layers ----------------------------------------------------------------------


def test_every_standard_layer_is_tested() -> None:
    # dense here; sequential and residual in test_composite.py, flatten and reshape in test_shaping.py
    assert names("layer") == ["dense", "flatten", "reshape", "residual", "sequential"]


def test_dense_forward_is_activation_of_affine_map() -> None:
    layer = DenseLayer(3, 2, activation_function="tanh")
    X = np.random.default_rng(0).normal(size=(4, 3))
    expected = np.tanh(X @ layer.weights.data + layer.biases.data)
    assert layer.forward(MLArray(X)).data == pytest.approx(expected)


def test_dense_gradients_for_weights_biases_and_input() -> None:
    layer = DenseLayer(3, 2, activation_function="sigmoid")
    X = np.random.default_rng(0).normal(size=(4, 3))

    def through_layer(x, W, b):
        layer.weights, layer.biases = W, b
        return layer.forward(x)

    check_gradients(through_layer, X, layer.weights.data.copy(), layer.biases.data.copy())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"input_size": 0, "output_size": 2}, "input_size: must be a whole number >= 1"),
        ({"input_size": 2, "output_size": "3"}, "output_size: must be a whole number >= 1"),
        (
            {"input_size": 2, "output_size": 3, "activation_function": "rellu"},
            "activation_function: unknown activation",
        ),
        (
            {"input_size": 2, "output_size": 3, "weight_initializer": "xavier"},
            "weight_initializer: unknown initializer",
        ),
        ({"input_size": 2, "output_size": 3, "dtype": "int8"}, "dtype: must be .float64. or .float32."),
    ],
)
def test_dense_refuses_bad_arguments(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        DenseLayer(**kwargs)
