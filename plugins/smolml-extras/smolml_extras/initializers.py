"""Weight initializers: orthogonal."""

from __future__ import annotations

import math

import numpy as np

from smolml_core import ShapeError, WeightInitializer, validation

__all__ = ["Orthogonal"]


class Orthogonal(WeightInitializer):
    """A (semi-)orthogonal matrix times ``gain``: W^T W = gain^2 I for a tall W, W W^T = gain^2 I for a wide one.

    A Gaussian matrix of shape (max(r, c), min(r, c)) is factored as A = QR;
    multiplying each column of Q by the sign of R's diagonal entry makes the
    result uniformly distributed over the orthogonal matrices (without that
    correction, QR's sign convention biases it). A wide shape takes the
    transpose. Orthogonal weights keep the length of a vector through the layer
    (every singular value is gain), so signals neither grow nor fade in deep
    stacks at the start of training. A weight of more than two axes is treated
    as a matrix of shape[0] rows by the product of the other sizes, as in
    PyTorch. The Gaussian is drawn from the generator passed in, so
    ``set_seed`` repeats it.
    """

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = validation.positive(gain, "gain")

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        if len(shape) < 2:
            raise ShapeError(
                f"orthogonal needs a weight of at least 2 axes (a matrix), got shape {tuple(shape)}; "
                "use another initializer for vectors"
            )
        rows, cols = shape[0], math.prod(shape[1:])
        gaussian = rng.standard_normal((max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(gaussian)
        q *= np.where(np.diag(r) < 0, -1.0, 1.0)
        matrix = q if rows >= cols else q.T
        return (self.gain * matrix).reshape(shape)
