"""The BLAS threads while training: one for small matrix products, unless the user says otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from threadpoolctl import threadpool_info

from smolml_core import Callback, ConfigError
from smolml_core.nn.threads import SMALL_PRODUCT, blas_threads

from .training_helpers import XOR_X, XOR_Y, classifier

USER_SETTINGS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "SMOLML_BLAS_THREADS")


@pytest.fixture(autouse=True)
def _no_thread_settings(monkeypatch) -> None:
    for name in USER_SETTINGS:
        monkeypatch.delenv(name, raising=False)


def blas() -> list[int]:
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]


def test_a_small_network_trains_on_one_blas_thread_and_a_large_one_is_left_alone() -> None:
    net = classifier(hidden=8)  # 2 x 8 and 8 x 1 weights
    assert blas_threads(net, 4) == 1
    wide = classifier(hidden=4096, inputs=4096)  # a 4096 x 4096 weight
    rows = int(SMALL_PRODUCT / (2 * 4096 * 4096)) + 1
    assert blas_threads(wide, rows) is None


@pytest.mark.parametrize(("setting", "expected"), [("3", 3), ("keep", None), ("auto", 1), (" Auto ", 1)])
def test_smolml_blas_threads_overrides_the_choice(monkeypatch, setting: str, expected: Any) -> None:
    monkeypatch.setenv("SMOLML_BLAS_THREADS", setting)
    assert blas_threads(classifier(), 4) == expected


@pytest.mark.parametrize("name", ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"])
def test_threads_the_user_gave_blas_are_kept(monkeypatch, name: str) -> None:
    monkeypatch.setenv(name, "2")
    assert blas_threads(classifier(), 4) is None


@pytest.mark.parametrize("setting", ["0", "many", "-1", "1.5"])
def test_a_wrong_setting_is_a_clear_error(monkeypatch, setting: str) -> None:
    monkeypatch.setenv("SMOLML_BLAS_THREADS", setting)
    with pytest.raises(ConfigError, match=r"SMOLML_BLAS_THREADS is .*set it to a number of threads"):
        classifier().train(XOR_X, XOR_Y, epochs=1, verbose=False)


def test_training_limits_blas_and_puts_it_back(monkeypatch) -> None:
    if not blas():
        pytest.skip("numpy uses no BLAS library that threadpoolctl can see")
    before = blas()
    seen: list[list[int]] = []

    class Watch(Callback):
        def on_epoch_end(self, network: Any, epoch: int, logs: dict[str, Any]) -> None:
            seen.append(blas())

    classifier().train(XOR_X, XOR_Y, epochs=2, verbose=False, callbacks=[Watch()])
    assert seen == [[1] * len(before)] * 2
    assert blas() == before
    monkeypatch.setenv("SMOLML_BLAS_THREADS", "keep")
    seen.clear()
    classifier().train(XOR_X, XOR_Y, epochs=1, verbose=False, callbacks=[Watch()])
    assert seen == [before]
