"""The PyTorch reference: the same network with torch tensors, autograd and ``torch.optim``.

Adam is ``torch.optim.Adam``: the same rule as smolml_std.Adam (per-parameter
bias correction), arranged differently, so it agrees to rounding. AdaGrad is
written by hand on tensors, because ``torch.optim.Adagrad`` puts epsilon outside
the square root while smolml_std.AdaGrad puts it inside. A cross-entropy after
its matching output activation is torch's from-logits loss
(``binary_cross_entropy_with_logits``, ``cross_entropy`` with probability
targets), the same formulas as smolml_std's; any other clamps as smolml_std
clips (``torch.clamp`` passes no gradient outside the range either). Only
imported when ``import torch`` works.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from ref_numpy import FUSED, clip_epsilon
from workloads import Workload, train_epoch


class HandAdaGrad:
    """G <- G + g^2;  theta <- theta - lr * g / sqrt(G + eps), on tensors, as smolml_std.AdaGrad."""

    def __init__(self, params: list[torch.Tensor], lr: float, eps: float = 1e-8) -> None:
        self.params, self.lr, self.eps = params, lr, eps
        self.squared = [torch.zeros_like(p) for p in params]

    @torch.no_grad()
    def step(self) -> None:
        """Update every parameter in place from its ``.grad``."""
        for p, squared in zip(self.params, self.squared, strict=True):
            g = p.grad
            squared.add_(g * g)
            p.sub_(self.lr * g / torch.sqrt(squared + self.eps))

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients, as ``torch.optim`` optimizers do."""
        for p in self.params:
            p.grad = None


class TorchMLP:
    """The workload's network in PyTorch, from given initial weights."""

    label = "torch"

    def __init__(self, workload: Workload, params: list[tuple[np.ndarray, np.ndarray]]) -> None:
        self.dtype = {"float64": torch.float64, "float32": torch.float32}[workload.dtype]
        self.eps = clip_epsilon(np.dtype(workload.dtype))
        self.weights = [torch.tensor(w, dtype=self.dtype, requires_grad=True) for w, _ in params]
        self.biases = [torch.tensor(b, dtype=self.dtype, requires_grad=True) for _, b in params]
        self.activations = workload.activations
        self.batch_size = workload.batch_size
        self.loss = workload.loss
        self.fused = (workload.activations[-1], workload.loss) in FUSED
        flat = [p for pair in zip(self.weights, self.biases, strict=True) for p in pair]
        if workload.optimizer == "Adam":
            self.optimizer: Any = torch.optim.Adam(flat, lr=workload.learning_rate, betas=(0.9, 0.999), eps=1e-8)
        elif workload.optimizer == "AdaGrad":
            self.optimizer = HandAdaGrad(flat, lr=workload.learning_rate)
        else:
            raise ValueError(f"no torch optimizer for {workload.optimizer!r}")

    def prepare(self, X: np.ndarray, y: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        """The data as tensors of the network's dtype."""
        return torch.tensor(X, dtype=self.dtype), torch.tensor(y, dtype=self.dtype)

    def _activation(self, name: str, z: torch.Tensor) -> torch.Tensor:
        if name == "relu":
            return torch.relu(z)
        if name == "tanh":
            return torch.tanh(z)
        if name == "sigmoid":
            return torch.sigmoid(z)
        if name == "softmax":
            return torch.softmax(z, dim=-1)
        raise ValueError(f"unknown activation {name!r}")

    def _loss(self, p: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """The loss of the output ``p`` (the logits if ``self.fused``)."""
        if self.fused and self.loss == "binary_cross_entropy":
            return F.binary_cross_entropy_with_logits(p, y)
        if self.fused and self.loss == "categorical_cross_entropy":
            return F.cross_entropy(p, y)
        if self.loss == "mse_loss":
            diff = p - y
            return (diff * diff).mean()
        if self.loss == "binary_cross_entropy":
            q = p.clamp(self.eps, 1 - self.eps)
            return -(y * q.log() + (1 - y) * (1 - q).log()).mean()
        if self.loss == "categorical_cross_entropy":
            return -(y * p.clamp(min=self.eps).log()).sum(dim=-1).mean()
        raise ValueError(f"unknown loss {self.loss!r}")

    def step(self, X: torch.Tensor, y: torch.Tensor) -> float:
        """One step on these rows; returns the loss before the update."""
        a = X
        last = len(self.weights) - 1
        for i, (W, b, act) in enumerate(zip(self.weights, self.biases, self.activations, strict=True)):
            z = a @ W + b
            a = z if i == last and self.fused else self._activation(act, z)
        loss = self._loss(a, y)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return loss.item()

    def train(self, X: torch.Tensor, y: torch.Tensor, epochs: int) -> list[float]:
        """Train for ``epochs`` epochs; returns the loss of each."""
        return [train_epoch(self.step, X, y, self.batch_size) for _ in range(epochs)]

    def parameters(self) -> np.ndarray:
        """Every parameter raveled into one vector, in the order of ``workloads.current_parameters``."""
        pairs = zip(self.weights, self.biases, strict=True)
        return np.concatenate([p.detach().numpy().ravel() for pair in pairs for p in pair])


def threads() -> int:
    """torch's intra-op thread count (left at its default)."""
    return torch.get_num_threads()
