"""Inputs that used to escape as raw Python exceptions from config reading and building: each is a ConfigError now.

Each test stands for a class of input (any nesting, any huge whole number, any
object that is no component), not only the case that was found.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from smolml_core import ComponentError, ConfigError, Layer, SmolMLError, build_network, load_config, register
from smolml_core.config import MAX_DEPTH, check_plain
from smolml_core.registry import scoped_registry
from smolml_core.wording import QUOTE_LIMIT, quote

DENSE = {"type": "dense", "input_size": 2, "output_size": 1}
BASE: dict[str, Any] = {"layers": [DENSE], "loss_function": "mse"}


def message(action: Any) -> str:
    with pytest.raises(SmolMLError) as error:
        action()
    return str(error.value)


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def test_a_quote_of_user_input_is_cut_to_a_readable_length() -> None:
    assert quote("relu") == "'relu'"
    assert len(quote("x" * 100_000)) <= QUOTE_LIMIT + 2
    assert quote(10**400) == "<a whole number of about 400 digits>"
    assert quote(10**5000) == "<a whole number of about 5000 digits>"  # too long for repr() itself
    assert len(message(lambda: build_network({**BASE, "loss_function": "x" * 100_000}))) < 400
    assert len(message(lambda: build_network({**BASE, "y" * 100_000: 1}))) < 600


@pytest.mark.parametrize(
    "config",
    [
        {**BASE, "layers": [{**DENSE, "output_size": 10**400}]},
        {**BASE, "layers": [{**DENSE, "activation_function": {"type": "leaky_relu", "alpha": -(10**30)}}]},
        {**BASE, "optimizer": {"type": "adam", "learning_rate": 10**400}},
    ],
    ids=["output_size", "alpha", "learning_rate"],
)
def test_a_whole_number_no_float_can_hold_is_refused_where_it_is(config: dict[str, Any]) -> None:
    text = message(lambda: build_network(config))
    assert "is too large: whole numbers here must fit in 64 bits" in text
    places = ("layers[0].output_size", "layers[0].activation_function.alpha", "optimizer.learning_rate")
    assert text.split(":")[0] in places


def test_nesting_of_any_depth_is_refused_without_recursion() -> None:
    for depth in (MAX_DEPTH, 1000, 100_000):
        text = message(lambda depth=depth: build_network({**BASE, "layers": [{**DENSE, "extra": nested(depth)}]}))
        assert f"nest more than {MAX_DEPTH} levels deep" in text
    cycle: list[Any] = []
    cycle.append(cycle)
    assert "holds itself" in message(lambda: build_network({**BASE, "layers": cycle}))
    check_plain({"a": nested(MAX_DEPTH - 2)})  # deep, but not too deep


@pytest.mark.parametrize(
    ("config", "where"),
    [
        ({**BASE, "loss_function": object()}, "loss_function"),
        ({**BASE, "loss_function": b"mse"}, "loss_function"),
        ({**BASE, "optimizer": print}, "optimizer"),
        ({**BASE, "layers": [{**DENSE, "activation_function": object()}]}, "layers[0].activation_function"),
        ({**BASE, "layers": [{**DENSE, "weight_initializer": 3j}]}, "layers[0].weight_initializer"),
        ({**BASE, "layers": [{**DENSE, object(): 1}]}, "layers[0]"),
        ({**BASE, 7: 1}, ""),
    ],
)
def test_an_object_that_is_no_component_is_refused_when_built_not_when_used(config: dict[str, Any], where: str) -> None:
    text = message(lambda: build_network(config))
    assert text.startswith(f"{where}: " if where else "keys must be strings")


class Exploding(Layer):
    """A layer whose own code fails, as a buggy plugin's would."""

    def __init__(self, when: str = "build") -> None:
        if when == "build":
            raise RuntimeError("the constructor broke")
        self.when = when

    def forward(self, X: Any) -> Any:
        return {}["missing"]


def test_a_component_that_raises_is_named_with_its_layer_index() -> None:
    with scoped_registry():
        register("layer", "exploding", Exploding)
        layers = [{"type": "dense", "input_size": 2, "output_size": 2}, {"type": "exploding"}]
        with pytest.raises(ComponentError) as built:
            build_network({"layers": layers, "loss_function": "mse"})
        assert str(built.value) == (
            "layers[1]: layer 'exploding' from your code (smolml_core.register) raised RuntimeError while being "
            "built: the constructor broke"
        )
        layers[1] = {"type": "exploding", "when": "forward"}
        network = build_network({"layers": layers, "loss_function": "mse"})
        for run in (lambda: network.predict([[1.0, 2.0]]), lambda: network.train([[1.0, 2.0]], [[0.0, 1.0]], 1)):
            with pytest.raises(ComponentError) as ran:
                run()
            assert str(ran.value).startswith("layer 1 (Exploding when=forward, layer 'exploding' from your code")
            assert "raised KeyError in forward on input of shape (1, 2): 'missing'" in str(ran.value)
            assert isinstance(ran.value.__cause__, KeyError)


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("latin.toml", b'[network]\nloss_function = "caf\xe9"\n', "line 2 is not UTF-8 text (byte 0xe9)"),
        ("deep.toml", b"a = " + b"[" * 900 + b"]" * 900, "nest more than"),
        ("deep.json", b"[" * 100_000 + b"]" * 100_000, "nest more than"),
        ("shallow_deep.json", b'{"a": ' + b"[" * 70 + b"]" * 70 + b"}", "nest more than"),
        ("huge.toml", b"a = 1" + b"0" * 400, "is too large"),
        ("huge.json", b'{"a": 1' + b"0" * 400 + b"}", "is too large"),
        ("many_digits.json", b'{"a": 1' + b"0" * 5000 + b"}", "is not valid JSON"),
    ],
)
def test_a_config_file_that_cannot_be_read_is_a_config_error_naming_it(
    tmp_path: Path, name: str, data: bytes, expected: str
) -> None:
    path = write(tmp_path, name, data)
    for read in (load_config, build_network):
        with pytest.raises(ConfigError) as error:
            read(path)
        assert str(error.value).startswith(repr(str(path)))
        assert expected in str(error.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_or_a_device_given_as_a_config_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)  # opening it to read would wait for a writer forever
    assert "is a FIFO (named pipe), not a regular file" in message(lambda: load_config(fifo))
    zero = tmp_path / "zero.json"
    zero.symlink_to("/dev/zero")  # reading it would never end
    assert "is a device, not a regular file" in message(lambda: load_config(zero))


def test_a_nul_byte_in_a_config_path_is_a_config_error() -> None:
    assert "holds a NUL byte" in message(lambda: load_config("bad\0name.toml"))
    assert "holds a NUL byte" in message(lambda: build_network("bad\0name.json"))
