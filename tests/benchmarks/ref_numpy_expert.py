"""The expert numpy reference: the same network as ``ref_numpy``, with no array allocated while training.

This is the loop an expert writes when speed matters, as scikit-learn's MLP
does: every activation, gradient and optimizer temporary lives in a buffer
allocated once (per batch shape, at the first step of that shape) and every
numpy call writes into one of them with ``out=``. What is left per step is the
numpy calls themselves, about six per layer forward, six per layer backward and
ten per parameter in Adam, and the Python around them.

The formulas are those of ``ref_numpy`` (which mirrors smolml_std), operation
for operation where the order of rounding matters, so the same-work check holds
it to the same tolerance. It covers what the benchmark's workloads use: relu
and tanh hidden layers; a tanh output with the mean squared error, or a
cross-entropy from the logits (sigmoid with binary, softmax with categorical);
AdaGrad and Adam.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ref_numpy import FUSED
from workloads import Workload, train_epoch


class _Step:
    """The buffers of one step on ``rows`` rows: per layer its pre-activation, output and gradients."""

    def __init__(self, rows: int, sizes: tuple[int, ...], dtype: np.dtype[Any]) -> None:
        outs = sizes[1:]
        self.z = [np.empty((rows, n), dtype) for n in outs]  # pre-activations
        self.a = [np.empty((rows, n), dtype) for n in outs]  # outputs (the last: predictions, if not fused)
        self.dz = [np.empty((rows, n), dtype) for n in outs]  # dL/dz
        self.da = [np.empty((rows, n), dtype) for n in outs]  # dL/d(output), and a scratch row block
        self.mask = [np.empty((rows, n), np.bool_) for n in outs]
        self.row = np.empty((rows, 1), dtype)  # a per-row column: softmax's max and sum
        self.row2 = np.empty((rows, 1), dtype)


class _Optimizer:
    """Per-parameter buffers allocated once: the optimizer's state and two temporaries."""

    def __init__(self, name: str, learning_rate: float, params: list[np.ndarray]) -> None:
        if name not in ("Adam", "AdaGrad"):
            raise ValueError(f"no expert form of {name!r}")
        self.name, self.lr = name, learning_rate
        self.b1, self.b2, self.eps = 0.9, 0.999, 1e-8
        self.state = [
            {"step": 0, "m": np.zeros_like(p), "v": np.zeros_like(p), "t1": np.empty_like(p), "t2": np.empty_like(p)}
            for p in params
        ]

    def step(self, index: int, value: np.ndarray, grad: np.ndarray) -> None:
        """Update ``value`` in place from ``grad``, as ``ref_numpy``'s optimizer of the same name."""
        s = self.state[index]
        t1, t2 = s["t1"], s["t2"]
        if self.name == "AdaGrad":  # G += g^2; value -= lr * g / sqrt(G + eps)
            squared = s["v"]
            np.multiply(grad, grad, out=t1)
            squared += t1
            np.add(squared, self.eps, out=t1)
            np.sqrt(t1, out=t1)
            np.multiply(grad, self.lr, out=t2)
            t2 /= t1
            value -= t2
            return
        s["step"] += 1
        m, v = s["m"], s["v"]
        m *= self.b1
        np.multiply(grad, 1 - self.b1, out=t1)
        m += t1
        v *= self.b2
        np.multiply(grad, 1 - self.b2, out=t1)
        t1 *= grad
        v += t1
        np.divide(m, 1 - self.b1 ** s["step"], out=t1)  # m_hat
        np.divide(v, 1 - self.b2 ** s["step"], out=t2)  # v_hat
        np.sqrt(t2, out=t2)
        t2 += self.eps
        t1 *= self.lr
        t1 /= t2
        value -= t1


