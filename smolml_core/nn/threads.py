"""How many threads the BLAS library behind numpy's matrix products may use while training.

numpy hands matrix products to a BLAS library (OpenBLAS, usually), which
starts one thread per core. Measured on 2 cores: on a quiet machine a second
thread halves the time of every product from about 4 million floating-point
operations up (a 256x64 by 64x128 product, 4.2 MFLOP: 78 us on one thread, 46
on two) and changes nothing below that; on a machine busy with other work it
made products 1.5 to 1.7 times slower (a 32x64 by 64x128 product: 22 us on
one thread, 32 on two). So, while ``train()`` runs, BLAS gets one thread when
the largest product of a step is small (under ``SMALL_PRODUCT``
floating-point operations: the tutorial's networks, mini-batches of a few
dozen rows), where a second thread can only lose, and is left as it is for
larger products, where it wins unless the machine is busy.

The environment variable ``SMOLML_BLAS_THREADS`` overrides this: a number
fixes the threads while training, ``keep`` leaves BLAS alone. Thread counts
the user gave BLAS themselves (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``,
``MKL_NUM_THREADS``) are always kept.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError
from .walk import named_parameters

if TYPE_CHECKING:
    from .network import NeuralNetwork

__all__ = ["SMALL_PRODUCT", "blas_threads", "training_threads"]

SMALL_PRODUCT = 4e6
"""Floating-point operations below which a matrix product runs on one BLAS thread while training."""

_USER_SETTINGS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def blas_threads(network: NeuralNetwork, rows: int) -> int | None:
    """The BLAS threads for training ``network`` on batches of ``rows`` rows; None leaves BLAS as it is."""
    setting = os.environ.get("SMOLML_BLAS_THREADS", "auto").strip().lower()
    if setting == "keep":
        return None
    if setting != "auto":
        if setting.isdigit() and int(setting) >= 1:
            return int(setting)
        raise ConfigError(
            f"SMOLML_BLAS_THREADS is {setting!r}; set it to a number of threads (1 or more), 'auto' or 'keep'"
        )
    if any(name in os.environ for name in _USER_SETTINGS):
        return None
    largest = max((p.data.size for layer in network.layers for p in named_parameters(layer).values()), default=0)
    return 1 if 2 * rows * largest < SMALL_PRODUCT else None  # a product with a weight matrix: 2 n (in x out)


@contextmanager
def training_threads(network: NeuralNetwork, rows: int) -> Iterator[int | None]:
    """Limit BLAS to ``blas_threads(network, rows)`` threads inside the block (a no-op when it says None)."""
    threads = blas_threads(network, rows)
    if threads is None:
        yield None
        return
    global _controller
    if _controller is None:  # looking through the process's libraries takes a while: once is enough
        from threadpoolctl import ThreadpoolController  # type: ignore[import-untyped]

        _controller = ThreadpoolController()
    with _controller.limit(limits=threads, user_api="blas"):
        yield threads


_controller: Any = None
