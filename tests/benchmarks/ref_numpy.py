"""The allocating numpy reference: the same network, forward and backward written out by hand.

Each piece mirrors the smolml_std component of the same name: activation.py,
losses.py and optimizers.py (AdaGrad with epsilon inside the square root; Adam
with bias correction by each parameter's own step count). The losses are means
over samples. A cross-entropy straight after the matching output activation
(BCE after sigmoid, CCE after softmax) is computed from the logits z, as
smolml_std does and as one would by hand: BCE = softplus(z) - y z, CCE =
logsumexp(z) - sum(y z) per one-hot row, gradient (p - y) / n. Any other
cross-entropy clips as smolml_std does (BCE to [eps, 1 - eps], CCE below at eps;
no gradient through a clipped value; eps 1e-15 in float64, 1e-7 in float32).
Plain, idiomatic numpy: whole-array operations, optimizer buffers allocated once
and updated in place, temporaries left to numpy (a fresh array for each). The
expert reference (``ref_numpy_expert.py``) computes the same with every
temporary preallocated.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from workloads import Workload, train_epoch


def clip_epsilon(dtype: np.dtype[Any]) -> float:
    """The clipping margin of smolml_std's cross-entropy losses for ``dtype``."""
    return 1e-15 if dtype.itemsize >= 8 else 1e-7


def act_forward(name: str, z: np.ndarray) -> np.ndarray:
    """Apply the activation ``name`` to the pre-activation ``z``."""
    if name == "relu":
        return np.maximum(z, 0.0)
    if name == "tanh":
        return np.tanh(z)
    if name == "sigmoid":  # the overflow-free form: exp only ever sees -|z|
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1 / (1 + e), e / (1 + e))
    if name == "softmax":
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    raise ValueError(f"unknown activation {name!r}")


