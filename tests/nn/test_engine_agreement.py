"""The array engine and the scalar engine train every network to the same numbers.

The array engine differentiates with its own table of gradient rules (vjps); the
scalar engine runs the same forward formulas on arrays of ``Value`` objects and
lets ``Value.backward`` differentiate one number at a time. The two share no
gradient code, so when they agree on losses, gradients and updated weights, each
confirms the other. Components are found through the registry, as in
tests/std/test_components.py, so a newly registered one is checked here too.

Tolerance: ``rtol=1e-10`` relative, plus ``atol=1e-12``. The engines add the
same terms in different orders, so they may differ by rounding: observed
differences are below 2e-12 relative. The absolute part is for a gradient that
cancels to exactly 0 on one engine and to a few ulps on the other (softmax's
gradient sums to 0 across a row), where no relative test can pass; 1e-12 is far
below any gradient these networks produce. No current case needs it.

The scalar engine is about a thousand times slower, so batches stay at 4-6 rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import make_moons

from smolml_core import NETWORK_KINDS, Layer, MLArray, NeuralNetwork, build_network, set_seed, where
from smolml_core.registry.loader import installed_entry_points
from smolml_core.registry.registry import Registry
from smolml_std import activation, losses, optimizers
from smolml_std.layers import DenseLayer

RTOL, ATOL = 1e-10, 1e-12
STEPS = 3

_STANDARD = Registry(entry_points=installed_entry_points())


def names(kind: str) -> list[str]:
    return [c.name for c in _STANDARD.components(kind) if c.plugin == "std"]


def agree(array_result: Any, scalar_result: Any, what: str) -> None:
    """The scalar engine's result equals the array engine's to RTOL (ATOL near 0)."""
    np.testing.assert_allclose(scalar_result, array_result, rtol=RTOL, atol=ATOL, err_msg=what)


# -- training both engines side by side -----------------------------------------------


def parameters(network: NeuralNetwork) -> dict[str, MLArray]:
    """Every parameter, named by its place (``layers[0].weights``)."""
    return {
        f"layers[{i}].{name}": p for i, layer in enumerate(network.layers) for name, p in layer.parameters().items()
    }


def record_training(network: NeuralNetwork, X: np.ndarray, y: np.ndarray, steps: int = STEPS) -> list[dict]:
    """Train as ``NeuralNetwork.train`` does, noting the loss, every gradient and every weight after each step."""
    target = MLArray(y, requires_grad=False)
    records = []
    for _ in range(steps):
        loss = network.loss_function(network.forward(X), target)
        loss.backward()
        grads = {name: p.grad().numpy() for name, p in parameters(network).items()}
        for idx, layer in enumerate(network.layers):
            layer.update(network.optimizer, idx)
        for p in parameters(network).values():
            p.restart()
        weights = {name: p.numpy() for name, p in parameters(network).items()}
        records.append({"loss": loss.item(), "grads": grads, "weights": weights})
    return records


def assert_engines_train_alike(make: Callable[[], NeuralNetwork], X: np.ndarray, y: np.ndarray) -> None:
    """Build the network twice from the same seed, one on each engine, and compare every step."""
    set_seed(1234)
    on_array = make()
    set_seed(1234)
    on_scalar = make()
    on_scalar.set_engine("scalar")
    assert (on_array.engine, on_scalar.engine) == ("array", "scalar")
    for name, p in parameters(on_array).items():
        assert np.array_equal(p.numpy(), parameters(on_scalar)[name].numpy()), f"{name} starts differently"

    for step, (a, s) in enumerate(
        zip(record_training(on_array, X, y), record_training(on_scalar, X, y), strict=True), start=1
    ):
        agree(a["loss"], s["loss"], f"loss at step {step}")
        for name in a["grads"]:
            agree(a["grads"][name], s["grads"][name], f"gradient of {name} at step {step}")
            agree(a["weights"][name], s["weights"][name], f"{name} after step {step}")


def dense(n_in: int, n_out: int, act: str = "tanh", init: str = "xavier_uniform") -> dict[str, Any]:
    return {
        "type": "dense",
        "input_size": n_in,
        "output_size": n_out,
        "activation_function": act,
        "weight_initializer": init,
    }


# What each loss needs: (output activation or None for any, minimum output width, targets(rng, rows, width)).
# A loss registered later falls back to DEFAULT_LOSS_SETUP (sigmoid outputs, targets inside (0, 1)).
LOSS_SETUPS: dict[str, tuple[str | None, int, Callable[..., np.ndarray]]] = {
    "mse_loss": (None, 1, lambda rng, n, w: rng.normal(size=(n, w))),
    "mae_loss": (None, 1, lambda rng, n, w: rng.normal(size=(n, w))),
    "huber_loss": (None, 1, lambda rng, n, w: rng.normal(scale=2.0, size=(n, w))),  # both sides of delta
    "binary_cross_entropy": ("sigmoid", 1, lambda rng, n, w: rng.uniform(0.05, 0.95, size=(n, w))),
    "categorical_cross_entropy": ("softmax", 2, lambda rng, n, w: np.eye(w)[rng.integers(0, w, size=n)]),
    "sparse_categorical_cross_entropy": ("softmax", 2, lambda rng, n, w: rng.integers(0, w, size=(n, 1)) * 1.0),
}
DEFAULT_LOSS_SETUP = ("sigmoid", 1, lambda rng, n, w: rng.uniform(0.05, 0.95, size=(n, w)))

# The layers that stand for one i -> o step, for each registered layer type; a layer type that is
# not here is taken to be dense-shaped (input_size, output_size). Layers that only move numbers
# around follow a dense layer, so that the step has something to train.
LAYER_STACKS: dict[str, Callable[[int, int], list[Any]]] = {
    "dense": lambda i, o: [dense(i, o)],
    "sequential": lambda i, o: [{"type": "sequential", "layers": [dense(i, o), {"type": "dense", "output_size": o}]}],
    # a projected skip (i -> o), then a plain one (o -> o)
    "residual": lambda i, o: [{"type": "residual", "layer": dense(i, o)}, {"type": "residual", "layer": dense(o, o)}],
    "flatten": lambda i, o: [dense(i, o), "flatten"],
    "reshape": lambda i, o: [dense(i, o), {"type": "reshape", "shape": [o, 1]}, "flatten"],
}


def component_network(kind: str, name: str) -> tuple[dict[str, Any], np.ndarray]:
    """A small network config that exercises the component ``name`` of ``kind``, and its targets."""
    rng = np.random.default_rng(5)
    loss, hidden, output, init, layer_stack = "mse_loss", "tanh", "linear", "xavier_uniform", None
    optimizer: Any = {"type": "sgd", "learning_rate": 0.1}
    if kind == "activation":
        hidden = output = name
    elif kind == "loss":
        loss = name
    elif kind == "optimizer":
        optimizer = {"type": name, "learning_rate": 0.1}
    elif kind == "initializer":
        init = name
    elif kind == "layer":
        layer_stack = LAYER_STACKS.get(name, lambda i, o: [{"type": name, "input_size": i, "output_size": o}])
    else:
        raise AssertionError(f"no agreement network for components of kind {kind!r}; add one here")
    out_act, width, targets = LOSS_SETUPS.get(loss, DEFAULT_LOSS_SETUP)
    width = max(width, 3)
    layers = (
        [*layer_stack(3, 4), *layer_stack(4, width)]
        if layer_stack
        else [dense(3, 4, hidden, init), dense(4, width, out_act or output, init)]
    )
    return {"layers": layers, "loss_function": loss, "optimizer": optimizer}, targets(rng, 5, width)


X_SMALL = np.random.default_rng(4).normal(size=(5, 3))
# Metrics, schedules and callbacks are no part of a network: tests/nn/test_training*.py covers them.
COMPONENTS = [(kind, name) for kind in NETWORK_KINDS for name in names(kind)]


@pytest.mark.parametrize(("kind", "name"), COMPONENTS, ids=[f"{k}-{n}" for k, n in COMPONENTS])
def test_every_standard_component_trains_alike_on_both_engines(kind: str, name: str) -> None:
    """Each registered component, in a 3-4-3 network, gives the same losses, gradients and weights for 3 steps."""
    config, y = component_network(kind, name)
    assert_engines_train_alike(lambda: build_network(config), X_SMALL, y)


def test_every_kind_has_standard_components() -> None:
    """Guard: the registry enumeration above found something of every kind (else it tested nothing)."""
    assert all(names(kind) for kind in NETWORK_KINDS)


# -- random networks --------------------------------------------------------------


def random_network(case: int) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """A random 1-3 layer dense network (widths 1-5) with a loss, optimizer and data that suit each other."""
    rng = np.random.default_rng(case)

    def pick(options: list[str]) -> str:
        return str(rng.choice(options))

    loss = pick(names("loss"))
    out_act, min_width, targets = LOSS_SETUPS.get(loss, DEFAULT_LOSS_SETUP)
    widths = [int(w) for w in rng.integers(1, 6, size=int(rng.integers(2, 5)))]
    widths[-1] = max(widths[-1], min_width)
    layers = [
        dense(n_in, n_out, pick(names("activation")), pick(names("initializer")))
        for n_in, n_out in itertools.pairwise(widths)
    ]
    layers[-1]["activation_function"] = out_act or layers[-1]["activation_function"]
    optimizer = {"type": pick(names("optimizer")), "learning_rate": float(rng.choice([0.01, 0.1, 0.5]))}
    rows = int(rng.integers(4, 7))
    X = rng.normal(size=(rows, widths[0]))
    return {"layers": layers, "loss_function": loss, "optimizer": optimizer}, X, targets(rng, rows, widths[-1])


@pytest.mark.parametrize("case", range(25))
def test_random_networks_train_alike_on_both_engines(case: int) -> None:
    """Random depth, widths, activations, initializers, losses and optimizers: same numbers for 3 steps."""
    config, X, y = random_network(case)
    assert_engines_train_alike(lambda: build_network(config), X, y)


# -- the tutorial's moons network ---------------------------------------------------


def moons_network(engine: str | None = None) -> NeuralNetwork:
    """The tutorial's moons classifier, built from objects as the tutorial builds it."""
    return NeuralNetwork(
        layers=[
            DenseLayer(input_size=2, output_size=16, activation_function=activation.relu),
            DenseLayer(input_size=16, output_size=8, activation_function=activation.relu),
            DenseLayer(input_size=8, output_size=1, activation_function=activation.sigmoid),
        ],
        loss_function=losses.binary_cross_entropy,
        optimizer=optimizers.Adam(learning_rate=0.01),
        engine=engine,
    )


