"""Every example network exported, then run by ONNX Runtime and by PyTorch: the same predictions and gradients.

Run by ``nox -s export``, which installs onnx, onnxruntime and torch (or
``pytest -m export tests/export`` where they are installed). Predictions
agree to 1e-10 in float64 and 1e-6 in float32; the gradients of one batch's
loss computed in PyTorch agree with ours to 1e-10 in float64.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import smolml_core
from smolml_core import MLArray, build_network, load_config
from smolml_core.cli.main import main

from ..docs_examples import ROOT, needed_modules, python_blocks

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
torch = pytest.importorskip("torch")

pytestmark = pytest.mark.export

PLUGINS = {"extras": ROOT / "plugins" / "smolml-extras", "vision": ROOT / "plugins" / "smolml-vision"}
EXAMPLES = sorted([*(ROOT / "examples").glob("*.toml"), *(ROOT / "plugins").glob("smolml-*/examples/*.toml")], key=str)
TOLERANCE = {"float64": 1e-10, "float32": 1e-6}


@pytest.fixture(autouse=True)
def registry() -> Iterator[smolml_core.Registry]:
    """The standard plugin, smolml-extras and smolml-vision, installed or from their folders."""
    for folder in PLUGINS.values():
        if str(folder) not in sys.path:
            sys.path.append(str(folder))
    points = [EntryPoint(name="std", value="smolml_std.plugin", group="smolml")]
    points += [EntryPoint(name=name, value=f"smolml_{name}.plugin", group="smolml") for name in PLUGINS]
    with smolml_core.use_registry(smolml_core.Registry(entry_points=points)) as fresh:
        yield fresh


def _in_float32(table: Any) -> Any:
    """A network table with every layer that takes a ``dtype`` built in float32."""
    if isinstance(table, list):
        return [_in_float32(item) for item in table]
    if not isinstance(table, dict):
        return table
    out = {key: _in_float32(value) for key, value in table.items()}
    if out.get("type") in ("dense", "conv2d", "layer_norm", "batch_norm"):
        out["dtype"] = "float32"
    return out


def _example(path: Path, dtype: str) -> smolml_core.NeuralNetwork:
    """The example's network with random weights (biases too), so that every parameter matters."""
    table = load_config(path)["network"]
    if dtype == "float32":
        if table.get("engine") == "scalar":
            pytest.skip("the scalar engine computes in float64 only")
        table = _in_float32(table)
    net = build_network(table)
    rng = np.random.default_rng(7)
    net.set_weights([(w + 0.3 * rng.standard_normal(w.shape)).astype(w.dtype) for w in net.get_weights()])
    return net


