"""``Dataset``: features and target as read, before they are shaped for training.

Every source (a named dataset, a CSV file) produces one, so standardising,
encoding and splitting are written once, here and in ``preparing``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .preparing import one_hot as one_hot_rows

__all__ = ["Dataset"]


@dataclass(frozen=True)
class Dataset:
    """Features ``X`` and the ``target`` to predict, with the names that go with them.

    ``target`` is one value per sample. When ``class_names`` is set, the
    target is a class: ``target[i]`` is the index of sample ``i``'s class in
    ``class_names`` (0, 1, ...). When it is ``None``, the target is a number
    to predict (regression) and is kept as it is.
    """

    X: np.ndarray
    """Float64, one row per sample, one column per feature."""
    target: np.ndarray
    """Shape ``(samples,)``: class indices, or the numbers to predict."""
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...] | None = None

    def targets(self, one_hot: bool | None = None) -> np.ndarray:
        """``y`` shaped for training: one-hot rows, or a column.

        ``one_hot=None`` chooses as a network's output layer usually wants it:
        one-hot rows (for softmax) when there are 3 or more classes, a column of
        0/1 (for one sigmoid unit) when there are two. ``True`` and ``False``
        force either; numbers to predict are always a column.
        """
        if self.class_names is None:
            return self.target.astype(np.float64).reshape(-1, 1)
        if one_hot is None:
            one_hot = len(self.class_names) >= 3
        if one_hot:
            return one_hot_rows(self.target, num_classes=len(self.class_names))
        return self.target.astype(np.float64).reshape(-1, 1)
