"""Layers: dropout, layer normalisation and batch normalisation.

Dropout and batch normalisation behave differently while the network learns:
they ask ``smolml_core.is_training()``, which ``NeuralNetwork.train`` turns on
for every training step and leaves off for prediction, evaluation and validation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from smolml_core import CONSTANT, Layer, MLArray, ShapeError, get_rng, is_training, ones, primitive, validation, zeros

__all__ = ["BatchNorm", "Dropout", "LayerNorm"]


def _scaled_mask(shape: tuple[int, ...], *, rate: float, dtype: Any) -> np.ndarray:
    """1 / (1 - rate) with probability 1 - rate, else 0, drawn from ``smolml_core.get_rng()``."""
    keep = get_rng().random(shape) >= rate
    return (keep * (1.0 / (1.0 - rate))).astype(dtype)


# An operation, so that training records the draw and a replayed step draws a fresh mask.
_dropout_mask = primitive("dropout_mask", _scaled_mask, CONSTANT, random=True)


class Dropout(Layer):
    """Inverted dropout: while training, each input is kept with probability 1 - rate and then scaled by 1/(1 - rate).

    y = x m / (1 - rate), with m ~ Bernoulli(1 - rate) drawn afresh for every
    element at every training step. Zeroing random units keeps the network from
    relying on any one of them; scaling the survivors keeps E[y] = x, so
    nothing has to change at prediction time, where the layer is the identity
    (``y = x``). The masks come from ``smolml_core.get_rng()``, so
    ``set_seed`` repeats a run exactly. rate must be in [0, 1); 0 turns it off.
    """

    def __init__(self, rate: float = 0.5) -> None:
        self.rate = validation.fraction(rate, "rate")

    def forward(self, X: MLArray) -> MLArray:
        """X itself outside training; X times a fresh scaled mask inside it."""
        if not is_training() or self.rate == 0.0:
            return X
        return X * _dropout_mask(X.shape, rate=self.rate, dtype=X.dtype)

    def summary(self) -> str:
        return f"rate={self.rate:g}"


class LayerNorm(Layer):
    """Layer normalisation: each sample is normalised over its own ``size`` features, then scaled and shifted.

    mu = mean(x), sigma^2 = mean((x - mu)^2) over the last axis of each sample;
    y = gamma (x - mu) / sqrt(sigma^2 + epsilon) + beta, with the learned gamma
    (starting at 1) and beta (starting at 0) holding one number per feature.
    Unlike batch normalisation it does not depend on the other samples of the
    batch, so training and prediction compute the same thing. epsilon keeps the
    division finite when a sample's features are all equal.
    """

    def __init__(self, size: int, epsilon: float = 1e-5, dtype: str = "float64") -> None:
        self.size = validation.whole_number(size, "size")
        self.epsilon = validation.positive(epsilon, "epsilon")
        dtype_ = validation.float_dtype(dtype)
        self.gamma = ones(self.size, dtype=dtype_)
        self.beta = zeros(self.size, dtype=dtype_)

    def forward(self, X: MLArray) -> MLArray:
        """gamma (X - mean) / sqrt(variance + epsilon) + beta, the statistics taken over each row's features."""
        _check_width(X, self.size, "layer_norm")
        centred = X - X.mean(axis=-1, keepdims=True)
        variance = (centred * centred).mean(axis=-1, keepdims=True)
        return centred / (variance + self.epsilon).sqrt() * self.gamma + self.beta

    def summary(self) -> str:
        return f"{self.size} features, epsilon={self.epsilon:g}"


class BatchNorm(Layer):
    """Batch normalisation: each feature is normalised over the samples of the batch, then scaled and shifted.

    While training, with mu and sigma^2 the mean and (biased) variance of each
    feature over the batch: y = gamma (x - mu) / sqrt(sigma^2 + epsilon) + beta.
    The layer also keeps running estimates for prediction, updated at every
    training step as

        running_mean <- (1 - momentum) running_mean + momentum mu
        running_var  <- (1 - momentum) running_var  + momentum sigma^2 n / (n - 1)

    (the unbiased variance of the n samples, as PyTorch's ``BatchNorm1d`` does).
    Outside training, y = gamma (x - running_mean) / sqrt(running_var + epsilon) + beta,
    so a prediction does not depend on the other rows. The running statistics
    are not learned by gradient, but they are state: ``network.save`` writes
    them and loading restores them. Training needs batches of at least 2 rows.
    Inputs of more than two axes are normalised over every axis but the last.
    """

    def __init__(self, size: int, momentum: float = 0.1, epsilon: float = 1e-5, dtype: str = "float64") -> None:
        self.size = validation.whole_number(size, "size")
        self.momentum = validation.fraction(momentum, "momentum")
        self.epsilon = validation.positive(epsilon, "epsilon")
        dtype_ = validation.float_dtype(dtype)
        self.gamma = ones(self.size, dtype=dtype_)
        self.beta = zeros(self.size, dtype=dtype_)
        self.running_mean = zeros(self.size, dtype=dtype_, requires_grad=False)
        self.running_var = ones(self.size, dtype=dtype_, requires_grad=False)

    def forward(self, X: MLArray) -> MLArray:
        """Normalised by the batch's statistics while training (updating the running ones), else by the running ones."""
        _check_width(X, self.size, "batch_norm")
        if not is_training():
            scale = 1.0 / np.sqrt(self.running_var.data + self.epsilon)
            return (X - self.running_mean.data) * (scale * self.gamma) + self.beta
        axes = tuple(range(X.ndim - 1))
        rows = int(np.prod([X.shape[a] for a in axes]))
        if rows < 2:
            raise ShapeError(
                f"batch_norm needs at least 2 rows per batch while training to measure a variance, got {rows} "
                f"(input shape {X.shape}); choose a batch_size that leaves no batch of a single row"
            )
        mean = X.mean(axis=axes, keepdims=True)
        centred = X - mean
        variance = (centred * centred).mean(axis=axes, keepdims=True)
        self._update_running(mean.numpy().reshape(self.size), variance.numpy().reshape(self.size), rows)
        return centred / (variance + self.epsilon).sqrt() * self.gamma + self.beta

    def _update_running(self, mean: np.ndarray, variance: np.ndarray, rows: int) -> None:
        m = self.momentum
        dtype = self.running_mean.dtype
        self.running_mean.assign(((1 - m) * self.running_mean.numpy() + m * mean).astype(dtype))
        self.running_var.assign(((1 - m) * self.running_var.numpy() + m * variance * (rows / (rows - 1))).astype(dtype))

    def summary(self) -> str:
        return f"{self.size} features, momentum={self.momentum:g}"


def _check_width(X: MLArray, expected: int, layer: str) -> None:
    if X.ndim == 0 or X.shape[-1] != expected:
        width = "none (a single number)" if X.ndim == 0 else X.shape[-1]
        raise ShapeError(
            f"{layer} expected {expected} features per sample, i.e. shape (n_samples, {expected}), but the input "
            f"has {width} (shape {X.shape}); set size to the width of the layer before it"
        )
