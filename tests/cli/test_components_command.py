"""smolml components [KIND] [PATTERN] and smolml components show KIND NAME."""

from __future__ import annotations

import functools
import inspect
import itertools
import json
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import smolml_core.errors
from smolml_core import Registry, get_registry, hookimpl, register, resolve, use_registry
from smolml_core.cli import main
from smolml_core.cli.inspection import CONFIG_PLACES, config_line
from smolml_core.registry.loader import installed_entry_points

from ..registry.fakes import FakeDistribution, FakeEntryPoint, activation_plugin, plugin_module

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

STD = [ep for ep in installed_entry_points() if ep.name == "std"]


def broken_import() -> FakeEntryPoint:
    return FakeEntryPoint(
        "broken", ImportError("No module named 'missing_dep'"), FakeDistribution("smolml-broken", "0.3"), "broken.mod"
    )


def half_done() -> FakeEntryPoint:
    @hookimpl
    def smolml_register_activations(register):
        register("wobble", lambda x: x, aliases=["wob"])
        raise RuntimeError("fell over after registering")

    module = plugin_module("half", smolml_register_activations=smolml_register_activations)
    return FakeEntryPoint("half", module, FakeDistribution("smolml-half", "2.1"))


def shapes(*names: str) -> FakeEntryPoint:
    return FakeEntryPoint("shapes", activation_plugin(*names), FakeDistribution("smolml-shapes", "0.2"))


@contextmanager
def installed(*entry_points: Any) -> Iterator[Registry]:
    with use_registry(Registry(entry_points=list(entry_points))) as registry:
        yield registry


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def plugin_warnings(err: str) -> list[str]:
    """The ``smolml: warning:`` lines (one per broken plugin, where the registry warns); nothing else is allowed."""
    lines = err.splitlines()
    assert all(line.startswith("smolml: warning: plugin '") for line in lines), err
    return lines


def rows(out: str) -> list[list[str]]:
    """The table's rows as (kind, name, aliases, provider) cells, the header left out."""
    lines = out.splitlines()
    header = lines[0]
    starts = [header.index(column) for column in ("kind", "name", "aliases", "provider", "description")]
    return [[line[a:b].strip() for a, b in itertools.pairwise(starts)] + [line[starts[-1] :]] for line in lines[1:]]


def names(out: str) -> list[str]:
    return [row[1] for row in rows(out)]


# -- the list ----------------------------------------------------------------


def test_every_component_is_listed_while_broken_plugins_are_left_out(capsys) -> None:
    with installed(*STD, broken_import(), half_done(), shapes("swish")):
        status, out, err = run(capsys, "components")
        count = len(get_registry().components())
    assert status == 0
    warned = plugin_warnings(err)
    if hasattr(smolml_core.errors, "PluginWarning"):  # the registry warns about each broken plugin
        assert len(warned) == 2
        assert warned[0].startswith("smolml: warning: plugin 'broken' (distribution smolml-broken 0.3): ")
        assert warned[1].endswith("(`smolml plugins` lists every plugin and its problems)")
    assert out.splitlines()[0].split() == ["kind", "name", "aliases", "provider", "description"]
    table = {(row[0], row[1]): row for row in rows(out)}
    adam = table["optimizer", "adam"]
    assert adam[2:4] == ["-", "std (smolml 0.1.0)"]
    assert adam[4].startswith("Adaptive moment estimation")
    assert table["activation", "sigmoid"][2] == "logistic"
    assert table["loss", "mse_loss"][2] == "mse, mean_squared_error"
    assert table["activation", "swish"][3] == "shapes (smolml-shapes 0.2)"
    assert ("activation", "wobble") not in table  # its plugin failed: withdrawn
    assert len(table) == count


