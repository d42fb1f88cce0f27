"""Every array SmolML makes is checked against memory first: a huge size is a project error, never a MemoryError.

The sizes here are far beyond any machine (terabytes), so each test is
refused in microseconds: the check runs before numpy is asked for anything.
"""

from __future__ import annotations

import numpy as np
import pytest

from smolml_core import ArraySizeError, ConfigError, build_network, ones, randn, zeros
from smolml_core.array.allocation import allocate, allocation_budget, bytes_text, memory_limit
from smolml_core.datasets import load_csv
from smolml_core.datasets.data_config import load_data_config
from smolml_core.datasets.preparing import one_hot
from smolml_std.initializers import XavierUniform
from smolml_std.layers import DenseLayer

HUGE = 10**12


def dense_config(output_size: int) -> dict:
    return {"layers": [{"type": "dense", "input_size": 2, "output_size": output_size}], "loss_function": "mse"}


def test_an_output_size_beyond_memory_in_a_config_names_the_path_and_the_bytes() -> None:
    with pytest.raises(ArraySizeError) as caught:
        build_network(dense_config(HUGE))
    text = str(caught.value)
    assert text.startswith("layers[0]: weights of shape (2, 1000000000000) and dtype float64 would need 16.0 TB")
    assert "(16,000,000,000,000 bytes), more than this machine's memory" in text
    assert isinstance(caught.value, ConfigError)


@pytest.mark.parametrize("size", [HUGE, 10**19, 10**40])
def test_an_output_size_beyond_memory_in_python(size: int) -> None:
    with pytest.raises(ArraySizeError, match="would need"):
        DenseLayer(2, size)


@pytest.mark.parametrize("make", [zeros, ones, randn])
def test_zeros_ones_and_randn_check_first(make) -> None:
    with pytest.raises(ArraySizeError, match=r"an array of shape \(10000000, 10000000\) and dtype float64"):
        make(10**7, 10**7)


def test_an_initializer_checks_first() -> None:
    with pytest.raises(ArraySizeError, match="weights of shape"):
        XavierUniform.initialize(HUGE, 3)


def test_a_memory_error_while_allocating_becomes_the_project_error() -> None:
    def out_of_memory(shape):
        raise MemoryError

    with pytest.raises(ArraySizeError, match="not enough free memory"):
        allocate((2, 2), np.float64, out_of_memory)


def test_a_budget_counts_every_array_made_within_it() -> None:
    with allocation_budget(1000, "the 1,000 bytes allowed here"):
        zeros(10, 10)  # 800 bytes
        with pytest.raises(ArraySizeError, match=r"1.6 kB \(1,600 bytes\), more than the 1,000 bytes allowed here"):
            zeros(200)
        with pytest.raises(ArraySizeError, match="more than the 1,000 bytes allowed here"):
            zeros(26)  # 208 bytes, over what is left
        zeros(25)
    zeros(1000)  # the budget ended with its block


def test_the_memory_limit_and_the_wording() -> None:
    assert memory_limit() > 1 << 20
    assert bytes_text(999) == "999 bytes"
    assert bytes_text(80_000_000_000) == "80.0 GB (80,000,000,000 bytes)"
    assert bytes_text(1_500, exact=False) == "1.5 kB"


def test_one_hot_makes_only_the_rows_it_returns() -> None:
    """One row per sample, not an identity matrix of classes x classes first."""
    with pytest.raises(ArraySizeError, match=r"one-hot targets for 2 samples and 1,000,000,000,000 classes"):
        one_hot([0, 1], num_classes=HUGE)
    assert one_hot([2, 0]).tolist() == [[0, 0, 1], [1, 0, 0]]
    assert one_hot(np.arange(3000) % 3).shape == (3000, 3)


@pytest.fixture(scope="module")
def many_labels(tmp_path_factory):
    """A CSV whose target has 100,000 distinct labels: one-hot rows would need 80 GB."""
    path = tmp_path_factory.mktemp("csv") / "many.csv"
    path.write_text("x,label\n" + "".join(f"{i},c{i}\n" for i in range(100_000)))
    return path


def test_a_csv_target_with_too_many_classes_in_python(many_labels) -> None:
    with pytest.raises(ArraySizeError) as caught:
        load_csv(many_labels, "label")
    text = str(caught.value)
    assert text.startswith(f"{str(many_labels)!r}: target 'label': one-hot targets for 100,000 samples")
    assert "80.0 GB (80,000,000,000 bytes)" in text and text.endswith("pass one_hot=False")


def test_a_csv_target_with_too_many_classes_in_a_data_config(many_labels) -> None:
    with pytest.raises(ArraySizeError) as caught:
        load_data_config({"csv": many_labels.name, "target": "label"}, many_labels.parent)
    text = str(caught.value)
    assert text.startswith("data.target: one-hot targets for 100,000 samples") and "80.0 GB" in text
    assert text.endswith("set one_hot = false")
