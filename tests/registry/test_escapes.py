"""Whatever a plugin's code raises or prints while it loads stays inside that plugin.

A table of what a plugin can throw (every kind of ``BaseException`` but Ctrl-C)
crossed with where it can throw it (importing, reading its hooks, calling them):
each combination fails that plugin only, with a warning, and leaves the
registry as if the plugin had never been there.
"""

from __future__ import annotations

import asyncio
import sys
import time
import types
import warnings
from collections.abc import Callable
from typing import Any

import pytest

from smolml_core import PluginWarning, Registry, UnknownComponentError, hookimpl, lookup, use_registry
from smolml_core.registry.loader import installed_entry_points

from .fakes import FakeEntryPoint, plugin_module

STD = [ep for ep in installed_entry_points() if ep.name == "std"]


class PluginsOwnError(BaseException):
    """Derives from BaseException, not Exception, as some frameworks' control-flow exceptions do."""


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no message for you")


THROWN: dict[str, Callable[[], BaseException]] = {
    "Exception": lambda: RuntimeError("plain failure"),
    "ImportError": lambda: ImportError("No module named 'optional_dependency'"),
    "SystemExit": lambda: SystemExit(3),
    "own BaseException": lambda: PluginsOwnError("control flow"),
    "GeneratorExit": lambda: GeneratorExit(),
    "CancelledError": lambda: asyncio.CancelledError(),
    "RecursionError": lambda: RecursionError("maximum recursion depth exceeded"),
    "unprintable": lambda: Unprintable(),
}


def raising_on_import(exc: BaseException) -> Any:
    return exc  # FakeEntryPoint.load raises it


def raising_when_hooks_are_read(exc: BaseException) -> Any:
    """A lazily importing module whose hook is one of its lazy names."""
    module = types.ModuleType("lazy_hooks")

    def __getattr__(name: str) -> Any:
        raise exc

    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    module.__dir__ = lambda: ["smolml_register_activations"]  # type: ignore[method-assign]
    return module


def raising_in_a_hook(exc: BaseException) -> Any:
    @hookimpl
    def smolml_register_activations(register: Any) -> None:
        register("escapee", lambda x: x)
        raise exc

    return plugin_module("raising_hook", smolml_register_activations=smolml_register_activations)


WHERE = {
    "import": raising_on_import,
    "hooks": raising_when_hooks_are_read,
    "register": raising_in_a_hook,
}


@pytest.mark.parametrize("thrown", THROWN)
@pytest.mark.parametrize("stage", WHERE)
def test_whatever_a_plugin_raises_wherever_it_raises_it_fails_that_plugin_only(stage: str, thrown: str) -> None:
    target = WHERE[stage](THROWN[thrown]())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with use_registry(Registry([FakeEntryPoint("rogue", target), *STD])) as registry:
            assert lookup("activation", "relu") is not None
            [problem] = registry.problems()
            with pytest.raises(UnknownComponentError):
                lookup("activation", "escapee")
            assert registry.plugin_manager.get_plugin("rogue") is None  # nothing half-registered stays behind
    assert (problem.plugin, problem.stage) == ("rogue", stage)
    assert type(THROWN[thrown]()).__name__ in problem.error
    assert "SMOLML_DISABLE_PLUGINS=rogue" in problem.hint
    assert [str(w.message) for w in caught if w.category is PluginWarning] == [
        f"{problem} (`smolml plugins` lists every plugin and its problems)"
    ]
    [info] = [p for p in registry.plugins() if p.name == "rogue"]
    assert info.status == "failed" and info.components == ()


def test_an_unprintable_error_is_still_reported() -> None:
    with use_registry(Registry([FakeEntryPoint("rogue", raising_in_a_hook(Unprintable()))])) as registry:
        [problem] = registry.problems()
    assert problem.error == "failed in smolml_register_activations: Unprintable: (its message cannot be shown)"


