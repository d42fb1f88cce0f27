"""build_network and config files: the same networks by name, and errors that say where."""

from __future__ import annotations

import json

import pytest

from smolml_core import ConfigError, UnknownComponentError, build_network, load_config
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
            r"^optimizer\.learning_rate: must be a number > 0",
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
        (lambda c: c["layers"].append("dense"), ConfigError, r"^layers\[2\]: layer 'dense' needs 'input_size'"),
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
