"""``import smolml``: the distribution's name gives the core's public API and the tutorial's standard components."""

from __future__ import annotations

import subprocess
import sys

import smolml
import smolml_core
import smolml_std.activation
import smolml_std.losses
import smolml_std.optimizers
from smolml_std.layers import DenseLayer

from .docs_examples import ROOT, marked_example


def test_every_public_core_name_is_the_core_object() -> None:
    missing = [name for name in smolml_core.__all__ if name not in smolml.__all__]
    assert not missing, f"smolml does not re-export {missing}"
    for name in smolml_core.__all__:
        assert getattr(smolml, name) is getattr(smolml_core, name), name
    assert smolml.__version__ == smolml_core.__version__


def test_the_tutorials_standard_components_are_the_plugins_objects() -> None:
    assert smolml.DenseLayer is DenseLayer
    assert smolml.activation is smolml_std.activation
    assert smolml.losses is smolml_std.losses
    assert smolml.optimizers is smolml_std.optimizers
    for name in smolml.__all__:
        assert hasattr(smolml, name), name


def test_the_tutorials_xor_example_runs_with_only_import_smolml() -> None:
    source = marked_example(ROOT / "docs" / "tutorial.md", "xor")
    body = "\n".join(line for line in source.splitlines() if not line.startswith(("from ", "import ")))
    header = (
        "from smolml import NeuralNetwork, MLArray, DenseLayer, set_seed\n"
        "from smolml import optimizers, losses, activation\n"
        "set_seed(0)\n"
    )
    namespace: dict = {}
    exec(compile(header + body, "tutorial.md:xor", "exec"), namespace)
    predictions = namespace["model"].predict(namespace["X"]).to_list()
    assert [round(p[0]) for p in predictions] == [0, 1, 1, 0]


def test_smolml_loads_no_plugin_through_the_registry_at_import() -> None:
    code = "import sys, smolml; print('importlib_metadata' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