def test_one_kind(capsys) -> None:
    with installed(*STD):
        status, out, _ = run(capsys, "components", "optimizer")
        assert status == 0
        assert names(out) == ["adagrad", "adam", "sgd", "sgd_momentum"]
        assert {row[0] for row in rows(out)} == {"optimizer"}
        assert run(capsys, "components", "Optimizers")[1] == out  # any case, singular or plural


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["*relu*"], ["leaky_relu", "relu"]),
        (["*RELU"], ["leaky_relu", "relu"]),  # without regard to case
        (["logistic"], ["sigmoid"]),  # an alias
        (["std:ad*"], ["adagrad", "adam"]),  # the qualified name
        (["*:he"], ["he_initialization"]),  # the qualified name by an alias
        (
            ["s*"],
            [
                "sigmoid",
                "softmax",
                "sparse_categorical_cross_entropy",
                "sgd",
                "sgd_momentum",
                "sequential",
                "step_decay",
            ],
        ),  # not all of plugin std
        (["metric", "r*"], ["r2", "rmse"]),
        (["loss", "m*"], ["mae_loss", "mse_loss"]),
        (["mse"], ["mse_loss", "mse"]),  # a loss by its alias, a metric by its name
        (["all", "?ce"], ["binary_cross_entropy", "categorical_cross_entropy"]),  # by their aliases
        (["activation", "--json", "leaky*"], None),
    ],
)
def test_patterns(capsys, argv: list[str], expected: list[str] | None) -> None:
    with installed(*STD):
        status, out, _ = run(capsys, "components", *argv)
    assert status == 0
    if expected is None:  # options may come between the words
        assert [c["name"] for c in json.loads(out)["components"]] == ["leaky_relu"]
    else:
        assert names(out) == expected


def test_a_short_name_two_plugins_share_is_listed_qualified(capsys) -> None:
    with installed(*STD, shapes("relu")):
        status, out, _ = run(capsys, "components", "relu")
    assert status == 0
    assert sorted(names(out)) == ["shapes:relu", "std:relu"]


def test_json_list(capsys) -> None:
    with installed(*STD, shapes("swish")):
        status, out, _ = run(capsys, "components", "activation", "s*", "--json")
    assert status == 0
    document = json.loads(out)
    assert (document["format"], document["kind"], document["pattern"]) == (1, "activation", "s*")
    assert [c["name"] for c in document["components"]] == ["sigmoid", "softmax", "swish"]
    sigmoid = document["components"][0]
    assert sigmoid == {
        "kind": "activation",
        "name": "sigmoid",
        "qualified_name": "std:sigmoid",
        "aliases": ["logistic"],
        "plugin": "std",
        "distribution": "smolml",
        "version": sigmoid["version"],
        "summary": sigmoid["summary"],
    }
    assert sigmoid["summary"].startswith("Logistic function")
    assert document["components"][2]["summary"] == ""  # a lambda has no docstring


def test_nothing_matching_is_status_1(capsys) -> None:
    with installed(*STD):
        status, out, err = run(capsys, "components", "activation", "nothing*")
        assert (status, out) == (1, "")
        assert err == ("smolml: no activation matches 'nothing*'; `smolml components activation` lists them all\n")
        status, out, err = run(capsys, "components", "relux")
        assert status == 1
        assert "no component matches 'relux'; a pattern matches whole names: try '*relux*'" in err
        status, out, err = run(capsys, "components", "activatons")
        assert status == 1
        assert "no component matches 'activatons' (did you mean the kind 'activation'?)" in err
        status, out, err = run(capsys, "components", "all", "layer*")
        assert status == 1
        assert err == "smolml: no component matches 'layer*'; `smolml components` lists them all\n"
        status, out, _ = run(capsys, "components", "nothing*", "--json")
    assert status == 1
    assert json.loads(out)["components"] == []


def test_an_unknown_kind_is_status_2(capsys) -> None:
    with installed(*STD):
        status, out, err = run(capsys, "components", "activatoin", "*")
    assert (status, out) == (2, "")
    assert err.startswith("smolml: error: there is no component kind 'activatoin' (did you mean 'activation'?); ")


def test_too_many_words_is_status_2(capsys) -> None:
    with installed(*STD):
        assert run(capsys, "components", "activation", "r*", "x")[0] == 2
        status, _, err = run(capsys, "components", "show", "adam")
    assert status == 2
    assert "'components show' takes KIND and NAME" in err


def test_strict_mode_reports_each_problem_on_a_line(capsys, monkeypatch) -> None:
    monkeypatch.setenv("SMOLML_STRICT_PLUGINS", "1")
    with installed(*STD, broken_import(), half_done()):
        status, out, err = run(capsys, "components")
        assert (status, out) == (2, "")
        lines = err.splitlines()
        assert lines[0] == "smolml: error: 2 plugin problems (strict mode):"
        assert lines[1].startswith("  - plugin 'broken' (distribution smolml-broken 0.3): could not be imported")
        assert lines[2].startswith("  - plugin 'half' (distribution smolml-half 2.1): failed in")
        assert "smolml plugins" in lines[3]
        assert len(lines) == 4
        assert run(capsys, "components", "show", "optimizer", "adam")[0] == 2


