"""``load`` called on a subclass of ``NeuralNetwork`` gives that subclass, or says clearly why it cannot."""

from __future__ import annotations

from typing import Any

import pytest

from smolml_core import NeuralNetwork, build_network, load_network

from .helpers import assert_same_network, dataset, small_network


class Tracked(NeuralNetwork):
    """A subclass that adds a method and keeps the constructor."""

    def described(self) -> str:
        return f"{len(self.layers)} layers"


class Named(NeuralNetwork):
    """A subclass whose constructor needs something the file does not hold."""

    def __init__(self, name: str, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = name


def saved(tmp_path: Any) -> tuple[NeuralNetwork, Any]:
    network = small_network()
    network.train(*dataset(), epochs=2, verbose=False)
    return network, network.save(tmp_path / "net.npz")


def test_a_subclass_loads_as_itself(tmp_path: Any) -> None:
    network, path = saved(tmp_path)
    loaded = Tracked.load(path)
    assert type(loaded) is Tracked and loaded.described() == "2 layers"
    assert_same_network(loaded, network, dataset()[0])
    assert loaded.epochs_trained == network.epochs_trained == 2


def test_the_base_class_and_load_network_still_give_a_neural_network(tmp_path: Any) -> None:
    _, path = saved(tmp_path)
    assert type(NeuralNetwork.load(path)) is NeuralNetwork
    assert type(load_network(path)) is NeuralNetwork


def test_a_subclass_that_cannot_be_built_like_neural_network_is_refused_by_name(tmp_path: Any) -> None:
    _, path = saved(tmp_path)
    with pytest.raises(TypeError, match=r"Named cannot be built from a network config: .*Named\(layers, loss_function"):
        Named.load(path)
    assert type(NeuralNetwork.load(path)) is NeuralNetwork  # the file itself is fine


def test_build_network_builds_the_class_asked_for() -> None:
    config = {"layers": [{"type": "dense", "input_size": 2, "output_size": 1}], "loss_function": "mse"}
    assert type(build_network(config, network_class=Tracked)) is Tracked
    assert type(build_network(config)) is NeuralNetwork
    with pytest.raises(TypeError, match="network_class must be NeuralNetwork or a subclass of it"):
        build_network(config, network_class=dict)  # type: ignore[arg-type]
