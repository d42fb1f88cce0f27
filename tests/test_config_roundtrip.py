"""``to_config()`` and ``build_network`` round trip, for every registered component and for custom ones.

The components are enumerated from the registry, so a component a plugin adds
is round-tripped here the day it is registered. Each is used in a small network
with parameters other than its defaults, so the test sees them travel: network
-> ``to_config()`` -> JSON and TOML text -> ``build_network`` -> the same config,
the same layers and, under the same seed, the same weights.
"""

from __future__ import annotations

import inspect
import json
import re
import sys
import typing
from typing import Any

import numpy as np
import pytest

from smolml_core import (
    NETWORK_KINDS,
    Layer,
    MLArray,
    NeuralNetwork,
    Optimizer,
    WeightInitializer,
    build_network,
    register,
    resolve,
    set_seed,
    zeros,
)
from smolml_core.registry import reference
from smolml_core.registry.loader import installed_entry_points
from smolml_core.registry.registry import Component, Registry

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

_INSTALLED = Registry(entry_points=installed_entry_points())
REGISTERED = _INSTALLED.components()
# A network's config holds these kinds; metrics, schedules and callbacks belong to a training run and are
# round-tripped on their own (test_every_training_component_round_trips_by_reference).
NETWORK_PARTS = [c for c in REGISTERED if c.kind in NETWORK_KINDS]
TRAINING_PARTS = [c for c in REGISTERED if c.kind not in NETWORK_KINDS]

# Parameters the automatic choice below cannot pick (no default to vary, or a
# default that is a component or a string). Everything else is varied by rule.
CHOSEN: dict[tuple[str, str], dict[str, Any]] = {
    ("layer", "dense"): {
        "input_size": 3,
        "output_size": 2,
        "activation_function": {"type": "leaky_relu", "alpha": 0.2},
        "weight_initializer": {"type": "random_uniform", "limit": 0.3},
        "dtype": "float32",
    },
    # Composites write input_shape only where their layers do not carry it: a flatten first, here.
    ("layer", "sequential"): {"layers": ["flatten", {"type": "dense", "output_size": 2}], "input_shape": [3]},
    ("layer", "residual"): {"layer": "flatten", "projection": True, "input_shape": [3]},
    ("layer", "reshape"): {"shape": [3, 1]},
    ("callback", "early_stopping"): {"monitor": "loss", "mode": "max", "min_delta": 0.01},
    ("callback", "csv_logger"): {"path": "log.csv"},
    ("schedule", "cosine"): {"min_lr": 0.001},
}

# The dense layer that carries an activation, initializer, loss or optimizer under test.
CARRIER = {"type": "dense", "input_size": 3, "output_size": 2}


# -- what to build --------------------------------------------------------------


def other_than_default(default: Any, annotation: Any) -> Any:
    """A valid value different from ``default``, or ``inspect.Parameter.empty`` if there is no safe rule.

    Halving a float keeps it inside the ranges components check ((0, x], [0, 1));
    an int moves up by one (softmax's axis -1 becomes 0).
    """
    allowed = typing.get_args(annotation) or (annotation,)
    if isinstance(default, bool):
        return not default
    if isinstance(default, int) and int in allowed:
        return default + 1
    if isinstance(default, float) and default != 0:
        return default / 2
    if default is None and float in allowed:
        return 0.001
    if default is None and int in allowed:
        return 1
    return inspect.Parameter.empty


def parameters_for(entry: Component) -> dict[str, Any]:
    """Parameters for building ``entry``: the required ones, and every optional one changed from its default."""
    chosen = dict(CHOSEN.get((entry.kind, entry.name), {}))
    target = entry.obj
    hints = typing.get_type_hints(target.__init__ if isinstance(target, type) else target)
    params = inspect.signature(target).parameters.values()
    for p in params:
        if p.name in chosen or p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            continue
        if p.default is p.empty:
            if isinstance(target, type) and hints.get(p.name) is int:
                chosen[p.name] = 3  # a size
            continue  # a function's inputs (x, y_pred...) are not parameters
        value = other_than_default(p.default, hints.get(p.name))
        if value is not inspect.Parameter.empty:
            chosen[p.name] = value
    return chosen