def test_a_lazy_module_is_used_without_importing_what_it_defers() -> None:
    """The lazy-import pattern: names listed by ``__dir__`` and imported by ``__getattr__`` on first use."""
    asked: list[str] = []
    module = types.ModuleType("lazy_plugin")

    @hookimpl
    def smolml_register_activations(register: Any) -> None:
        register("lazy_identity", lambda x: x)

    def __getattr__(name: str) -> Any:
        asked.append(name)
        raise ImportError(f"{name} needs an optional dependency that is not installed")

    module.smolml_register_activations = smolml_register_activations  # type: ignore[attr-defined]
    module.__getattr__ = __getattr__  # type: ignore[method-assign]
    module.__dir__ = lambda: ["heavy_model", "smolml_register_activations", "torch_bridge"]  # type: ignore[method-assign]
    with use_registry(Registry([FakeEntryPoint("lazy", module), *STD])) as registry:
        assert lookup("activation", "lazy_identity") is not None
        assert registry.problems() == []
    assert asked == []


def test_a_plugin_object_whose_property_raises_is_not_asked_for_it() -> None:
    class Plugin:
        @property
        def expensive(self) -> Any:
            raise ImportError("would import something heavy")

        @hookimpl
        def smolml_register_activations(self, register: Any) -> None:
            register("from_object", lambda x: x)

    with use_registry(Registry([FakeEntryPoint("object", Plugin())])) as registry:
        assert lookup("activation", "from_object") is not None
        assert registry.problems() == []


def test_ctrl_c_while_a_plugin_loads_stops_and_says_which_plugin() -> None:
    @hookimpl
    def smolml_register_activations(register: Any) -> None:
        register("half_there", lambda x: x)
        raise KeyboardInterrupt

    module = plugin_module("hangs", smolml_register_activations=smolml_register_activations)
    registry = Registry([FakeEntryPoint("hangs", module)])
    with use_registry(registry), pytest.raises(KeyboardInterrupt) as info:
        lookup("activation", "relu")
    assert "while loading plugin 'hangs'; SMOLML_DISABLE_PLUGINS=hangs leaves it out" in info.value.__notes__
    assert registry._listing() == []  # what it registered before the interrupt is withdrawn


def test_what_a_plugin_prints_while_loading_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    class Printing(FakeEntryPoint):
        def load(self) -> Any:
            print("hello from the import")
            return super().load()

    @hookimpl
    def smolml_register_activations(register: Any) -> None:
        print("hello from the hook")
        sys.stdout.write("and a write\n")
        register("chatty", lambda x: x)

    module = plugin_module("chatty", smolml_register_activations=smolml_register_activations)
    with use_registry(Registry([Printing("chatty", module), *STD])):
        assert lookup("activation", "chatty") is not None
        print("the program's own output")
    out, err = capsys.readouterr()
    assert out == "the program's own output\n"
    assert err == "hello from the import\nhello from the hook\nand a write\n"


def test_each_plugin_records_how_long_it_took_to_load() -> None:
    @hookimpl
    def smolml_register_activations(register: Any) -> None:
        time.sleep(0.05)
        register("slow_identity", lambda x: x)

    slow = plugin_module("slow", smolml_register_activations=smolml_register_activations)
    registry = Registry(
        [FakeEntryPoint("slow", slow), FakeEntryPoint("broken", ImportError("x")), *STD], disable=["std"]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginWarning)
        times = {p.name: p.load_seconds for p in registry.plugins()}
    assert times["slow"] is not None and times["slow"] >= 0.05
    assert times["broken"] is not None and times["broken"] < 0.05
    assert times["std"] is None  # disabled: never imported


def test_a_plugin_errors_long_message_is_cut_to_a_readable_line() -> None:
    with use_registry(Registry([FakeEntryPoint("rogue", raising_in_a_hook(ValueError("x" * 100_000)))])) as registry:
        [problem] = registry.problems()
    assert problem.error.startswith("failed in smolml_register_activations: ValueError: xxx")
    assert "..." in problem.error and len(problem.error) < 600
