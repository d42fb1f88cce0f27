"""The trace that export reads, and the refusals that need neither onnx nor torch installed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import smolml_core
from smolml_core import ExportError, build_network, no_grad, primitive, register
from smolml_core.cli.main import main
from smolml_core.export import INPUT, Ref, trace


def _network(*layers: dict, loss: str = "mse") -> smolml_core.NeuralNetwork:
    return build_network({"layers": list(layers), "loss_function": loss})


def test_a_dense_network_is_traced_into_its_primitives_over_named_values() -> None:
    net = _network(
        {"type": "dense", "input_size": 3, "output_size": 4, "activation_function": "relu"},
        {"type": "dense", "output_size": 2, "activation_function": "softmax"},
        loss="categorical_cross_entropy",
    )
    traced = trace(net)
    # the dense layer's own mapping makes its matmul and add one operation (an ONNX Gemm)
    assert [op.name for op in traced.ops] == ["affine", "relu", "affine", "softmax"]
    assert traced.input == Ref(INPUT, (None, 3), np.dtype(np.float64))
    assert traced.output.shape == (None, 2)
    assert list(traced.parameters) == list(net.named_parameters())
    first = traced.ops[0]
    assert [arg.name for arg in first.args] == [INPUT, "layers.0.weights", "layers.0.biases"]
    assert first.layer == "layers[0] (DenseLayer)"
    assert first.mappings is not None and set(first.mappings) == {"onnx", "torch"}
    assert [op.name for op in traced.loss_ops] == ["softmax_cross_entropy", "mean"]
    assert traced.loss_problem is None


def test_a_layer_inside_a_layer_fuses_its_own_operations_and_leaves_the_rest_as_traced() -> None:
    inner = {"type": "dense", "input_size": 3, "output_size": 3, "activation_function": "tanh"}
    net = _network({"type": "residual", "layer": inner})
    assert [op.name for op in trace(net).ops] == ["affine", "tanh", "add"]


def test_a_dense_layer_on_samples_of_more_axes_keeps_its_matmul_and_add() -> None:
    net = _network({"type": "reshape", "shape": [2, 3]}, {"type": "dense", "input_size": 3, "output_size": 1})
    assert [op.name for op in trace(net, sample=np.zeros((1, 6))).ops] == ["reshape", "matmul", "add"]


class _Unfusable(smolml_core.Layer):
    def __init__(self) -> None:
        self.input_size = 2
        self.scale = smolml_core.ones(2)

    def forward(self, X: smolml_core.MLArray) -> smolml_core.MLArray:
        return X * self.scale

    def export_ops(self, ops: list) -> object:
        return "Mul"


def test_export_ops_must_give_operations() -> None:
    with pytest.raises(ExportError, match=r"_Unfusable\.export_ops must return a list of Op"):
        trace(smolml_core.NeuralNetwork([_Unfusable()], "mse"))


def test_a_reshape_that_follows_the_batch_takes_any_batch_size() -> None:
    net = _network(
        {"type": "reshape", "shape": [2, 3]},
        {"type": "flatten"},
        {"type": "dense", "input_size": 6, "output_size": 1},
    )
    traced = trace(net, sample=np.zeros((1, 6)))
    targets = [op.args[1] for op in traced.ops if op.name == "reshape"]
    assert targets == [(-1, 2, 3), (-1, 6)]


def test_a_mask_computed_from_the_input_outside_the_graph_is_refused_naming_the_operation_and_layer() -> None:
    net = _network({"type": "dense", "input_size": 2, "output_size": 2, "activation_function": "leaky_relu"})
    with pytest.raises(ExportError, match=r"operation 'where' in layers\[0\] \(DenseLayer\).*changes with the input"):
        trace(net)


def test_the_input_shape_must_be_known() -> None:
    net = _network({"type": "flatten"}, {"type": "dense", "input_size": 4, "output_size": 1})
    with pytest.raises(ExportError, match="pass sample="):
        trace(net)


def test_tracing_inside_no_grad_is_refused() -> None:
    net = _network({"type": "dense", "input_size": 2, "output_size": 1})
    with no_grad(), pytest.raises(ExportError, match="no_grad"):
        trace(net)


def test_the_scalar_engine_is_traced_on_a_copy_left_untouched() -> None:
    net = build_network(
        {"layers": [{"type": "dense", "input_size": 2, "output_size": 1}], "loss_function": "mse", "engine": "scalar"}
    )
    traced = trace(net)
    assert net.engine == "scalar"
    np.testing.assert_array_equal(traced.parameters["layers.0.weights"], net.layers[0].weights.numpy())


class _Doubler(smolml_core.Layer):
    def __init__(self) -> None:
        self.input_size = 2
        self.scale = smolml_core.ones(2)

    def forward(self, X: smolml_core.MLArray) -> smolml_core.MLArray:
        return _twice(X) * self.scale


_twice = primitive("twice", lambda x: 2 * x, lambda g, ans, x: 2 * g)


@pytest.fixture
def unmapped() -> smolml_core.NeuralNetwork:
    register("primitive", "twice", _twice)
    return smolml_core.NeuralNetwork([_Doubler()], "mse")


@pytest.mark.parametrize("target", ["onnx", "torch"])
def test_an_operation_without_a_mapping_is_named_with_its_plugin_and_nothing_is_written(
    unmapped: smolml_core.NeuralNetwork, target: str, tmp_path: Path
) -> None:
    out = tmp_path / "model.onnx"
    expected = rf"operation 'twice' \(in layers\[0\] \(_Doubler\)\), registered by your code.*no {target} mapping"
    with pytest.raises(ExportError, match=expected):
        unmapped.to_onnx(out) if target == "onnx" else unmapped.to_torch()
    assert list(tmp_path.iterdir()) == []


def test_an_unregistered_operation_is_asked_to_be_registered() -> None:
    with pytest.raises(ExportError, match=r"'twice'.*is not registered.*register\('primitive', 'twice', op\)"):
        smolml_core.NeuralNetwork([_Doubler()], "mse").to_onnx("never-written.onnx")
    assert not Path("never-written.onnx").exists()


def test_a_mapping_that_is_not_a_function_is_refused() -> None:
    with pytest.raises(TypeError, match="onnx mapping of primitive 'bad'"):
        primitive("bad", lambda x: x, lambda g, ans, x: g, onnx="Relu")  # type: ignore[arg-type]


def test_the_export_command_names_the_missing_mapping_and_writes_nothing(
    unmapped: smolml_core.NeuralNetwork,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("smolml_core.cli.export.load_network", lambda path: unmapped)
    status = main(["export", str(tmp_path / "model.npz"), "-o", str(tmp_path / "out.onnx")])
    assert status == 2
    assert "'twice'" in capsys.readouterr().err
    assert not (tmp_path / "out.onnx").exists()


def test_every_core_primitive_has_an_onnx_and_a_torch_mapping() -> None:
    from smolml_core.array.primitives import PRIMITIVES
    from smolml_core.export.onnx_ops import ONNX_OPS
    from smolml_core.export.torch_ops import TORCH_OPS

    assert set(ONNX_OPS) == set(PRIMITIVES) == set(TORCH_OPS)


class _FreshLeaf(smolml_core.Layer):
    def __init__(self) -> None:
        self.input_size = 2
        self.scale = smolml_core.ones(2)

    def forward(self, X: smolml_core.MLArray) -> smolml_core.MLArray:
        return X * self.scale + smolml_core.MLArray([1.0, 2.0], requires_grad=True)


def test_an_array_made_inside_forward_is_read_as_a_constant() -> None:
    traced = trace(smolml_core.NeuralNetwork([_FreshLeaf()], "mse"))
    assert [op.name for op in traced.ops] == ["multiply", "add"]
    np.testing.assert_array_equal(traced.ops[1].args[1], [1.0, 2.0])


def test_a_loss_that_cannot_be_traced_leaves_the_forward_pass_traced() -> None:
    def peeking_loss(y_pred: smolml_core.MLArray, y_true: smolml_core.MLArray) -> smolml_core.MLArray:
        return (y_pred - np.asarray(y_true)).abs().mean()  # reads the targets' numbers outside the graph

    net = smolml_core.NeuralNetwork([_FreshLeaf()], peeking_loss)
    traced = trace(net)
    assert [op.name for op in traced.ops] == ["multiply", "add"]
    assert traced.loss is None and "changes with the input" in str(traced.loss_problem)