def reference_to(entry: Component) -> Any:
    params = parameters_for(entry)
    return {"type": entry.name, **params} if params else entry.name


def network_config(entry: Component) -> dict[str, Any]:
    """The smallest network config that uses ``entry``."""
    config: dict[str, Any] = {"layers": [dict(CARRIER)], "loss_function": "mse"}
    ref = reference_to(entry)
    if entry.kind == "layer":
        config["layers"] = [ref]
    elif entry.kind == "activation":
        config["layers"][0]["activation_function"] = ref
    elif entry.kind == "initializer":
        config["layers"][0]["weight_initializer"] = ref
    elif entry.kind == "loss":
        config["loss_function"] = ref
    elif entry.kind == "optimizer":
        config["optimizer"] = ref
    else:  # pragma: no cover - a new kind of component
        pytest.fail(f"no network shape for components of kind {entry.kind!r}: teach network_config about it")
    return config


def where_it_is(config: dict[str, Any], kind: str) -> Any:
    """The part of a network config that refers to the component of ``kind`` under test."""
    return {
        "layer": lambda: config["layers"][0],
        "activation": lambda: config["layers"][0]["activation_function"],
        "initializer": lambda: config["layers"][0]["weight_initializer"],
        "loss": lambda: config["loss_function"],
        "optimizer": lambda: config["optimizer"],
    }[kind]()


# -- checks ---------------------------------------------------------------------


def assert_same(a: Any, b: Any, where: str = "config") -> None:
    """Equal, and of the same types all the way down (``==`` alone takes 2 for 2.0)."""
    assert type(a) is type(b), f"{where}: {a!r} ({type(a).__name__}) vs {b!r} ({type(b).__name__})"
    if isinstance(a, dict):
        assert sorted(a) == sorted(b), f"{where}: keys {sorted(a)} vs {sorted(b)}"
        for key in a:
            assert_same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), f"{where}: lengths {len(a)} vs {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{where}[{i}]")
    else:
        assert a == b, f"{where}: {a!r} vs {b!r}"


