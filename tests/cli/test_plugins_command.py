"""smolml plugins: every plugin, what it provides, and what went wrong, without ever crashing on a broken one."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import types
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from smolml_core import KINDS, Registry, build_network, hookimpl, register, use_registry
from smolml_core.cli import main
from smolml_core.cli import plugins as plugins_command
from smolml_core.registry.loader import installed_entry_points

from ..registry.fakes import FakeDistribution, FakeEntryPoint, activation_plugin, plugin_module

STD = [ep for ep in installed_entry_points() if ep.name == "std"]

PLUGIN_KEYS = {
    "name",
    "status",
    "distribution",
    "version",
    "source",
    "reason",
    "load_seconds",
    "component_count",
    "components",
    "would_have_provided",
    "problems",
}
PROBLEM_KEYS = {"plugin", "distribution", "version", "stage", "fatal", "error", "hint", "summary", "details"}


def broken_import() -> FakeEntryPoint:
    return FakeEntryPoint(
        "broken",
        ImportError("No module named 'missing_dep'"),
        FakeDistribution("smolml-broken", "0.3"),
        "smolml_broken.plugin",
    )


def half_done() -> FakeEntryPoint:
    """Registers an activation (with an alias), then its layer hook raises."""

    @hookimpl
    def smolml_register_activations(register):
        register("wobble", lambda x: x, aliases=["wob"])

    @hookimpl
    def smolml_register_layers(register):
        raise RuntimeError("the layer hook fell over")

    module = plugin_module(
        "smolml_half.plugin",
        smolml_register_activations=smolml_register_activations,
        smolml_register_layers=smolml_register_layers,
    )
    return FakeEntryPoint("half", module, FakeDistribution("smolml-half", "2.1"), "smolml_half.plugin")


def shapes(*names: str) -> FakeEntryPoint:
    return FakeEntryPoint(
        "shapes", activation_plugin(*names), FakeDistribution("smolml-shapes", "0.2"), "smolml_shapes.plugin"
    )


@contextmanager
def installed(*entry_points: Any, **selection: Any) -> Iterator[Registry]:
    with use_registry(Registry(entry_points=list(entry_points), **selection)) as registry:
        yield registry


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_a_broken_plugin_is_shown_beside_the_working_ones(capsys) -> None:
    with installed(*STD, broken_import(), half_done(), shapes("swish", "bent")):
        status, out, err = run(capsys, "plugins")
    assert status == 0 and err == ""
    blocks = {block.splitlines()[0]: block for block in out.split("\n\n")}

    std = blocks["std: loaded"]
    assert "  distribution  smolml " in std
    assert "  entry point   smolml_std.plugin" in std
    assert "  optimizer      4  adagrad, adam, sgd, sgd_momentum" in std
    assert "problem" not in std

    broken = blocks["broken: failed"]
    assert "  distribution  smolml-broken 0.3" in broken
    assert "  entry point   smolml_broken.plugin" in broken
    assert (
        "  problem       import: could not be imported from 'smolml_broken.plugin': ImportError: "
        "No module named 'missing_dep'" in broken
    )
    assert "  what to do    Fix or reinstall smolml-broken" in broken
    assert "SMOLML_DISABLE_PLUGINS=broken" in broken

    half = blocks["half: failed"]
    assert "  withdrawn     activation wobble, wob (registered before it failed, then taken back)" in half
    assert "  problem       register: failed in smolml_register_layers: RuntimeError: the layer hook fell over" in half
    assert "Traceback" not in half  # only with --traceback

    assert "  activation     2  bent, swish" in blocks["shapes: loaded"]
    assert out.rstrip().endswith(
        "4 plugins: 2 loaded, 2 failed, 0 disabled; 2 problems (--traceback shows where each failed)."
    )


def test_the_report_is_not_doubled_by_warnings(capsys) -> None:
    with installed(*STD, broken_import()), warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning that got through would fail the command
        status, out, err = run(capsys, "plugins")
    assert (status, err) == (0, "")
    assert "broken: failed" in out


def test_traceback_adds_where_each_problem_happened(capsys) -> None:
    with installed(*STD, half_done()):
        status, out, _ = run(capsys, "plugins", "--traceback")
    assert status == 0
    half = next(block for block in out.split("\n\n") if block.startswith("half: failed"))
    assert "  traceback     Traceback (most recent call last):" in half
    assert 'raise RuntimeError("the layer hook fell over")' in half
    assert half.rstrip().endswith("RuntimeError: the layer hook fell over")


def test_check_fails_only_when_there_is_a_problem(capsys) -> None:
    with installed(*STD, shapes("swish")):
        assert run(capsys, "plugins", "--check")[0] == 0
    with installed(*STD, broken_import()):
        status, out, _ = run(capsys, "plugins", "--check")
    assert status == 1
    assert "broken: failed" in out  # the report is printed all the same


def test_json_has_every_plugin_and_problem(capsys) -> None:
    with installed(*STD, broken_import(), half_done(), shapes("swish"), disable=["shapes"]):
        status, out, _ = run(capsys, "plugins", "--json")
    assert status == 0
    report = json.loads(out)
    assert report["format"] == 1 and report["strict"] is False
    load_seconds = report["summary"].pop("load_seconds")
    assert report["summary"] == {"plugins": 4, "loaded": 1, "failed": 2, "disabled": 1, "problems": 2}
    plugins = {p["name"]: p for p in report["plugins"]}
    assert list(plugins) == ["std", "broken", "half", "shapes"]
    for plugin in plugins.values():
        assert set(plugin) == PLUGIN_KEYS
        assert list(plugin["components"]) == list(KINDS)
        for problem in plugin["problems"]:
            assert set(problem) == PROBLEM_KEYS

    std = plugins["std"]
    assert (std["status"], std["distribution"], std["source"], std["reason"]) == (
        "loaded",
        "smolml",
        "smolml_std.plugin",
        None,
    )
    assert "adam" in std["components"]["optimizer"] and "dense" in std["components"]["layer"]
    assert std["component_count"] == sum(len(names) for names in std["components"].values())

    [problem] = plugins["broken"]["problems"]
    assert (problem["stage"], problem["fatal"], problem["distribution"], problem["version"]) == (
        "import",
        True,
        "smolml-broken",
        "0.3",
    )
    assert "ImportError: No module named 'missing_dep'" in problem["error"]
    assert "pip uninstall smolml-broken" in problem["hint"]
    assert problem["summary"].startswith("plugin 'broken' (distribution smolml-broken 0.3): could not be imported")

    half = plugins["half"]
    assert half["component_count"] == 0
    assert half["would_have_provided"] == [
        {"kind": "activation", "name": "wobble"},
        {"kind": "activation", "name": "wob"},
    ]
    assert half["problems"][0]["stage"] == "register"
    assert "the layer hook fell over" in half["problems"][0]["details"]  # the traceback, always in the JSON

    assert (plugins["shapes"]["status"], plugins["shapes"]["reason"]) == ("disabled", "disabled by disable=")
    assert plugins["shapes"]["load_seconds"] is None  # never imported
    timed = [plugins[name]["load_seconds"] for name in ("std", "broken", "half")]
    assert all(seconds >= 0 for seconds in timed) and load_seconds == pytest.approx(sum(timed))
    assert report["other_problems"] == []


def test_a_disabled_plugin_says_why(capsys) -> None:
    with installed(*STD, shapes("swish"), disable=["shapes"]):
        status, out, _ = run(capsys, "plugins")
    assert status == 0
    block = next(block for block in out.split("\n\n") if block.startswith("shapes:"))
    assert block.splitlines() == [
        "shapes: disabled",
        "  distribution  smolml-shapes 0.2",
        "  entry point   smolml_shapes.plugin",
        "  reason        disabled by disable=",
    ]


def test_problems_tied_to_no_installed_plugin_are_listed_apart(capsys) -> None:
    with installed(*STD, only=["std", "nope"]):
        status, out, _ = run(capsys, "plugins", "--check")
        assert status == 1
        assert "Problems not tied to an installed plugin:\n" in out
        assert "  problem       selection: only= names 'nope', but no installed plugin has that name" in out
        assert "  plugin        plugin 'nope'" in out
        assert "  what to do    The installed plugins are: std" in out
        _, out, _ = run(capsys, "plugins", "--json")  # loaded already: the same registry answers again
    report = json.loads(out)
    [problem] = report["other_problems"]
    assert (problem["plugin"], problem["stage"], problem["fatal"]) == ("nope", "selection", False)
    assert report["summary"]["problems"] == 1


def test_a_shared_short_name_is_a_problem_of_both_plugins(capsys) -> None:
    with installed(*STD, shapes("relu")):
        status, out, _ = run(capsys, "plugins", "--check")
    assert status == 1
    blocks = {block.splitlines()[0]: block for block in out.split("\n\n")}
    clash = "  problem       collision: the activation name 'relu' is provided by 2 plugins (std:relu, shapes:relu)"
    assert clash in blocks["std: loaded"] and clash in blocks["shapes: loaded"]
    assert "  activation     1  shapes:relu" in blocks["shapes: loaded"]
    assert "std:relu" in blocks["std: loaded"]


def test_strict_mode_still_lists_everything(capsys, monkeypatch) -> None:
    monkeypatch.setenv("SMOLML_STRICT_PLUGINS", "1")
    with installed(*STD, broken_import()):
        status, out, err = run(capsys, "plugins")
        assert status == 0 and err == ""
        assert "std: loaded" in out and "broken: failed" in out
        assert "Strict mode is on (SMOLML_STRICT_PLUGINS)" in out
        status, out, _ = run(capsys, "plugins", "--json")
    assert status == 0
    assert json.loads(out)["strict"] is True
    assert json.loads(out)["summary"]["failed"] == 1


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "examples/xor.toml"],
        ["evaluate", "model.npz", "examples/xor.toml"],
        ["predict", "model.npz", "rows.csv"],
        ["components"],
        ["components", "show", "optimizer", "adam"],
    ],
)
def test_strict_mode_stops_the_other_commands_with_one_line_per_problem(capsys, monkeypatch, argv) -> None:
    monkeypatch.setenv("SMOLML_STRICT_PLUGINS", "1")
    with installed(*STD, broken_import(), half_done()):
        status, out, err = run(capsys, *argv)
    assert (status, out) == (2, "")
    lines = err.splitlines()
    assert lines[0] == "smolml: error: 2 plugin problems (strict mode):"
    assert lines[1].startswith("  - plugin 'broken' (distribution smolml-broken 0.3): could not be imported")
    assert lines[2].startswith("  - plugin 'half' (distribution smolml-half 2.1): failed in smolml_register_layers")
    assert "`smolml plugins` lists every plugin" in lines[3]
    assert len(lines) == 4


def test_a_plugin_that_ends_the_program_does_not_crash_the_command(capsys) -> None:
    @hookimpl
    def smolml_register_activations(register):
        register("zzz", lambda x: x)
        sys.exit(3)

    module = plugin_module("smolml_exits.plugin", smolml_register_activations=smolml_register_activations)
    with installed(FakeEntryPoint("exits", module), *STD):
        status, out, _ = run(capsys, "plugins")
    assert status == 0
    assert "exits: failed" in out
    assert "problem       register: failed in smolml_register_activations: SystemExit: 3" in out
    assert "withdrawn     activation zzz" in out
    assert "std: loaded" in out


class ItsOwnBaseException(BaseException):
    """Not an Exception, not KeyboardInterrupt, not SystemExit."""


def escaping_plugins() -> list[FakeEntryPoint]:
    """A lazy module whose hook import fails, a hook raising a BaseException, and a plugin that prints."""
    lazy = types.ModuleType("smolml_lazy.plugin")

    def __getattr__(name: str) -> Any:
        raise ImportError(f"cannot import {name}: optional dependency missing")

    lazy.__getattr__ = __getattr__  # type: ignore[method-assign]
    lazy.__dir__ = lambda: ["smolml_register_layers", "torch_bridge"]  # type: ignore[method-assign]

    @hookimpl
    def smolml_register_losses(register):
        raise ItsOwnBaseException("raised past `except Exception`")

    @hookimpl
    def smolml_register_activations(register):
        print("chatty plugin says hello")
        register("chatty", lambda x: x)

    return [
        FakeEntryPoint("lazy", lazy),
        FakeEntryPoint("based", plugin_module("based", smolml_register_losses=smolml_register_losses)),
        FakeEntryPoint("chatty", plugin_module("chatty", smolml_register_activations=smolml_register_activations)),
    ]


def test_plugins_that_escape_ordinary_handling_leave_the_json_intact(capsys) -> None:
    with installed(*STD, *escaping_plugins()):
        status, out, err = run(capsys, "plugins", "--json")
    assert status == 0
    report = json.loads(out)  # nothing the plugins printed or raised got into stdout
    plugins = {p["name"]: p for p in report["plugins"]}
    assert {name: p["status"] for name, p in plugins.items()} == {
        "std": "loaded",
        "lazy": "failed",
        "based": "failed",
        "chatty": "loaded",
    }
    assert plugins["lazy"]["problems"][0]["error"] == (
        "could not be searched for hooks: ImportError: "
        "cannot import smolml_register_layers: optional dependency missing"
    )
    assert plugins["based"]["problems"][0]["error"] == (
        "failed in smolml_register_losses: ItsOwnBaseException: raised past `except Exception`"
    )
    assert err == "chatty plugin says hello\n"


def test_the_text_report_shows_each_plugins_load_time_and_marks_a_slow_one(capsys, monkeypatch) -> None:
    with installed(*STD, shapes("swish")):
        status, out, _ = run(capsys, "plugins")
    assert status == 0
    shapes_block = next(block for block in out.split("\n\n") if block.startswith("shapes:"))
    assert re.search(r"^  load time     \d+\.\d{3} s$", shapes_block, re.MULTILINE)

    monkeypatch.setattr(plugins_command, "SLOW_SECONDS", -1.0)
    with installed(*STD, shapes("swish")):
        status, out, _ = run(capsys, "plugins")
    shapes_block = next(block for block in out.split("\n\n") if block.startswith("shapes:"))
    assert " s (slow: every command waits for it; SMOLML_DISABLE_PLUGINS=shapes leaves it out " in shapes_block


def test_ctrl_c_on_a_hanging_plugin_names_it(capsys) -> None:
    @hookimpl
    def smolml_register_activations(register):
        raise KeyboardInterrupt  # what Ctrl-C raises inside a hook that sleeps

    hangs = FakeEntryPoint("hangs", plugin_module("hangs", smolml_register_activations=smolml_register_activations))
    with installed(*STD, hangs):
        status, out, err = run(capsys, "plugins", "--json")
    assert (status, out) == (130, "")
    assert err == "smolml: interrupted while loading plugin 'hangs'; SMOLML_DISABLE_PLUGINS=hangs leaves it out\n"


def test_ctrl_c_on_a_hanging_plugin_names_it_in_every_command(capsys, tmp_path) -> None:
    @hookimpl
    def smolml_register_activations(register):
        raise KeyboardInterrupt

    hangs = FakeEntryPoint("hangs", plugin_module("hangs", smolml_register_activations=smolml_register_activations))
    (tmp_path / "net.toml").write_text('[network]\nloss_function = "mse"\n')
    with installed(*STD, hangs):
        status, out, err = run(capsys, "train", str(tmp_path / "net.toml"))
    assert (status, out) == (130, "")
    assert err.strip() == (
        "smolml: interrupted while loading plugin 'hangs'; SMOLML_DISABLE_PLUGINS=hangs leaves it out; "
        "nothing was saved"
    )


def test_predictions_on_stdout_stay_clean_while_a_plugin_prints(capsys, tmp_path) -> None:
    with installed(*STD):
        network = build_network(
            {
                "layers": [{"type": "dense", "input_size": 2, "output_size": 1, "activation_function": "sigmoid"}],
                "loss_function": "binary_cross_entropy",
            }
        )
        network.save(tmp_path / "model.npz")
    (tmp_path / "rows.csv").write_text("a,b\n1,2\n3,4\n")
    with installed(*STD, *escaping_plugins()):
        status, out, err = run(capsys, "predict", str(tmp_path / "model.npz"), str(tmp_path / "rows.csv"))
    assert status == 0
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0] == ["prediction", "probability_0", "probability_1"] and len(rows) == 3
    assert "chatty plugin says hello" in err


def test_a_broken_standard_plugin_says_how_to_reinstall_smolml_itself(capsys) -> None:
    broken_std = FakeEntryPoint(
        "std", ImportError("No module named 'numpy.fft'"), FakeDistribution("smolml", "0.1.0"), "smolml_std.plugin"
    )
    with installed(broken_std):
        status, out, _ = run(capsys, "plugins")
    assert status == 0
    hint = "Reinstall SmolML (pip install . in a SmolML checkout, or pip install smolml from a package index)"
    assert f"  what to do    {hint}; meanwhile SMOLML_DISABLE_PLUGINS=std leaves it out" in out
    assert "--force-reinstall" not in out


def test_no_plugin_at_all(capsys) -> None:
    with installed():
        status, out, _ = run(capsys, "plugins", "--check")
    assert status == 0
    assert out.startswith("No plugins found: no installed distribution declares an entry point in the group 'smolml'")
    assert "reinstall it: pip install . in a SmolML checkout, or pip install smolml from a package index" in out
    assert out.rstrip().endswith("0 plugins: 0 loaded, 0 failed, 0 disabled; no problems.")


def test_components_registered_from_code_appear_as_your_code(capsys) -> None:
    with installed(*STD):
        register("activation", "mine", lambda x: x)
        status, out, _ = run(capsys, "plugins")
    assert status == 0
    block = out.split("\n\n")[-2]
    assert block.splitlines() == [
        "__main__: loaded",
        "  distribution  your code (smolml_core.register)",
        "  activation     1  mine",
    ]


def _smolml_script() -> str | None:
    beside = Path(sys.executable).with_name("smolml")
    return str(beside) if beside.exists() else shutil.which("smolml")


def test_the_installed_command_reports_the_installed_plugins() -> None:
    script = _smolml_script()
    if script is None:
        pytest.skip("the smolml console script is not installed")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMOLML_")}
    result = subprocess.run([script, "plugins", "--json"], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr  # whatever else is installed, broken plugins included
    report = json.loads(result.stdout)
    plugins = {p["name"]: p for p in report["plugins"]}
    assert set(plugins) == {ep.name for ep in installed_entry_points()}
    assert plugins["std"]["status"] == "loaded"
    assert plugins["std"]["source"] == "smolml_std.plugin"
    assert (
        "relu" in plugins["std"]["components"]["activation"] or "std:relu" in plugins["std"]["components"]["activation"]
    )