def act_backward(name: str, g: np.ndarray, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    """dL/dz from dL/da ``g``, the pre-activation ``z`` and the output ``a``."""
    if name == "relu":
        return np.where(z > 0, g, 0.0)
    if name == "tanh":
        return g * (1 - a * a)
    if name == "sigmoid":
        return g * a * (1 - a)
    if name == "softmax":  # Jacobian-vector product of softmax, row by row
        return a * (g - (g * a).sum(axis=-1, keepdims=True))
    raise ValueError(f"unknown activation {name!r}")


def loss_and_grad(name: str, p: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """The loss of predictions ``p`` against targets ``y`` and its gradient dL/dp."""
    if name == "mse_loss":
        diff = p - y
        return float(np.mean(diff * diff)), (2.0 / diff.size) * diff
    eps = clip_epsilon(p.dtype)
    if name == "binary_cross_entropy":
        inside = (p >= eps) & (p <= 1 - eps)
        q = np.clip(p, eps, 1 - eps)
        loss = -np.mean(y * np.log(q) + (1 - y) * np.log(1 - q))
        return float(loss), np.where(inside, ((1 - y) / (1 - q) - y / q) / p.size, 0.0)
    if name == "categorical_cross_entropy":
        n = p.shape[0]
        inside = p >= eps
        q = np.maximum(p, eps)
        loss = -np.sum(y * np.log(q)) / n
        return float(loss), np.where(inside, -y / (q * n), 0.0)
    raise ValueError(f"unknown loss {name!r}")


FUSED = {("sigmoid", "binary_cross_entropy"), ("softmax", "categorical_cross_entropy")}
"""Output activation and loss pairs computed from the logits."""


def fused_loss_and_grad(name: str, z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Loss and dL/dz for a ``FUSED`` pair, from the logits ``z``."""
    if name == "binary_cross_entropy":
        loss = np.mean(np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z))) - y * z)
        return float(loss), (act_forward("sigmoid", z) - y) / z.size
    if name == "categorical_cross_entropy":  # one-hot rows: the gradient of the mean is (softmax(z) - y) / n
        shifted = z - z.max(axis=-1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=-1, keepdims=True)
        loss = np.sum(y * (np.log(total) - shifted)) / len(z)
        return float(loss), (e / total - y) / len(z)
    raise ValueError(f"no fused form of {name!r}")


class AdaGrad:
    """G <- G + g^2;  theta <- theta - lr * g / sqrt(G + eps), as smolml_std.AdaGrad."""

    def __init__(self, learning_rate: float, epsilon: float = 1e-8) -> None:
        self.lr, self.eps = learning_rate, epsilon

    def new_state(self, value: np.ndarray) -> dict[str, Any]:
        """The buffers one parameter needs, allocated once."""
        return {"squared": np.zeros_like(value)}

    def step(self, value: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        """Update ``value`` in place."""
        squared = state["squared"]
        squared += grad * grad
        value -= self.lr * grad / np.sqrt(squared + self.eps)


class Adam:
    """Adam with per-parameter bias correction, step for step as smolml_std.Adam."""

    def __init__(self, learning_rate: float, b1: float = 0.9, b2: float = 0.999, epsilon: float = 1e-8) -> None:
        self.lr, self.b1, self.b2, self.eps = learning_rate, b1, b2, epsilon

    def new_state(self, value: np.ndarray) -> dict[str, Any]:
        """The buffers one parameter needs, allocated once, and its step count."""
        return {"step": 0, "m": np.zeros_like(value), "v": np.zeros_like(value)}

    def step(self, value: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        """Update ``value`` in place."""
        state["step"] += 1
        t, m, v = state["step"], state["m"], state["v"]
        m *= self.b1
        m += (1 - self.b1) * grad
        v *= self.b2
        v += (1 - self.b2) * grad * grad
        m_hat = m / (1 - self.b1**t)
        v_hat = v / (1 - self.b2**t)
        value -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


class NumpyMLP:
    """A dense network in plain numpy: manual forward, backward and optimizer step."""

    label = "numpy"

    def __init__(self, workload: Workload, params: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.dtype = np.dtype(workload.dtype)
        self.weights = [np.array(w, dtype=self.dtype) for w, _ in params]
        self.biases = [np.array(b, dtype=self.dtype) for _, b in params]
        self.activations = workload.activations
        self.batch_size = workload.batch_size
        self.loss = workload.loss
        self.fused = (workload.activations[-1], workload.loss) in FUSED
        self.optimizer = {"AdaGrad": AdaGrad, "Adam": Adam}[workload.optimizer](workload.learning_rate)
        new_state = self.optimizer.new_state
        self.states = [(new_state(W), new_state(b)) for W, b in zip(self.weights, self.biases, strict=True)]

    def prepare(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The data as this implementation takes it: numpy arrays of the network's dtype."""
        return np.ascontiguousarray(X, dtype=self.dtype), np.ascontiguousarray(y, dtype=self.dtype)

    def step(self, X: np.ndarray, y: np.ndarray) -> float:
        """One step on these rows; returns the loss before the update."""
        inputs, zs, outs = [], [], []  # per hidden layer: its input, pre-activation and output
        a = X
        for W, b, act in zip(self.weights[:-1], self.biases[:-1], self.activations[:-1], strict=True):
            inputs.append(a)
            z = a @ W + b
            a = act_forward(act, z)
            zs.append(z)
            outs.append(a)
        inputs.append(a)
        z = a @ self.weights[-1] + self.biases[-1]
        if self.fused:
            loss, dz = fused_loss_and_grad(self.loss, z, y)
        else:
            out = act_forward(self.activations[-1], z)
            loss, g = loss_and_grad(self.loss, out, y)
            dz = act_backward(self.activations[-1], g, z, out)

        grads: list[tuple[np.ndarray, np.ndarray]] = []
        for i in reversed(range(len(self.weights))):
            grads.append((inputs[i].T @ dz, dz.sum(axis=0, keepdims=True)))
            if i > 0:
                g = dz @ self.weights[i].T
                dz = act_backward(self.activations[i - 1], g, zs[i - 1], outs[i - 1])
        grads.reverse()

        for W, b, (dW, db), (W_state, b_state) in zip(self.weights, self.biases, grads, self.states, strict=True):
            self.optimizer.step(W, dW, W_state)
            self.optimizer.step(b, db, b_state)
        return loss

    def train(self, X: np.ndarray, y: np.ndarray, epochs: int) -> list[float]:
        """Train for ``epochs`` epochs; returns the loss of each, like ``NeuralNetwork.train``."""
        return [train_epoch(self.step, X, y, self.batch_size) for _ in range(epochs)]

    def parameters(self) -> np.ndarray:
        """Every parameter raveled into one vector, in the order of ``workloads.current_parameters``."""
        return np.concatenate([np.ravel(p) for pair in zip(self.weights, self.biases, strict=True) for p in pair])