def assert_toml_safe(value: Any, where: str = "config") -> None:
    """Only the types TOML can write: tables with string keys, arrays, strings, numbers, booleans."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str), f"{where}: key {key!r} is not a string"
            assert_toml_safe(item, f"{where}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            assert_toml_safe(item, f"{where}[{i}]")
    else:
        assert type(value) in (str, int, float, bool), f"{where}: {value!r} ({type(value).__name__}) is not TOML"


def to_toml(config: dict[str, Any]) -> str:
    """TOML text for a config: plain values first, then ``[table]`` and ``[[array of tables]]`` sections."""
    plain = [f"{toml_key(k)} = {toml_value(v)}" for k, v in config.items() if not _section(v)]
    lines = [*plain]
    for key, value in config.items():
        for table in [value] if isinstance(value, dict) else value if _section(value) else []:
            lines.append(f"\n[{toml_key(key)}]" if isinstance(value, dict) else f"\n[[{toml_key(key)}]]")
            lines.extend(f"{toml_key(k)} = {toml_value(v)}" for k, v in table.items())
    return "\n".join(lines) + "\n"


def _section(value: Any) -> bool:
    return isinstance(value, dict) or (
        isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
    )


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # 0.5, 1e-08, inf, nan: all TOML
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"TOML cannot write {value!r} ({type(value).__name__})")


def architecture(net: NeuralNetwork) -> list[Any]:
    """Layer types and, per parameter, its name, shape, dtype and engine; then the optimizer type and engine."""
    layers = [
        (type(layer), [(name, p.shape, p.dtype, p.engine) for name, p in layer.parameters().items()])
        for layer in net.layers
    ]
    return [*layers, type(net.optimizer), net.engine]


def weights(net: NeuralNetwork) -> list[np.ndarray]:
    return [p.numpy() for layer in net.layers for p in layer.parameters().values()]


def assert_round_trips(config: dict[str, Any], tmp_path: Any = None) -> dict[str, Any]:
    """Build ``config``, write it back, check the text forms, rebuild, compare; return ``to_config()``."""
    set_seed(7)
    net = build_network(config)
    written = net.to_config()

    assert_same(json.loads(json.dumps(written)), written, "through JSON")
    assert_toml_safe(written)
    assert_same(tomllib.loads(to_toml(written)), written, "through TOML")

    set_seed(7)
    rebuilt = build_network(written)
    assert_same(rebuilt.to_config(), written, "rebuilt")
    assert architecture(rebuilt) == architecture(net)
    for original, again in zip(weights(net), weights(rebuilt), strict=True):
        assert np.array_equal(original, again)
    if tmp_path is not None:
        (tmp_path / "net.toml").write_text(to_toml(written), encoding="utf-8")
        (tmp_path / "net.json").write_text(json.dumps(written), encoding="utf-8")
        for name in ("net.toml", "net.json"):
            set_seed(7)
            from_file = build_network(tmp_path / name)
            assert_same(from_file.to_config(), written, name)
            assert all(np.array_equal(a, b) for a, b in zip(weights(net), weights(from_file), strict=True))
    return written


# -- every registered component --------------------------------------------------


@pytest.mark.parametrize("entry", NETWORK_PARTS, ids=lambda c: f"{c.kind}-{c.name}")
def test_every_registered_component_round_trips(entry: Component, tmp_path) -> None:
    written = assert_round_trips(network_config(entry), tmp_path)
    # The non-default parameters are in the written config, with their values and types.
    params = parameters_for(entry)
    ref = where_it_is(written, entry.kind)
    if not params:
        assert ref == entry.name or (isinstance(ref, dict) and ref["type"] == entry.name)
        return
    assert isinstance(ref, dict) and ref["type"] == entry.name, ref
    for key, value in params.items():
        assert key in ref, f"{key!r} did not travel: {ref}"
        assert_travelled(ref[key], value, f"{entry.name}.{key}")


def assert_travelled(written: Any, given: Any, where: str) -> None:
    """``given`` is in ``written``; a component given as a table is written in full, holding what was given."""
    if isinstance(given, dict):
        assert isinstance(written, dict) and written["type"] == given["type"], f"{where}: {written!r}"
        for key, value in given.items():
            assert_travelled(written[key], value, f"{where}.{key}")
    elif isinstance(given, list):
        assert isinstance(written, list) and len(written) == len(given), f"{where}: {written!r}"
        for i, (w, g) in enumerate(zip(written, given, strict=True)):
            assert_travelled(w, g, f"{where}[{i}]")
    else:
        assert_same(written, given, where)


@pytest.mark.parametrize("entry", REGISTERED, ids=lambda c: f"{c.kind}-{c.name}")
def test_every_parameter_of_every_component_is_varied(entry: Component) -> None:
    """A parameter the round trip leaves at its default would not show that it travels."""
    params = parameters_for(entry)
    target = entry.obj
    signature = inspect.signature(target)
    for p in signature.parameters.values():
        is_input = not isinstance(target, type) and p.default is p.empty
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and not is_input:
            assert p.name in params, (
                f"{entry.kind} {entry.name!r}: no non-default value for {p.name!r}; add one to CHOSEN"
            )
            assert params[p.name] != p.default


@pytest.mark.parametrize("entry", TRAINING_PARTS, ids=lambda c: f"{c.kind}-{c.name}")
def test_every_training_component_round_trips_by_reference(entry: Component) -> None:
    """A metric, schedule or callback with non-default parameters is written down and rebuilt the same."""
    assert entry.kind in ("metric", "schedule", "callback"), f"teach this test about the kind {entry.kind!r}"
    ref = reference_to(entry)
    written = reference(entry.kind, resolve(entry.kind, ref))
    assert_same(written, ref)
    assert_same(json.loads(json.dumps(written)), written, "through JSON")
    assert_toml_safe(written)
    if isinstance(written, dict):
        assert_same(tomllib.loads(to_toml({"part": written}))["part"], written, "through TOML")
    assert_same(reference(entry.kind, resolve(entry.kind, written)), written, "rebuilt")


def test_the_scalar_engine_survives_the_round_trip(tmp_path) -> None:
    config = {
        "layers": [
            {"type": "dense", "input_size": 2, "output_size": 3, "activation_function": "tanh"},
            {"type": "dense", "input_size": 3, "output_size": 1},
        ],
        "loss_function": "mse",
        "engine": "scalar",
    }
    written = assert_round_trips(config, tmp_path)
    assert written["engine"] == "scalar"
    assert build_network(written).engine == "scalar"
    assert 'engine = "scalar"' in to_toml(written)


def test_a_deeper_network_with_every_kind_at_once(tmp_path) -> None:
    config = {
        "layers": [
            {"type": "dense", "input_size": 4, "output_size": 8, "activation_function": {"type": "elu", "alpha": 0.3}},
            {"type": "dense", "input_size": 8, "output_size": 8, "weight_initializer": "he"},
            {"type": "dense", "input_size": 8, "output_size": 3, "activation_function": {"type": "softmax", "axis": 1}},
        ],
        "loss_function": {"type": "categorical_cross_entropy", "epsilon": 1e-9},
        "optimizer": {"type": "adam", "learning_rate": 0.003, "exp_decay_squared": 0.99},
    }
    written = assert_round_trips(config, tmp_path)
    assert written["layers"][1]["weight_initializer"] == "he"  # a component inside a layer is written as given
    assert written["loss_function"] == {"type": "categorical_cross_entropy", "epsilon": 1e-9}


# -- custom components ------------------------------------------------------------


class Affine(Layer):
    """y = activation(x * scale + shift), one scale and shift per feature."""

    def __init__(
        self,
        size: int,
        scale: float = 1.0,
        label: str = "affine",
        shift: bool = True,
        limit: int | None = None,
        activation_function: Any = "linear",
    ) -> None:
        if size < 1:
            raise ValueError("size must be >= 1")
        self.size, self.label, self.limit = size, label, limit
        self.scale = MLArray(np.full((1, size), float(scale)))
        if shift:
            self.shift = zeros(1, size)
        self.activation_function = resolve("activation", activation_function, param="activation_function")

    def forward(self, X: MLArray) -> MLArray:
        out = X * self.scale
        if hasattr(self, "shift"):
            out = out + self.shift
        return self.activation_function(out)


def scaled_tanh(x: MLArray, gain: float = 1.0) -> MLArray:
    """gain * tanh(x)."""
    return x.tanh() * gain


def scaled_mse(y_pred: MLArray, y_true: Any, weight: float = 1.0) -> MLArray:
    diff = y_pred - y_true
    return (diff * diff).mean() * weight


class Damped(Optimizer):
    """SGD whose steps shrink by ``damping``."""

    def __init__(self, learning_rate: float = 0.01, damping: float = 0.5, nesterov: bool = False) -> None:
        super().__init__(learning_rate)
        self.damping = damping
        self.nesterov = nesterov

    def step(self, value: np.ndarray, grad: np.ndarray, state: dict[str, Any]) -> None:
        value -= self.learning_rate * self.damping * grad


class Constant(WeightInitializer):
    """Every weight the same number."""

    def __init__(self, value: float = 0.1) -> None:
        self.value = value

    def sample(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        return np.full(shape, self.value)


@pytest.fixture
def custom() -> None:
    """The custom components, registered in the test's own registry (see conftest)."""
    register("layer", "affine", Affine)
    register("activation", "scaled_tanh", scaled_tanh)
    register("loss", "scaled_mse", scaled_mse)
    register("optimizer", "damped", Damped)
    register("initializer", "constant", Constant)


