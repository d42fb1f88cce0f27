"""build_network and config files: the same networks by name, and errors that say where."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from smolml_core import (
    ConfigError,
    Layer,
    UnknownComponentError,
    build_network,
    get_rng,
    load_config,
    randn,
    register,
    set_seed,
)
from smolml_std.layers import DenseLayer
from smolml_std.optimizers import AdaGrad

XOR_CONFIG = {
    "layers": [
        {"type": "dense", "input_size": 2, "output_size": 16, "activation_function": "relu"},
        {"type": "dense", "input_size": 16, "output_size": 1, "activation_function": "tanh"},
    ],
    "loss_function": "mse",
    "optimizer": {"type": "adagrad", "learning_rate": 0.1},
}


def test_builds_the_described_network() -> None:
    net = build_network(XOR_CONFIG)
    assert [type(layer) for layer in net.layers] == [DenseLayer, DenseLayer]
    assert net.layers[0].weights.shape == (2, 16)
    assert isinstance(net.optimizer, AdaGrad) and net.optimizer.learning_rate == 0.1


def test_optimizer_is_optional() -> None:
    config = {k: v for k, v in XOR_CONFIG.items() if k != "optimizer"}
    assert type(build_network(config).optimizer).__name__ == "SGD"


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        (
            lambda c: c["layers"][1].update(activation_function="tahn"),
            UnknownComponentError,
            r"^layers\[1\]\.activation_function: unknown activation 'tahn' \(did you mean 'tanh'\?\)",
        ),
        (
            lambda c: c["layers"][0].update(type="dens"),
            UnknownComponentError,
            r"^layers\[0\]: unknown layer 'dens' \(did you mean 'dense'\?\)",
        ),
        (
            lambda c: c["layers"][0].update(output_sise=3),
            ConfigError,
            r"^layers\[0\]\.output_sise: layer 'dense' has no parameter 'output_sise' \(did you mean 'output_size'\?\)",
        ),
        (
            lambda c: c["layers"][0].update(input_size=-2),
            ConfigError,
            r"^layers\[0\]\.input_size: must be a whole number >= 1, got -2",
        ),
        (lambda c: c["layers"][0].pop("input_size"), ConfigError, r"^layers\[0\]: layer 'dense' needs 'input_size'"),
        (lambda c: c.update(loss_function="mse_los"), UnknownComponentError, r"^loss_function: unknown loss"),
        (
            lambda c: c.update(optimizer={"type": "adagrad", "learning_rate": 0}),
            ConfigError,
            r"^optimizer\.learning_rate: must be a finite number > 0",
        ),
        (
            lambda c: c.update(optimiser="adam"),
            ConfigError,
            r"^optimiser: unknown key 'optimiser' \(did you mean 'optimizer'\?\)",
        ),
        (
            lambda c: c.update(loss=c.pop("loss_function")),
            ConfigError,
            r"^loss: unknown key 'loss' \(did you mean 'loss_function'\?\)",
        ),
        (lambda c: c.pop("loss_function"), ConfigError, r"^loss_function: a network config needs 'loss_function'"),
        (lambda c: c.update(layers=[]), ConfigError, r"^layers: must be a non-empty list"),
        (lambda c: c["layers"].append("dense"), ConfigError, r"^layers\[2\]: layer 'dense' needs 'output_size'$"),
    ],
)
def test_errors_name_the_path(change, error, message) -> None:
    config = json.loads(json.dumps(XOR_CONFIG))
    change(config)
    with pytest.raises(error, match=message):
        build_network(config)


def test_config_must_be_a_table() -> None:
    with pytest.raises(ConfigError, match="must be a table"):
        build_network([XOR_CONFIG])


def test_load_config_reads_toml_and_json(tmp_path) -> None:
    (tmp_path / "net.json").write_text(json.dumps(XOR_CONFIG))
    (tmp_path / "net.toml").write_text(
        'loss_function = "mse"\n'
        'optimizer = { type = "adagrad", learning_rate = 0.1 }\n'
        '[[layers]]\ntype = "dense"\ninput_size = 2\noutput_size = 16\nactivation_function = "relu"\n'
        '[[layers]]\ntype = "dense"\ninput_size = 16\noutput_size = 1\nactivation_function = "tanh"\n'
    )
    assert load_config(tmp_path / "net.json") == load_config(tmp_path / "net.toml") == XOR_CONFIG


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.toml", "layers = [", "is not valid TOML"),
        ("bad.json", "{", "is not valid JSON"),
        ("list.json", "[1, 2]", "must hold a table"),
        ("net.yaml", "a: 1", r"^'[^']*net\.yaml': config files must end in \.toml or \.json$"),
    ],
)
def test_load_config_errors(tmp_path, name, text, message) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path / name)


def test_missing_config_file(tmp_path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "absent.toml")


# -- validation before anything is built -------------------------------------------

THREE_LAYERS = {
    "layers": [
        {"type": "dense", "input_size": 2, "output_size": 8, "activation_function": "relu"},
        {
            "type": "dense",
            "input_size": 8,
            "output_size": 4,
            "activation_function": {"type": "leaky_relu", "alpha": 0.1},
        },
        {"type": "dense", "input_size": 4, "output_size": 1, "activation_function": "sigmoid"},
    ],
    "loss_function": {"type": "huber_loss", "delta": 0.5},
    "optimizer": {"type": "adam", "learning_rate": 0.01},
}


def three_layers(change) -> dict:
    config = json.loads(json.dumps(THREE_LAYERS))
    change(config)
    return config


VALIDATION_ERRORS = [
    # unknown keys, with the closest valid one
    (lambda c: c.update(lyers=c.pop("layers")), r"^lyers: unknown key 'lyers' \(did you mean 'layers'\?\)"),
    (
        lambda c: c["layers"][2].update(activaton_function="tanh"),
        r"^layers\[2\]\.activaton_function: layer 'dense' has no parameter 'activaton_function' "
        r"\(did you mean 'activation_function'\?\); its parameters are: input_size, output_size, ",
    ),
    (
        lambda c: c["optimizer"].update(learning_rat=0.1),
        r"^optimizer\.learning_rat: optimizer 'adam' has no parameter 'learning_rat' "
        r"\(did you mean 'learning_rate'\?\)",
    ),
    # wrong types
    (
        lambda c: c["layers"][2].update(output_size="1"),
        r"^layers\[2\]\.output_size: must be a whole number \(int\), got '1' \(str\)$",
    ),
    (
        lambda c: c["layers"][0].update(input_size=2.0),
        r"^layers\[0\]\.input_size: must be a whole number \(int\), got 2\.0 \(float\)$",
    ),
    (
        lambda c: c["layers"][1].update(input_size=True),
        r"^layers\[1\]\.input_size: must be a whole number \(int\), got True \(bool\)$",
    ),
    (
        lambda c: c["optimizer"].update(learning_rate="0.01"),
        r"^optimizer\.learning_rate: must be a number \(float\), got '0\.01' \(str\)$",
    ),
    (
        lambda c: c["layers"][1]["activation_function"].update(alpha="x"),
        r"^layers\[1\]\.activation_function\.alpha: must be a number \(float\), got 'x' \(str\)$",
    ),
    (
        lambda c: c["loss_function"].update(delta=[1.0]),
        r"^loss_function\.delta: must be a number \(float\), got \[1\.0\] \(list\)$",
    ),
    (lambda c: c["layers"][0].update(dtype=32), r"^layers\[0\]\.dtype: must be a string \(str\), got 32 \(int\)$"),
    # missing required parameters
    (lambda c: c["layers"][1].pop("output_size"), r"^layers\[1\]: layer 'dense' needs 'output_size'$"),
    # widths that do not fit
    (
        lambda c: c["layers"][2].update(input_size=5),
        r"^layers\[2\]\.input_size: is 5, but layer 1 outputs 4; set input_size = 4$",
    ),
    # out of range
    (lambda c: c["layers"][2].update(output_size=0), r"^layers\[2\]\.output_size: must be a whole number >= 1, got 0$"),
    (lambda c: c["layers"][1].update(input_size=-8), r"^layers\[1\]\.input_size: must be a whole number >= 1, got -8$"),
    (
        lambda c: c["optimizer"].update(learning_rate=0.0),
        r"^optimizer\.learning_rate: must be a finite number > 0, got 0\.0$",
    ),
    (
        lambda c: c["optimizer"].update(learning_rate=-0.5),
        r"^optimizer\.learning_rate: must be a finite number > 0, got -0\.5$",
    ),
    (
        lambda c: c["optimizer"].update(exp_decay_gradients=1.0),
        r"^optimizer\.exp_decay_gradients: must be a number in \[0, 1\), got 1\.0$",
    ),
    # unknown component names, with the closest registered one
    (
        lambda c: c["optimizer"].update(type="adamm"),
        r"^optimizer: unknown optimizer 'adamm' \(did you mean 'adam'\?\); available: adagrad, adam, sgd, sgd_momentum",
    ),
    (
        lambda c: c["layers"][2].update(activation_function="sigmod"),
        r"^layers\[2\]\.activation_function: unknown activation 'sigmod' \(did you mean 'sigmoid'\?\)",
    ),
    (lambda c: c.update(engine="scalr"), r"^engine: unknown engine 'scalr' \(did you mean 'scalar'\?\)"),
]


@pytest.mark.parametrize(
    ("change", "message"), VALIDATION_ERRORS, ids=[m[1:].split(":")[0].replace("\\", "") for _, m in VALIDATION_ERRORS]
)
def test_validation_errors_name_the_path(change, message) -> None:
    with pytest.raises(ConfigError, match=message):
        build_network(three_layers(change))


def weights_of(net) -> list:
    return [p.numpy() for layer in net.layers for p in layer.parameters().values()]


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda c: c["layers"][2].update(output_size="1"), id="layer-2-wrong-type"),
        pytest.param(lambda c: c["layers"][2].update(output_size=-1), id="layer-2-constructor-refuses"),
        pytest.param(lambda c: c["layers"][2].update(weight_initializer="xavier"), id="inside-layer-2"),
        pytest.param(lambda c: c["layers"][2].update(input_size=5), id="layer-2-does-not-fit-layer-1"),
        pytest.param(lambda c: c.update(loss_function="hubber"), id="loss-after-every-layer"),
        pytest.param(lambda c: c.update(engine="scalr"), id="engine-in-NeuralNetwork"),
        pytest.param(
            lambda c: c.update(engine="scalar") or c["layers"][0].update(dtype="float32"), id="float32-on-scalar-engine"
        ),
    ],
)
def test_a_failed_build_leaves_the_random_generator_as_it_was(change) -> None:
    set_seed(0)
    correct_first_try = weights_of(build_network(THREE_LAYERS))

    set_seed(0)
    before = get_rng().bit_generator.state
    with pytest.raises(ConfigError):
        build_network(three_layers(change))
    assert get_rng().bit_generator.state == before
    fixed = build_network(THREE_LAYERS)
    assert all(np.array_equal(a, b) for a, b in zip(correct_first_try, weights_of(fixed), strict=True))


def test_any_exception_puts_the_generator_back() -> None:
    class Fails(Layer):
        def __init__(self, size: int) -> None:
            self.w = randn(size, size)
            raise RuntimeError("the layer's own bug")

    register("layer", "fails", Fails)
    before = get_rng().bit_generator.state
    with pytest.raises(RuntimeError, match="the layer's own bug"):
        build_network({"layers": [XOR_CONFIG["layers"][0], {"type": "fails", "size": 3}], "loss_function": "mse"})
    assert get_rng().bit_generator.state == before


# -- config files in one call ----------------------------------------------------------

XOR_TOML = (
    'loss_function = "mse"\n'
    'optimizer = { type = "adagrad", learning_rate = 0.1 }\n'
    '[[layers]]\ntype = "dense"\ninput_size = 2\noutput_size = 16\nactivation_function = "relu"\n'
    '[[layers]]\ntype = "dense"\ninput_size = 16\noutput_size = 1\nactivation_function = "tanh"\n'
)


def test_toml_and_json_files_build_the_same_network(tmp_path) -> None:
    (tmp_path / "net.json").write_text(json.dumps(XOR_CONFIG))
    (tmp_path / "net.toml").write_text(XOR_TOML)
    (tmp_path / "train.toml").write_text(  # the `smolml train` layout: the network in its [network] table
        XOR_TOML.replace("[[layers]]", "[[network.layers]]").replace("loss_function", "[network]\nloss_function", 1)
        + '[data]\nname = "xor"\n'
    )
    nets = []
    for source in (XOR_CONFIG, tmp_path / "net.json", tmp_path / "net.toml", str(tmp_path / "train.toml")):
        set_seed(3)
        nets.append(build_network(source))
    for net in nets[1:]:
        assert net.to_config() == nets[0].to_config()
        assert all(np.array_equal(a, b) for a, b in zip(weights_of(nets[0]), weights_of(net), strict=True))


def test_the_example_files_build() -> None:
    assert len(build_network("examples/moons.toml").layers) == 3
    assert build_network(Path("examples/xor_scalar.toml")).engine == "scalar"


@pytest.mark.parametrize(
    ("name", "text", "path", "message"),
    [
        (
            "net.toml",
            XOR_TOML.replace("input_size = 16", 'input_size = "16"'),
            ("layers[1]", "input_size"),
            "layers[1].input_size: must be a whole number (int), got '16' (str)",
        ),
        (
            "train.toml",
            '[network]\nloss_function = "mse"\nlayers = [{ type = "dense", input_size = 2, output_sise = 1 }]\n',
            ("network", "layers[0]", "output_sise"),
            "network.layers[0].output_sise: layer 'dense' has no parameter 'output_sise' (did you mean 'output_size'?)",
        ),
        ("net.json", '{"layers": [], "loss_function": "mse"}', ("layers",), "layers: must be a non-empty list"),
        ("net.json", '{"network": [1]}', ("network",), "network: must be a table holding the network's"),
    ],
)
def test_file_errors_name_the_file_and_the_path_inside(tmp_path, name, text, path, message) -> None:
    (tmp_path / name).write_text(text)
    with pytest.raises(ConfigError) as info:
        build_network(tmp_path / name)
    assert info.value.path == path
    assert info.value.file == str(tmp_path / name)
    assert str(info.value).startswith(f"{str(tmp_path / name)!r}: {message}")


def test_file_errors_from_reading_are_load_configs(tmp_path) -> None:
    with pytest.raises(ConfigError, match=r"^cannot read config file '.*absent\.toml'"):
        build_network(tmp_path / "absent.toml")
    (tmp_path / "net.yaml").write_text("layers: []")
    with pytest.raises(ConfigError, match=r"config files must end in \.toml or \.json$"):
        build_network(str(tmp_path / "net.yaml"))