def _rows(net: smolml_core.NeuralNetwork, count: int) -> np.ndarray:
    return np.random.default_rng(count).standard_normal((count, net.layers[0].input_size)).astype(net.dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_onnx_runtime_predicts_what_the_network_predicts(path: Path, dtype: str, tmp_path: Path) -> None:
    net = _example(path, dtype)
    out = net.to_onnx(tmp_path / "model.onnx")
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    for count in (1, 17):  # neither batch size the trace recorded
        X = _rows(net, count)
        (got,) = session.run(None, {"input": X})
        assert got.dtype == net.dtype
        np.testing.assert_allclose(got, net.predict(X).numpy(), rtol=0, atol=TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_torch_module_predicts_what_the_network_predicts(path: Path, dtype: str) -> None:
    net = _example(path, dtype)
    module = net.to_torch()
    X = _rows(net, 17)
    got = module(torch.from_numpy(X)).detach().numpy()
    np.testing.assert_allclose(got, net.predict(X).numpy(), rtol=0, atol=TOLERANCE[dtype])


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_the_torch_module_gives_our_gradients_for_one_batch_of_the_loss(path: Path) -> None:
    net = _example(path, "float64")
    module = net.to_torch()
    assert [name for name, _ in module.named_parameters()] == list(net.named_parameters())
    X = _rows(net, 9)
    outputs = net.predict(X).numpy()
    if outputs.shape[1] > 1:  # one-hot targets
        y = np.eye(outputs.shape[1])[np.arange(len(X)) % outputs.shape[1]]
    else:
        y = (np.arange(len(X)) % 2).reshape(-1, 1).astype(np.float64)
    loss = module.loss(torch.from_numpy(X), torch.from_numpy(y))
    loss.backward()
    ours = net.loss_function(net.forward(MLArray(X)), MLArray(y))
    ours.backward()
    assert abs(loss.item() - ours.item()) < 1e-10
    theirs = dict(module.named_parameters())
    for name, param in net.named_parameters().items():
        np.testing.assert_allclose(theirs[name].grad.numpy(), param.grad().numpy(), rtol=0, atol=1e-10, err_msg=name)


def test_training_continues_in_pytorch() -> None:
    net = _example(ROOT / "examples" / "iris.toml", "float64")
    module = net.to_torch()
    X = torch.from_numpy(_rows(net, 30))
    y = torch.eye(3, dtype=torch.float64)[torch.arange(30) % 3]
    optimizer = torch.optim.SGD(module.parameters(), lr=0.1)
    first = module.loss(X, y).item()
    for _ in range(20):
        optimizer.zero_grad()
        module.loss(X, y).backward()
        optimizer.step()
    assert module.loss(X, y).item() < first


def test_the_export_command_writes_a_model_onnx_runtime_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    net = _example(ROOT / "examples" / "moons.toml", "float64")
    net.save(tmp_path / "moons.npz")
    assert main(["export", str(tmp_path / "moons.npz"), "--format", "onnx"]) == 0
    assert "Wrote" in capsys.readouterr().out
    session = ort.InferenceSession(str(tmp_path / "moons.onnx"), providers=["CPUExecutionProvider"])
    X = _rows(net, 5)
    np.testing.assert_allclose(session.run(None, {"input": X})[0], net.predict(X).numpy(), rtol=0, atol=1e-10)


def test_batch_norm_and_dropout_export_in_inference_form(tmp_path: Path) -> None:
    net = build_network(
        {
            "layers": [
                {"type": "dense", "input_size": 3, "output_size": 4},
                {"type": "batch_norm", "size": 4},
                {"type": "dropout", "rate": 0.5},
                {"type": "dense", "input_size": 4, "output_size": 2, "activation_function": "softmax"},
            ],
            "loss_function": "categorical_cross_entropy",
        }
    )
    X = np.random.default_rng(0).standard_normal((8, 3))
    net.train(X, np.eye(2)[np.arange(8) % 2], epochs=3, verbose=False)  # running statistics move off 0 and 1
    session = ort.InferenceSession(str(net.to_onnx(tmp_path / "bn.onnx")), providers=["CPUExecutionProvider"])
    np.testing.assert_allclose(session.run(None, {"input": X})[0], net.predict(X).numpy(), rtol=0, atol=1e-10)
    module = net.to_torch()
    assert sorted(name for name, _ in module.named_buffers()) == ["layers.1.running_mean", "layers.1.running_var"]
    np.testing.assert_allclose(module(X).detach().numpy(), net.predict(X).numpy(), rtol=0, atol=1e-10)


def _cube(x):
    """x ** 3, elementwise."""
    return x**3


def _cube_vjp(g, ans, x):
    return 3 * g * x * x


@pytest.mark.parametrize(
    ("onnx_mapping", "torch_mapping", "failure"),
    [
        (lambda g, x: g.op("Mul", g.op("Mul", g.name(x), g.name(x)), g.name(x)), lambda x: x**3, None),
        (lambda g, x: g.op("Mul", g.name(x), g.name(x)), lambda x: x**3, "ONNX Runtime's result differs"),
        (lambda g, x: g.op("Pow", g.name(x), g.tensor(3.0)), lambda x: x.detach() ** 3, "torch's gradient"),
    ],
    ids=["right", "wrong-onnx", "torch-without-gradient"],
)
def test_the_kit_checks_an_operations_mappings(onnx_mapping: Any, torch_mapping: Any, failure: str | None) -> None:
    from smolml_core.testing import check_component

    op = smolml_core.primitive("cube", _cube, _cube_vjp, onnx=onnx_mapping, torch=torch_mapping)
    smolml_core.register("primitive", "cube", op, example={"inputs": [(2, 3)]})
    if failure is None:
        assert check_component("primitive", "cube", checks=["export"]) == {"export": "passed"}
    else:
        with pytest.raises(AssertionError, match=failure):
            check_component("primitive", "cube", checks=["export"])


EXPORT_DOCS = [path for path in sorted((ROOT / "docs").glob("*.md")) if "<!-- needs: onnx" in path.read_text("utf-8")]


@pytest.mark.parametrize("path", EXPORT_DOCS, ids=lambda p: p.name)
def test_the_docs_examples_that_need_onnx_and_torch_run(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every Python block of the page in order, those needing onnx and torch included (the default suite skips them).

    A block that needs another optional package (Dask) runs in that package's session instead.
    """
    monkeypatch.chdir(ROOT)
    needs = needed_modules(path)
    namespace: dict[str, Any] = {"__name__": f"docs_{path.stem}"}
    for line, source in python_blocks(path):
        if any(importlib.util.find_spec(name) is None for name in needs.get(line, [])):
            assert not {"onnx", "onnxruntime", "torch"} & set(needs[line]), f"{path.name}:{line} did not run"
            continue
        exec(compile(source, f"{path.name}:{line}", "exec"), namespace)


_COMPARED = np.array([[0.5, -1.0, 2.0], [0.25, 3.0, -0.5]])
_POSITIVE = {"domain": [0.5, 2.0]}
CORE_EXAMPLES: dict[str, dict[str, Any]] = {
    "add": {"inputs": [(3, 4), (4,)]},
    "subtract": {"inputs": [(3, 4), (3, 1)]},
    "multiply": {"inputs": [(3, 4), (4,)]},
    "divide": {"inputs": [(3, 4), (3, 4)]},
    "power": {"inputs": [(3, 4), (3, 4)], **_POSITIVE},
    "matmul": {"inputs": [(3, 4), (4, 2)]},
    "negative": {"inputs": [(3, 4)]},
    "exp": {"inputs": [(3, 4)]},
    "log": {"inputs": [(3, 4)], **_POSITIVE},
    "sqrt": {"inputs": [(3, 4)], **_POSITIVE},
    "abs": {"inputs": [(3, 4)]},
    "tanh": {"inputs": [(3, 4)]},
    "sigmoid": {"inputs": [(3, 4)]},
    "relu": {"inputs": [(3, 4)]},
    "clip": {"inputs": [(3, 4), -0.5, 0.5]},
    "where": {"inputs": [[[True, False, True, False]], (3, 4), (3, 4)]},
    "sum": {"inputs": [(3, 4)], "kwargs": {"axis": 0, "keepdims": True}},
    "mean": {"inputs": [(2, 3, 4)], "kwargs": {"axis": (0, 2)}},
    "max": {"inputs": [(3, 4)], "kwargs": {"axis": -1}},
    "min": {"inputs": [(3, 4)]},
    "logsumexp": {"inputs": [(3, 4)], "kwargs": {"axis": 1}},
    "softmax": {"inputs": [(3, 4)], "kwargs": {"axis": 0}},
    "sigmoid_cross_entropy": {"inputs": [(3, 4), (3, 4)]},
    "softmax_cross_entropy": {"inputs": [(3, 4), (3, 4)], "kwargs": {"axis": -1}},
    "reshape": {"inputs": [(2, 6), (3, 4)]},
    "transpose": {"inputs": [(2, 3, 4), (2, 0, 1)]},
    "getitem": {"inputs": [(3, 4, 5), (slice(None, None, -1), 1, None, slice(1, 4, 2))]},
    # comparisons read their arguments' numbers only: both are given as values
    "less": {"inputs": [_COMPARED, 0.3]},
    "less_equal": {"inputs": [_COMPARED, np.array([[0.5, 0.0, 1.0]])]},
    "greater": {"inputs": [_COMPARED, 0.3]},
    "greater_equal": {"inputs": [_COMPARED, np.array([[0.5, 0.0, 1.0]])]},
}


@pytest.mark.parametrize("name", sorted(CORE_EXAMPLES))
def test_each_core_primitives_mappings_pass_the_kits_export_check(name: str) -> None:
    from smolml_core.array.primitives import PRIMITIVES
    from smolml_core.export.onnx_ops import ONNX_OPS
    from smolml_core.export.torch_ops import TORCH_OPS
    from smolml_core.testing import check_component

    op = smolml_core.Operation(PRIMITIVES[name], None, {"onnx": ONNX_OPS[name], "torch": TORCH_OPS[name]})
    smolml_core.register("primitive", f"core_{name}", op, example=CORE_EXAMPLES[name])
    assert check_component("primitive", f"core_{name}", checks=["export"]) == {"export": "passed"}


def test_every_core_primitive_has_an_example_here() -> None:
    from smolml_core.array.primitives import PRIMITIVES

    assert set(CORE_EXAMPLES) == set(PRIMITIVES)


def test_the_kit_runs_a_layers_own_export_ops_and_catches_a_wrong_one() -> None:
    from dataclasses import replace

    from smolml_core.testing import check_component
    from smolml_std.layers import DenseLayer

    class Doubled(DenseLayer):
        """A dense layer whose export_ops adds the product to itself instead of the biases."""

        def export_ops(self, ops: list[Any]) -> list[Any]:
            product, total = ops[0], ops[1]
            return [product, replace(total, args=(total.args[0], total.args[0])), *ops[2:]]

    example = {"input_size": 3, "output_size": 2}
    assert check_component("layer", "dense", params=example, checks=["export"]) == {"export": "passed"}
    smolml_core.register("layer", "doubled", Doubled, example=example)
    with pytest.raises(AssertionError, match="its output in ONNX Runtime differs from its forward's"):
        check_component("layer", "doubled", checks=["export"])