CUSTOM_CONFIG: dict[str, Any] = {
    "layers": [
        {"type": "dense", "input_size": 2, "output_size": 4, "weight_initializer": {"type": "constant", "value": 0.25}},
        {
            "type": "affine",
            "size": 4,
            "scale": 0.5,
            "label": "middle",
            "shift": False,
            "activation_function": {"type": "scaled_tanh", "gain": 2.0},
        },
        {"type": "affine", "size": 4, "limit": 3},
        {"type": "dense", "input_size": 4, "output_size": 1, "activation_function": "scaled_tanh"},
    ],
    "loss_function": {"type": "scaled_mse", "weight": 0.5},
    "optimizer": {"type": "damped", "learning_rate": 0.2, "nesterov": True},
}


def test_custom_components_round_trip(custom, tmp_path) -> None:
    written = assert_round_trips(CUSTOM_CONFIG, tmp_path)
    assert written["layers"][1] == {
        "type": "affine",
        "size": 4,
        "scale": 0.5,
        "label": "middle",
        "shift": False,
        "activation_function": {"type": "scaled_tanh", "gain": 2.0},
    }  # limit=None is the default, and TOML cannot write None: it is left out
    assert written["layers"][2]["limit"] == 3
    assert written["layers"][0]["weight_initializer"] == {"type": "constant", "value": 0.25}
    assert written["loss_function"] == {"type": "scaled_mse", "weight": 0.5}
    assert written["optimizer"] == {"type": "damped", "learning_rate": 0.2, "damping": 0.5, "nesterov": True}
    assert [type(layer) for layer in build_network(written).layers][1:3] == [Affine, Affine]