def assert_moons_history_agrees(epochs: int) -> None:
    """``train`` on the tutorial's data gives the same loss history and final weights on both engines."""
    X, y = make_moons(n_samples=100, noise=0.1, random_state=42)
    y = y.reshape(-1, 1).astype(float)
    set_seed(0)
    on_array = moons_network()
    set_seed(0)
    on_scalar = moons_network(engine="scalar")
    history = on_array.train(X, y, epochs=epochs, verbose=False)
    agree(history, on_scalar.train(X, y, epochs=epochs, verbose=False), f"moons loss history over {epochs} epochs")
    for name, p in parameters(on_array).items():
        agree(p.numpy(), parameters(on_scalar)[name].numpy(), f"{name} after {epochs} epochs")


def test_moons_network_trains_alike_for_three_epochs() -> None:
    """The tutorial's 2-16-8-1 network: identical loss history on both engines (3 epochs in the default suite)."""
    assert_moons_history_agrees(epochs=3)


@pytest.mark.slow
def test_moons_network_trains_alike_for_the_tutorials_100_epochs() -> None:
    """The same over the tutorial's full 100 epochs: no drift builds up between the engines."""
    assert_moons_history_agrees(epochs=100)


# -- a layer written outside the standard plugin -------------------------------------


class GatedLayer(Layer):
    """A third-party style layer with its own parameter names, written only with MLArray operations."""

    def __init__(self, n_in: int, n_out: int) -> None:
        rng = np.random.default_rng(9)
        self.kernel = MLArray(rng.normal(size=(n_in, n_out)))
        self.gate = MLArray(rng.normal(size=(n_out, 1)))
        self.bias_row = MLArray(rng.normal(scale=0.1, size=(1, n_out)))

    def forward(self, X: MLArray) -> MLArray:
        z = X @ self.kernel + self.bias_row
        peaks = (z - z.max(axis=1, keepdims=True)).exp()
        shares = peaks / peaks.sum(axis=1, keepdims=True)
        gated = where(z > 0, shares * self.gate.T, 0.1 * z.tanh())
        swapped = gated.T.reshape(-1).reshape(gated.shape[1], -1).T[:, ::-1]
        norms = (z * z).sum(axis=1, keepdims=True).sqrt()
        return swapped * norms + gated[:, [0, 0, 1]][:, :2].min(axis=1, keepdims=True)