# -- show ----------------------------------------------------------------------


def fields(out: str) -> dict[str, str]:
    """``show``'s labelled lines: label -> value (continuation lines joined with newlines)."""
    found: dict[str, str] = {}
    label = None
    for line in out.split("\n\n")[0].splitlines()[1:]:
        if line[2:3] != " ":
            label = line[2:16].strip()
            found[label] = line[16:]
        else:
            assert label is not None
            found[label] += "\n" + line[16:]
    return found


def test_show_a_class(capsys) -> None:
    with installed(*STD, broken_import()):
        status, out, err = run(capsys, "components", "show", "optimizer", "adam")
        adam = get_registry().get("optimizer", "adam").obj
    assert status == 0
    plugin_warnings(err)
    assert out.splitlines()[0] == "optimizer adam (std:adam)"
    f = fields(out)
    assert f["provider"] == "plugin 'std' (distribution smolml 0.1.0)"
    assert f["aliases"] == "none"
    rate = inspect.signature(adam).parameters["learning_rate"].default
    assert f["signature"].startswith(f"Adam(learning_rate: float = {rate!r}, exp_decay_gradients: float = ")
    assert "self" not in f["signature"] and "->" not in f["signature"]
    assert f["parameters"].splitlines()[0].split() == ["learning_rate", "float", repr(rate)]
    assert [line.split()[0] for line in f["parameters"].splitlines()] == [
        "learning_rate",
        "exp_decay_gradients",
        "exp_decay_squared",
        "epsilon",
    ]
    line, place = f["config"].splitlines()
    assert line.startswith(f'optimizer = {{ type = "adam", learning_rate = {rate!r}, ')
    assert place == "(in [network])"
    assert isinstance(resolve("optimizer", tomllib.loads(line)["optimizer"]), adam)

    path, number = re.fullmatch(r"(.+):(\d+)", f["source"]).groups()
    assert Path(path).exists()
    assert Path(path).read_text().splitlines()[int(number) - 1].startswith("class Adam(")
    doc = out.split("\n\n", 1)[1]
    assert "  Adaptive moment estimation" in doc
    assert "m <- b1*m + (1-b1)*g" in doc  # the formula


def test_show_a_function(capsys) -> None:
    with installed(*STD):
        status, out, _ = run(capsys, "components", "show", "activation", "leaky_relu")
        leaky_relu = get_registry().get("activation", "leaky_relu").obj
    assert status == 0
    f = fields(out)
    alpha = inspect.signature(leaky_relu).parameters["alpha"].default
    assert f["signature"] == f"leaky_relu(x: MLArray, alpha: float = {alpha!r}) -> MLArray"
    assert f["parameters"].split() == ["alpha", "float", repr(alpha)]  # x is the input, not a parameter
    line = f["config"].splitlines()[0]
    assert line == f'activation_function = {{ type = "leaky_relu", alpha = {alpha!r} }}'
    path, number = re.fullmatch(r"(.+):(\d+)", f["source"]).groups()
    assert Path(path).read_text().splitlines()[int(number) - 1].startswith("def leaky_relu(")
    assert "f(x) = x if x > 0 else alpha*x" in out.split("\n\n", 1)[1]