class ExpertMLP:
    """A dense network in numpy with every temporary preallocated: forward, backward and update with ``out=``."""

    label = "expert"

    def __init__(self, workload: Workload, params: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.dtype = np.dtype(workload.dtype)
        self.sizes = workload.sizes
        self.weights = [np.array(w, dtype=self.dtype) for w, _ in params]
        self.biases = [np.array(b, dtype=self.dtype) for _, b in params]
        self.activations = workload.activations
        self.loss = workload.loss
        self.batch_size = workload.batch_size
        self.fused = (workload.activations[-1], workload.loss) in FUSED
        if not self.fused and (workload.activations[-1], workload.loss) != ("tanh", "mse_loss"):
            raise ValueError(f"no expert form of {workload.activations[-1]} with {workload.loss}")
        self.grads = [(np.empty_like(W), np.empty_like(b)) for W, b in zip(self.weights, self.biases, strict=True)]
        flat = [p for pair in zip(self.weights, self.biases, strict=True) for p in pair]
        self.optimizer = _Optimizer(workload.optimizer, workload.learning_rate, flat)
        self.steps: dict[int, _Step] = {}

    def prepare(self, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The data as numpy arrays of the network's dtype."""
        return np.ascontiguousarray(X, dtype=self.dtype), np.ascontiguousarray(y, dtype=self.dtype)

    def step(self, X: np.ndarray, y: np.ndarray) -> float:
        """One step on these rows, in the buffers of their shape; returns the loss before the update."""
        buffers = self.steps.get(len(X))
        if buffers is None:
            buffers = self.steps[len(X)] = _Step(len(X), self.sizes, self.dtype)
        self._forward(buffers, X)
        loss = self._loss(buffers, y)
        self._backward(buffers, X)
        for i, (W, b) in enumerate(zip(self.weights, self.biases, strict=True)):
            dW, db = self.grads[i]
            self.optimizer.step(2 * i, W, dW)
            self.optimizer.step(2 * i + 1, b, db)
        return loss

    def _forward(self, s: _Step, X: np.ndarray) -> None:
        """Every layer's z = a W + b and its activation, except the last layer's activation."""
        a = X
        last = len(self.weights) - 1
        for i, (W, b, act) in enumerate(zip(self.weights, self.biases, self.activations, strict=True)):
            z = s.z[i]
            np.matmul(a, W, out=z)
            z += b
            if i == last:
                break
            a = s.a[i]
            if act == "relu":
                np.maximum(z, 0.0, out=a)
            elif act == "tanh":
                np.tanh(z, out=a)
            else:
                raise ValueError(f"no expert form of a {act} hidden layer")

    def _loss(self, s: _Step, y: np.ndarray) -> float:
        """The loss, leaving dL/dz of the last layer in ``s.dz[-1]``."""
        z, dz, t1, t2 = s.z[-1], s.dz[-1], s.a[-1], s.da[-1]
        n = len(z)
        if self.loss == "categorical_cross_entropy":  # logsumexp(z) - sum(y z); gradient (softmax(z) - y) / n
            np.max(z, axis=-1, keepdims=True, out=s.row)
            np.subtract(z, s.row, out=t1)  # shifted
            np.exp(t1, out=dz)
            np.sum(dz, axis=-1, keepdims=True, out=s.row)
            np.log(s.row, out=s.row2)
            np.subtract(s.row2, t1, out=t2)
            t2 *= y
            loss = float(np.sum(t2)) / n
            dz /= s.row
            dz -= y
            dz /= n
            return loss
        if self.loss == "binary_cross_entropy":  # softplus(z) - y z; gradient (sigmoid(z) - y) / size
            np.abs(z, out=t1)
            np.negative(t1, out=t1)
            np.exp(t1, out=t1)  # e = exp(-|z|)
            np.log1p(t1, out=t2)
            np.maximum(z, 0.0, out=dz)
            t2 += dz
            np.multiply(y, z, out=dz)
            t2 -= dz
            loss = float(np.mean(t2))
            np.add(t1, 1.0, out=t2)  # 1 + e
            np.divide(1.0, t2, out=dz)  # sigmoid where z >= 0
            np.divide(t1, t2, out=t2)  # sigmoid where z < 0
            np.less(z, 0.0, out=s.mask[-1])
            np.copyto(dz, t2, where=s.mask[-1])
            dz -= y
            dz /= z.size
            return loss
        # tanh output, mean squared error
        out = s.a[-1]
        np.tanh(z, out=out)
        np.subtract(out, y, out=t2)  # diff
        np.multiply(t2, t2, out=dz)
        loss = float(np.mean(dz))
        t2 *= 2.0 / t2.size  # dL/d(out)
        self._activation_backward("tanh", s, len(self.weights) - 1, t2)
        return loss

    def _activation_backward(self, act: str, s: _Step, i: int, grad: np.ndarray) -> None:
        """dL/dz of layer ``i`` into ``s.dz[i]`` from dL/d(output) ``grad``."""
        dz = s.dz[i]
        if act == "relu":  # g where z > 0, else 0 (a mask times g would cast the whole mask, in a hidden buffer)
            np.copyto(dz, grad)
            np.less_equal(s.z[i], 0.0, out=s.mask[i])
            np.copyto(dz, 0.0, where=s.mask[i])
        elif act == "tanh":  # g (1 - a^2)
            a = s.a[i]
            np.multiply(a, a, out=dz)
            np.subtract(1.0, dz, out=dz)
            dz *= grad
        else:
            raise ValueError(f"no expert form of a {act} hidden layer")

    def _backward(self, s: _Step, X: np.ndarray) -> None:
        """dL/dW and dL/db of every layer into ``self.grads``, from ``s.dz[-1]`` back."""
        for i in reversed(range(len(self.weights))):
            dW, db = self.grads[i]
            inputs = X if i == 0 else s.a[i - 1]
            np.matmul(inputs.T, s.dz[i], out=dW)
            np.sum(s.dz[i], axis=0, keepdims=True, out=db)
            if i > 0:
                grad = s.da[i - 1]
                np.matmul(s.dz[i], self.weights[i].T, out=grad)
                self._activation_backward(self.activations[i - 1], s, i - 1, grad)

    def train(self, X: np.ndarray, y: np.ndarray, epochs: int) -> list[float]:
        """Train for ``epochs`` epochs; returns the loss of each, like ``NeuralNetwork.train``."""
        return [train_epoch(self.step, X, y, self.batch_size) for _ in range(epochs)]

    def parameters(self) -> np.ndarray:
        """Every parameter raveled into one vector, in the order of ``workloads.current_parameters``."""
        return np.concatenate([np.ravel(p) for pair in zip(self.weights, self.biases, strict=True) for p in pair])