def test_hand_written_layer_trains_alike_on_both_engines() -> None:
    """Any layer composed of MLArray operations runs on the scalar engine with the same gradients."""
    rng = np.random.default_rng(8)
    X, y = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    assert_engines_train_alike(lambda: NeuralNetwork([GatedLayer(3, 3), GatedLayer(3, 3)], "mse", "adam"), X, y)


def test_hand_written_layer_parameters_get_value_gradients() -> None:
    """On the scalar engine, each of the custom layer's parameters is a grid of Values holding the gradient."""
    network = NeuralNetwork([GatedLayer(3, 2)], "mse", engine="scalar")
    network.loss_function(network.forward(np.ones((4, 3))), np.zeros((4, 2))).backward()
    for name, p in network.layers[0].parameters().items():
        assert p.engine == "scalar", name
        value_grads = [p.value(*index).grad for index in np.ndindex(p.shape)]
        agree(p.grad().numpy().ravel(), value_grads, name)


# -- single operations, at the places where they could part ways ------------------------

_RNG = np.random.default_rng(0)
_A, _B, _P = _RNG.normal(size=(3, 4)), _RNG.normal(size=4), _RNG.uniform(0.5, 2.0, size=(3, 4))
_TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, -1.0], [0.0, 0.0, 0.0, 0.0]])

