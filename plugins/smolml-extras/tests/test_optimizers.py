"""RMSprop and AdamW against their update rules written out in numpy."""

from __future__ import annotations

import numpy as np
import pytest

from smolml_core import ConfigError, build_network, lookup, resolve, set_seed

rng = np.random.default_rng(3)
START = rng.normal(size=(3, 4))
GRADIENTS = [rng.normal(scale=s, size=(3, 4)) for s in (1.0, 0.1, 5.0, 1e-3, 2.0, 0.5)]


def run(optimizer: object) -> tuple[np.ndarray, dict[str, object]]:
    """Apply ``optimizer.step`` for each gradient in turn, counting steps as the base class does."""
    theta, state = START.copy(), {"step": 0}
    for grad in GRADIENTS:
        state["step"] += 1
        optimizer.step(theta, grad, state)  # type: ignore[attr-defined]
    return theta, state


def reference_rmsprop(lr: float, rho: float, eps: float) -> np.ndarray:
    theta, s = START.copy(), np.zeros_like(START)
    for g in GRADIENTS:
        s = rho * s + (1 - rho) * g**2
        theta = theta - lr * g / (np.sqrt(s) + eps)
    return theta


def reference_adamw(lr: float, b1: float, b2: float, eps: float, wd: float) -> np.ndarray:
    theta, m, v = START.copy(), np.zeros_like(START), np.zeros_like(START)
    for t, g in enumerate(GRADIENTS, start=1):
        theta = theta * (1 - lr * wd)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
    return theta


def test_rmsprop_defaults_and_rule() -> None:
    optimizer = resolve("optimizer", "rmsprop")
    assert optimizer.get_config() == {"learning_rate": 0.001, "rho": 0.9, "epsilon": 1e-08}
    theta, state = run(optimizer)
    np.testing.assert_allclose(theta, reference_rmsprop(0.001, 0.9, 1e-8), rtol=1e-13)
    assert set(state) == {"step", "square_avg"}


def test_rmsprop_with_other_settings() -> None:
    optimizer = resolve("optimizer", {"type": "rmsprop", "learning_rate": 0.05, "rho": 0.5, "epsilon": 1e-3})
    np.testing.assert_allclose(run(optimizer)[0], reference_rmsprop(0.05, 0.5, 1e-3), rtol=1e-13)


def test_rmsprop_first_step_moves_by_lr_over_sqrt_1_minus_rho() -> None:
    theta = np.array([1.0, -2.0])
    lookup("optimizer", "rmsprop")(learning_rate=0.1).step(theta, np.array([0.5, -4.0]), {"step": 1})
    # s = 0.1 g^2, so g / sqrt(s) = sign(g) / sqrt(0.1)
    np.testing.assert_allclose(theta, [1.0, -2.0] - 0.1 * np.sign([0.5, -4.0]) / np.sqrt(0.1), rtol=1e-7)


def test_adamw_defaults_and_rule() -> None:
    optimizer = resolve("optimizer", "adamw")
    assert optimizer.get_config() == {
        "learning_rate": 0.001,
        "exp_decay_gradients": 0.9,
        "exp_decay_squared": 0.999,
        "epsilon": 1e-08,
        "weight_decay": 0.01,
    }
    theta, state = run(optimizer)
    np.testing.assert_allclose(theta, reference_adamw(0.001, 0.9, 0.999, 1e-8, 0.01), rtol=1e-13)
    assert set(state) == {"step", "exp_avg", "exp_avg_sq"}


def test_adamw_with_other_settings() -> None:
    config = {"learning_rate": 0.03, "exp_decay_gradients": 0.8, "exp_decay_squared": 0.99, "weight_decay": 0.5}
    optimizer = resolve("optimizer", {"type": "adamw", **config, "epsilon": 1e-6})
    np.testing.assert_allclose(run(optimizer)[0], reference_adamw(0.03, 0.8, 0.99, 1e-6, 0.5), rtol=1e-13)


def test_adamw_without_decay_is_adam() -> None:
    adamw = resolve("optimizer", {"type": "adamw", "learning_rate": 0.01, "weight_decay": 0.0})
    adam = resolve("optimizer", {"type": "adam", "learning_rate": 0.01})
    np.testing.assert_allclose(run(adamw)[0], run(adam)[0], rtol=1e-13)


def test_adamw_decay_is_decoupled_from_the_gradient() -> None:
    """With a zero gradient Adam does not move, so AdamW only shrinks: theta (1 - lr lambda)^t."""
    optimizer = resolve("optimizer", {"type": "adamw", "learning_rate": 0.1, "weight_decay": 0.2})
    theta, state = START.copy(), {"step": 0}
    for _ in range(5):
        state["step"] += 1
        optimizer.step(theta, np.zeros_like(theta), state)
    np.testing.assert_allclose(theta, START * (1 - 0.1 * 0.2) ** 5, rtol=1e-14)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"type": "rmsprop", "rho": 1.0}, "rho: must be a number in [0, 1), got 1.0"),
        ({"type": "rmsprop", "epsilon": 0.0}, "epsilon: must be a finite number > 0, got 0.0"),
        ({"type": "rmsprop", "learning_rate": -1.0}, "learning_rate: must be a finite number > 0, got -1.0"),
        ({"type": "adamw", "weight_decay": -0.1}, "weight_decay: must be a finite number >= 0, got -0.1"),
        ({"type": "adamw", "exp_decay_squared": 1.5}, "exp_decay_squared: must be a number in [0, 1), got 1.5"),
    ],
)
def test_settings_are_checked(config: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        resolve("optimizer", config)
    assert message in str(error.value)


@pytest.mark.parametrize(
    "optimizer", [{"type": "rmsprop", "learning_rate": 0.01}, {"type": "adamw", "learning_rate": 0.01}]
)
def test_training_with_each_optimizer_lowers_the_loss_identically_on_both_engines(optimizer: dict[str, object]) -> None:
    config = {
        "layers": [
            {"type": "dense", "input_size": 3, "output_size": 5, "activation_function": "tanh"},
            {"type": "dense", "input_size": 5, "output_size": 1},
        ],
        "loss_function": "mse",
        "optimizer": optimizer,
    }
    X = rng.normal(size=(8, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]])
    runs = []
    for engine in ("array", "scalar"):
        set_seed(1)
        network = build_network({**config, "engine": engine})
        runs.append((network.train(X, y, epochs=30, verbose=False), network.get_weights()))
    (losses, weights), (scalar_losses, scalar_weights) = runs
    assert losses[-1] < 0.5 * losses[0]
    np.testing.assert_allclose(list(scalar_losses), list(losses), rtol=1e-10)
    for w_s, w_a in zip(scalar_weights, weights, strict=True):
        np.testing.assert_allclose(w_s, w_a, rtol=1e-9, atol=1e-12)