def test_custom_components_trained_then_written_are_the_same_architecture(custom) -> None:
    net = build_network(CUSTOM_CONFIG)
    net.train([[0.0, 1.0], [1.0, 0.0]], [[1.0], [0.0]], epochs=3, verbose=False)
    assert_same(build_network(net.to_config()).to_config(), net.to_config())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda c: c["layers"][1].update(size="4"),
            r"^layers\[1\]\.size: must be a whole number \(int\), got '4' \(str\)$",
        ),
        (lambda c: c["layers"][1].update(shift="no"), r"^layers\[1\]\.shift: must be true or false \(bool\), got 'no'"),
        (lambda c: c["layers"][1].update(label=3), r"^layers\[1\]\.label: must be a string \(str\), got 3 \(int\)$"),
        (
            lambda c: c["layers"][2].update(limit=2.5),
            r"^layers\[2\]\.limit: must be a whole number \(int\) or None, got 2\.5 \(float\)$",
        ),
        (
            lambda c: c["layers"][1]["activation_function"].update(gain="2"),
            r"^layers\[1\]\.activation_function\.gain: must be a number \(float\), got '2' \(str\)$",
        ),
        (
            lambda c: c["layers"][1].update(scael=2.0),
            r"^layers\[1\]\.scael: layer 'affine' has no parameter 'scael' \(did you mean 'scale'\?\)",
        ),
        (
            lambda c: c["loss_function"].update(weight=[1]),
            r"^loss_function\.weight: must be a number \(float\), got \[1\]",
        ),
        (
            lambda c: c["optimizer"].update(nesterov=1),
            r"^optimizer\.nesterov: must be true or false \(bool\), got 1 \(int\)$",
        ),
        (
            lambda c: c["layers"][0]["weight_initializer"].update(value="x"),
            r"^layers\[0\]\.weight_initializer\.value: must be a number \(float\), got 'x' \(str\)$",
        ),
    ],
)
def test_custom_components_are_type_checked_too(custom, change, message) -> None:
    config = json.loads(json.dumps(CUSTOM_CONFIG))
    change(config)
    with pytest.raises(Exception, match=message) as info:
        build_network(config)
    assert type(info.value).__name__ == "ConfigError"