OPERATIONS: dict[str, tuple[Callable[..., MLArray], list[np.ndarray]]] = {
    "broadcast add/sub/mul": (lambda a, b: (a + b) * b - a, [_A, _B]),
    "divide": (lambda a, p: a / p + 1.0 / p, [_A, _P]),
    "power both ways": (lambda p, a: p**a + 2.0**a + a**3, [_P, _A]),
    "matmul matrix": (lambda a, b: a @ b.reshape(4, 1), [_A, _B]),
    "matmul vectors": (lambda b, a: b @ a.T + a @ b, [_B, _A]),
    "exp log sqrt": (lambda p: p.exp() + p.log() + p.sqrt(), [_P]),
    "abs at 0": (lambda t: t.abs(), [_TIES]),
    "tanh, sigmoid saturated": (lambda a: a.tanh() + (300 * a).sigmoid(), [_A]),
    "clip at its bounds": (lambda t: t.clip(0.0, 2.0), [_TIES]),
    "where broadcast": (lambda a, b: where(a > 0, a, b), [_A, _B]),
    "sum mean std": (lambda a: a.sum(axis=(0, 1), keepdims=True) + a.mean(axis=0) + a.std(axis=1, keepdims=True), [_A]),
    "max min ties": (lambda t: t.max(axis=1) + t.min(axis=0) + t.max(), [_TIES[:, :3]]),
    "logsumexp large": (lambda a: a.logsumexp(axis=1) + (100 * a).logsumexp(), [_A]),
    "reshape transpose": (lambda a: a.reshape(2, 6).T.transpose(1, 0), [_A]),
    "indexing": (lambda a: a[[0, 0, 2]][:, 1:3] + a[1, 2] + a[None, ..., 1].T, [_A]),
}


@pytest.mark.parametrize("name", OPERATIONS)
def test_each_operation_agrees_on_both_engines(name: str) -> None:
    """Values and input gradients of each operation, including ties, bounds and zeros (a random R weighs outputs)."""
    f, inputs = OPERATIONS[name]
    results = {}
    for engine in ("array", "scalar"):
        arrays = [MLArray(x, engine=engine) for x in inputs]
        out = f(*arrays)
        (out * np.random.default_rng(1).normal(size=out.shape)).sum().backward()
        results[engine] = out.numpy(), [x.grad().numpy() for x in arrays]
    agree(results["array"][0], results["scalar"][0], f"{name}: value")
    for i, (a, s) in enumerate(zip(results["array"][1], results["scalar"][1], strict=True)):
        agree(a, s, f"{name}: gradient of input {i}")


# -- layers made of layers ----------------------------------------------------------------


def residual_network() -> NeuralNetwork:
    """Residual blocks nested two deep (a sequential holding a residual), one of them projected to a new width."""
    block = {
        "type": "residual",
        "layer": {
            "type": "sequential",
            "layers": [
                {"type": "dense", "output_size": 4, "activation_function": "tanh"},
                {"type": "residual", "layer": {"type": "dense", "output_size": 4, "activation_function": "sigmoid"}},
            ],
        },
    }
    return build_network(
        {
            "layers": [
                {"type": "dense", "input_size": 3, "output_size": 4, "activation_function": "tanh"},
                block,
                {"type": "residual", "layer": {"type": "dense", "output_size": 2, "activation_function": "tanh"}},
                {"type": "dense", "output_size": 2, "activation_function": "softmax"},
            ],
            "loss_function": "categorical_cross_entropy",
            "optimizer": {"type": "adam", "learning_rate": 0.05},
        }
    )


def test_nested_residual_blocks_train_alike_on_both_engines() -> None:
    """Losses, every nested parameter's gradient and the updated weights agree, named by their dotted paths."""
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(6, 3)), np.eye(2)[rng.integers(0, 2, 6)]
    names = list(residual_network().named_parameters())
    assert "layers.1.layer.layers.1.layer.weights" in names and "layers.2.projection.weights" in names
    assert_engines_train_alike(residual_network, X, y)
