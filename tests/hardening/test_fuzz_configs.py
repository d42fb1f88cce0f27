"""Config fuzzing: whatever a config holds, building from it gives a network or a SmolMLError, nothing else.

The generated configs start from real ones and put anything anywhere: deep
nesting (deeper than Python's stack allows), whole numbers no float can hold,
strings with NUL bytes, objects that are no component, keys that are not
strings. The same configs are written as JSON and TOML files, and those files
are damaged byte by byte (bytes that are not UTF-8, brackets opened a
thousand times). Sizes stay small or absurd (beyond 64 bits): a size that is
valid but large is about memory, which other tests check.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smolml_core import NeuralNetwork, SmolMLError, build_network, load_config

FUZZ: dict[str, Any] = {
    "derandomize": True,
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}

REAL_CONFIG: dict[str, Any] = {
    "layers": [
        {"type": "dense", "input_size": 2, "output_size": 3, "activation_function": "relu"},
        {
            "type": "sequential",
            "layers": [
                {"type": "dense", "output_size": 2, "activation_function": {"type": "leaky_relu", "alpha": 0.1}}
            ],
        },
        {"type": "dense", "output_size": 1, "weight_initializer": "xavier_uniform"},
    ],
    "loss_function": "mse",
    "optimizer": {"type": "adam", "learning_rate": 0.01},
}

NAMES = [
    *("layers", "type", "dense", "sequential", "residual", "input_size", "output_size", "activation_function"),
    *("relu", "tanh", "leaky_relu", "alpha", "loss_function", "mse", "optimizer", "adam", "sgd", "learning_rate"),
    *("weight_initializer", "engine", "scalar", "array", "dtype", "float32", "layer", "std:relu", "network"),
]

ABSURD = [10**400, -(10**400), 2**63, -(2**63) - 1, 10**30]
SMALL = st.integers(-3, 8)


def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        SMALL,
        st.sampled_from(ABSURD),
        st.integers(4400, 4500).map(lambda digits: 10**digits),  # too long even for repr()
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(NAMES),
        st.text(max_size=12),
        st.text(alphabet="\x00\ud7ff\U0010ffff\\\"'[]{}=.", max_size=6),
        st.booleans(),
        st.none(),
        st.binary(max_size=4),
        st.sampled_from([object(), print, {1, 2}, 1j, NeuralNetwork]),
    )


def deep(leaf: Any, depth: int) -> Any:
    for _ in range(depth):
        leaf = [leaf] if depth % 2 else {"layers": leaf}
    return leaf


def values() -> st.SearchStrategy[Any]:
    plain = st.recursive(
        scalars(),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.one_of(st.sampled_from(NAMES), st.text(max_size=6)), inner, max_size=4),
        ),
        max_leaves=12,
    )
    nested = st.builds(deep, plain, st.sampled_from([30, 63, 64, 65, 200, 5000]))
    return st.one_of(plain, plain, plain, nested)


@st.composite
def configs(draw: st.DrawFn) -> Any:
    """A real config with some places changed: a value replaced, a key added or removed, a non-string key."""
    config: Any = json.loads(json.dumps(REAL_CONFIG))
    for _ in range(draw(st.integers(1, 4))):
        holder, key = draw(places(config))
        action = draw(st.sampled_from(["replace", "replace", "add", "remove", "odd_key"]))
        if action == "remove" and isinstance(holder, dict) and key in holder:
            del holder[key]
        elif action == "add" and isinstance(holder, dict):
            holder[draw(st.sampled_from(NAMES))] = draw(values())
        elif action == "odd_key" and isinstance(holder, dict):
            holder[draw(st.sampled_from([1, None, (1,), b"type"]))] = 1
        else:
            holder[key] = draw(values())
    return config


@st.composite
def places(draw: st.DrawFn, config: Any) -> tuple[Any, Any]:
    """A (container, key) pair somewhere in ``config``."""
    found: list[tuple[Any, Any]] = []
    stack = [config]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, item in items:
            found.append((node, key))
            stack.append(item)
    return draw(st.sampled_from(found)) if found else (config, "layers")


def built_or_refused(build: Any) -> None:
    """Run ``build``: it must give a network or raise a SmolMLError."""
    try:
        network = build()
    except SmolMLError:
        return
    assert isinstance(network, NeuralNetwork)


def check_dict(config: Any) -> None:
    built_or_refused(lambda: build_network(config))


@settings(max_examples=300, **FUZZ)
@given(config=configs())
def test_any_value_anywhere_in_a_config_dict(config: Any) -> None:
    check_dict(config)


@pytest.mark.slow
@settings(max_examples=5000, **FUZZ)
@given(config=configs())
def test_any_value_anywhere_in_a_config_dict_at_length(config: Any) -> None:
    check_dict(config)


def to_toml(config: Any) -> str:
    """``config`` as TOML, written through JSON's quoting (TOML's basic strings escape alike); None as a string."""

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, float) and not math.isfinite(v):
            return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
        if isinstance(v, (int, float)):
            return repr(v) if abs(v) < 10**4000 else "1" + "0" * 4000
        if isinstance(v, list):
            return "[" + ", ".join(value(item) for item in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{json.dumps(str(k))} = {value(item)}" for k, item in v.items()) + "}"
        return json.dumps(str(v))

    return "".join(f"{json.dumps(str(k))} = {value(v)}\n" for k, v in config.items())


def as_plain(value: Any) -> Any:
    """What a file can hold: objects and bytes as their text, keys as strings."""
    if isinstance(value, dict):
        return {str(k): as_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


@st.composite
def config_files(draw: st.DrawFn) -> tuple[str, bytes]:
    config = draw(configs())
    if draw(st.booleans()):
        config = {"network": config}
    suffix = draw(st.sampled_from([".json", ".toml"]))
    try:
        text = json.dumps(as_plain(config)) if suffix == ".json" else to_toml(as_plain(config))
    except (RecursionError, ValueError):  # too deep or too long for the writer itself: brackets will do
        text = "[" * 5000
    data = text.encode("utf-8", "surrogatepass")
    for _ in range(draw(st.integers(0, 3))):  # damage: bytes put in, cut out, or a run of brackets
        at = draw(st.integers(0, len(data)))
        damage = draw(st.sampled_from(["insert", "cut", "brackets"]))
        if damage == "insert":
            data = data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
        elif damage == "cut":
            data = data[:at] + data[at + draw(st.integers(1, 8)) :]
        else:
            data = data[:at] + b"[" * draw(st.sampled_from([10, 100, 1000])) + data[at:]
    return suffix, data


def check_file(tmp_path: Path, suffix: str, data: bytes) -> None:
    path = tmp_path / f"fuzzed{suffix}"
    path.write_bytes(data)
    try:
        loaded = load_config(path)
    except SmolMLError:
        loaded = None
    assert loaded is None or isinstance(loaded, dict)
    built_or_refused(lambda: build_network(path))


@settings(max_examples=300, **FUZZ)
@given(file=config_files())
def test_any_config_file_even_damaged(tmp_path: Path, file: tuple[str, bytes]) -> None:
    check_file(tmp_path, *file)


@pytest.mark.slow
@settings(max_examples=5000, **FUZZ)
@given(file=config_files())
def test_any_config_file_even_damaged_at_length(tmp_path: Path, file: tuple[str, bytes]) -> None:
    check_file(tmp_path, *file)
