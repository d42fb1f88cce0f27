"""``pytest --smolml-kit``: items per component and check, failures with the kit's message, skips with reasons.

Most runs are inline (``runpytest_inprocess``), inside a registry holding the
standard plugin and the deliberately broken one, so they take a fraction of
a second. A fresh interpreter checks that importing the plugin (which pytest
does in every run) imports nothing of the kit; the slow test runs pytest itself
in one, with and without ``--smolml-kit``.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from importlib.metadata import entry_points

import pytest

from smolml_core import Registry, use_registry
from smolml_core.testing import CHECKS, plugin_components

from .broken import registry_with_broken

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def broken_registry() -> Iterator[Registry]:
    with use_registry(registry_with_broken()) as registry:
        yield registry


def run(pytester: pytest.Pytester, *args: str) -> pytest.RunResult:
    """pytest in this process, with the kit's plugin and no other: loading every installed one takes seconds."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
        return pytester.runpytest_inprocess("-p", "no:cacheprovider", "-p", "smolml_core.testing.pytest_plugin", *args)


def test_standard_components_pass_as_items_and_inapplicable_checks_are_skipped(pytester: pytest.Pytester) -> None:
    # A few components keep this quick; tests/std/test_kit.py runs every standard one through the kit.
    result = run(pytester, "--smolml-kit", "std", "-k", "dense or mse_loss or adam", "-v")
    result.stdout.fnmatch_lines(
        [
            "smolml-kit::std::loss:mse_loss::shape_errors PASSED*",
            "smolml-kit::std::optimizer:adam::gradients[[]array[]] SKIPPED*",
            "smolml-kit::std::layer:dense::gradients[[]scalar[]] PASSED*",
        ]
    )
    # adam's gradients and shape errors; the export of mse_loss and adam, and of dense unless it can be run here
    exports = importlib.util.find_spec("torch") is not None or importlib.util.find_spec("onnxruntime") is not None
    skipped = 5 if exports else 6
    result.assert_outcomes(passed=3 * len(CHECKS) - skipped, skipped=skipped)
    assert result.ret == pytest.ExitCode.OK


def test_broken_components_fail_with_the_kits_message(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--smolml-kit", "broken", "-k", "width_blind or wrong_gradient or rng_ignoring", "-rfs")
    result.stdout.fnmatch_lines(
        [
            "*_ smolml-kit::broken::layer:width_blind::shape_errors _*",
            "layer 'width_blind' from plugin 'broken' failed the kit's 'shape_errors' check: it accepted input of "
            "width 4 (shape (4, 4)) although its input width is 3",
            "To fix it: compare X.shape* with the expected width at the start of forward()*",
        ]
    )
    failed = {line.split()[1] for line in result.stdout.lines if line.startswith("FAILED ")}
    assert failed == {
        "smolml-kit::broken::activation:wrong_gradient::gradients[array]",
        "smolml-kit::broken::activation:wrong_gradient::gradients[scalar]",
        "smolml-kit::broken::initializer:rng_ignoring::determinism",
        "smolml-kit::broken::layer:width_blind::shape_errors",
    }
    result.stdout.fnmatch_lines(["SKIPPED * 'gradients[[]array[]]' does not apply to initializer 'rng_ignoring' *"])
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_plugins_are_named_with_commas_or_repeated_and_items_carry_a_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_other="def test_unrelated():\n    pass\n")
    result = run(pytester, "--smolml-kit", "std,broken", "--smolml-kit", "std", "-m", "smolml_kit", "--co", "-q")
    ids = [line for line in result.stdout.lines if line.startswith("smolml-kit::")]
    expected = (len(plugin_components("std")) + len(plugin_components("broken"))) * len(CHECKS)
    assert len(ids) == len(set(ids)) == expected
    assert not any("test_unrelated" in line for line in result.stdout.lines)


def test_an_unknown_plugin_is_a_collection_error_naming_the_ones_there_are(pytester: pytest.Pytester) -> None:
    result = run(pytester, "--smolml-kit", "stdd")
    result.stdout.fnmatch_lines(
        [
            "*ERROR collecting smolml-kit*",
            "*--smolml-kit stdd: there is no SmolML plugin named 'stdd' (did you mean 'std'?); the plugins are: "
            "broken, std.*",
            "ERROR smolml-kit::stdd",
        ]
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED


def test_the_fixture_runs_kit_cases_from_a_test_file(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_my_plugin="""
        import pytest
        from smolml_core.testing import kit_cases

        @pytest.mark.parametrize("case", kit_cases("broken", kinds=["layer"], checks=["shape_errors"]), ids=str)
        def test_kit(case, smolml_kit):
            smolml_kit.run(case)

        def test_one_component(smolml_kit):
            assert smolml_kit.check("activation", "softsign")["gradients[scalar]"] == "passed"
        """
    )
    result = run(pytester, "-v")
    result.stdout.fnmatch_lines(
        [
            "*test_kit[[]broken::layer:needs_size::shape_errors[]] FAILED*",
            "*test_kit[[]broken::layer:scale::shape_errors[]] PASSED*",
            "*test_kit[[]broken::layer:seeded_dropout::shape_errors[]] SKIPPED*",
            "*test_kit[[]broken::layer:width_blind::shape_errors[]] FAILED*",
            "*test_one_component PASSED*",
        ]
    )
    result.assert_outcomes(passed=8, failed=2, skipped=2)


def test_pytest_finds_the_plugin_through_its_entry_point() -> None:
    found = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert found.get("smolml") == "smolml_core.testing.pytest_plugin"


def test_importing_the_plugin_imports_nothing_of_the_kit_and_loads_no_smolml_plugin() -> None:
    code = (
        "import sys, smolml_core.testing.pytest_plugin\n"
        "from smolml_core.registry import registry\n"
        "print(sorted(m for m in sys.modules if m.startswith(('smolml_std', 'smolml_core.testing.'))),"
        " registry._current)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["['smolml_core.testing.gradients',", "'smolml_core.testing.pytest_plugin']", "None"]


@pytest.mark.slow
def test_in_a_fresh_interpreter_nothing_loads_until_asked_then_the_standard_plugin_passes(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeconftest(
        """
        import sys

        def pytest_sessionfinish(session):
            from smolml_core.registry import registry
            loaded = sorted(m for m in sys.modules if m in ("smolml_std", "smolml_core.testing.kit"))
            print("SMOLML", loaded, registry._current is None)
        """
    )
    pytester.makepyfile(test_nothing="def test_nothing():\n    pass\n")
    quiet = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-s")
    quiet.stdout.fnmatch_lines(["*SMOLML [[][]] True"])
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--smolml-kit", "std", "-m", "smolml_kit", "-q")
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == 0
    assert outcomes["passed"] + outcomes["skipped"] == len(plugin_components("std")) * len(CHECKS)
