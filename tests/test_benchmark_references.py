"""The benchmark's expert numpy reference does exactly the work of the allocating one, without allocating."""

from __future__ import annotations

import sys
import tracemalloc

import numpy as np
import pytest

from .docs_examples import ROOT

sys.path.append(str(ROOT / "tests" / "benchmarks"))  # after everything else: its module names are plain

from ref_numpy import NumpyMLP
from ref_numpy_expert import ExpertMLP
from workloads import BY_NAME, Ours, initial_parameters, load_data


@pytest.mark.parametrize("name", ["xor", "moons", "iris", "digits-mb32", "wide-512-f32"])
def test_expert_reference_matches_the_allocating_one_bit_for_bit(name: str) -> None:
    workload = BY_NAME[name]
    params = initial_parameters(Ours(workload).network)
    X, y = load_data(workload, quick=True)
    runs = []
    for reference in (NumpyMLP(workload, params), ExpertMLP(workload, params)):
        losses = reference.train(*reference.prepare(X, y), 3)
        runs.append((losses, reference.parameters()))
    (losses, weights), (expert_losses, expert_weights) = runs
    assert expert_losses == losses
    assert expert_weights.dtype == np.dtype(workload.dtype)
    assert np.array_equal(expert_weights, weights)


def test_expert_reference_keeps_nothing_and_allocates_little_per_epoch() -> None:
    workload = BY_NAME["digits-mb32"]
    expert = ExpertMLP(workload, initial_parameters(Ours(workload).network))
    X, y = expert.prepare(*load_data(workload))
    expert.train(X, y, 1)  # buffers for the batch shape
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        expert.train(X, y, 1)
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    one_layer_of_activations = 32 * 128 * 8
    assert kept - before < 4096
    # numpy's bounded scratch buffer for broadcasting the bias, and small Python objects; no array of the network
    assert peak - before < 2 * one_layer_of_activations