def test_show_json(capsys) -> None:
    with installed(*STD):
        status, out, _ = run(capsys, "components", "show", "layer", "dense_layer", "--json")
        assert status == 0
        d = json.loads(out)
        layer = resolve("layer", d["config"]["table"])
    assert (d["format"], d["kind"], d["name"], d["qualified_name"], d["aliases"]) == (
        1,
        "layer",
        "dense",
        "std:dense",
        ["dense_layer"],
    )
    assert d["provider"] == "plugin 'std' (distribution smolml 0.1.0)"
    assert d["signature"].startswith("DenseLayer(input_size: int, output_size: int, activation_function: Any = linear")
    params = {p["name"]: p for p in d["parameters"]}
    assert params["input_size"] == {
        "name": "input_size",
        "annotation": "int",
        "required": True,
        "default": None,
        "default_text": None,
    }
    assert params["activation_function"]["default"] == "linear"  # a component default, by its registered name
    assert params["activation_function"]["default_text"] == '"linear"'
    assert d["accepts_other_keywords"] is False
    assert d["example"] == {"input_size": 3, "output_size": 2}
    assert d["config"]["table"]["input_size"] == 3 and d["config"]["missing"] == []
    assert d["config"]["key"] is None
    assert (layer.input_size, layer.output_size) == (3, 2)
    assert Path(d["source"]["file"]).exists() and d["source"]["line"] > 0 and d["source"]["note"] is None
    assert "Every output connected to every input" in d["doc"]


def test_every_standard_config_line_is_toml_that_builds_the_component() -> None:
    with installed(*STD) as registry:
        for component in registry.components():
            line = config_line(component, registry)
            key, _ = CONFIG_PLACES[component.kind]
            [value] = tomllib.loads(line if key else f"x = {line}").values()
            if component.kind == "metric":
                assert value == [registry.name_for(component)]
                continue
            built = resolve(component.kind, value)
            if isinstance(component.obj, type):
                assert isinstance(built, component.obj), component.qualified_name
            else:
                assert getattr(built, "func", built) is component.obj, component.qualified_name


def test_show_a_component_registered_from_code_without_source(capsys) -> None:
    with installed(*STD):
        register("activation", "absolute", abs)
        status, out, _ = run(capsys, "components", "show", "activation", "absolute")
    assert status == 0
    f = fields(out)
    assert f["provider"] == "your code (smolml_core.register)"
    assert f["signature"] == "abs(x, /)"
    assert f["source"].startswith("not available (")
    assert f["config"].splitlines()[0] == 'activation_function = "absolute"'


def test_show_a_qualified_name_from_another_plugin(capsys) -> None:
    with installed(*STD, shapes("relu")):
        status, out, _ = run(capsys, "components", "show", "activation", "shapes:relu")
        assert status == 0
        f = fields(out)
        assert out.splitlines()[0] == "activation shapes:relu (shapes:relu)"
        assert f["config"].splitlines()[0] == 'activation_function = "shapes:relu"'
        assert Path(f["source"].rsplit(":", 1)[0]).name == "fakes.py"
        assert out.rstrip().endswith("(no docstring)")

        status, out, err = run(capsys, "components", "show", "activation", "relu")
    assert (status, out) == (2, "")
    assert err.startswith("smolml: error: the activation name 'relu' is ambiguous: 2 plugins provide it")


def test_show_unknown_names_and_kinds(capsys) -> None:
    with installed(*STD):
        status, _, err = run(capsys, "components", "show", "optimizer", "adma")
        assert status == 2
        assert err.startswith("smolml: error: unknown optimizer 'adma' (did you mean 'adam'?); available: ")
        status, _, err = run(capsys, "components", "show", "optimiser", "adam")
    assert status == 2
    assert err.startswith("smolml: error: there is no component kind 'optimiser' (did you mean 'optimizer'?)")


def test_show_a_partial_and_a_function_typed_at_the_prompt(capsys) -> None:
    namespace: dict[str, Any] = {}
    exec(
        compile('def gained(x, *, gain: float = 1.0):\n    "Scale by gain."\n    return x\n', "<stdin>", "exec"),
        namespace,
    )
    with installed(*STD):
        register("activation", "gained", namespace["gained"])
        register("activation", "doubled", functools.partial(namespace["gained"], gain=2.0))
        status, out, _ = run(capsys, "components", "show", "activation", "doubled")
        assert status == 0
        f = fields(out)
        assert f["signature"] == "gained(x, *, gain: float = 2.0)"  # the bound value is the new default
        assert f["config"].splitlines()[0] == 'activation_function = { type = "doubled", gain = 2.0 }'
        assert f["source"].startswith("not available (")
        assert out.rstrip().endswith("  Scale by gain.")  # the wrapped function's docstring, not partial's
        status, out, _ = run(capsys, "components", "show", "activation", "gained", "--json")
    assert status == 0
    source = json.loads(out)["source"]
    assert (source["file"], source["line"]) == (None, None) and source["note"].startswith("not available (")
