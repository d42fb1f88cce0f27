"""NeuralNetwork: forward, train, predict, errors, repr, and the graph it leaves behind."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from smolml_core import (
    ConfigError,
    DataError,
    InputMismatch,
    Layer,
    MLArray,
    NeuralNetwork,
    ShapeError,
    TrainingError,
    UnknownComponentError,
    set_seed,
)
from smolml_std import activation, losses, optimizers
from smolml_std.layers import DenseLayer

XOR_X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
XOR_Y = [[0.0], [1.0], [1.0], [0.0]]


@pytest.mark.parametrize(
    "call",
    [
        lambda net: net.train([[0.0, None], [1.0, 1.0]], [[0.0], [1.0]], epochs=1, verbose=False),
        lambda net: net.train([[0.0, 1.0], [1.0, 1.0]], [["0"], ["1"]], epochs=1, verbose=False),
        lambda net: net.predict([["0.5", "1"]]),
        lambda net: net.evaluate([[0.0, 1.0]], [[None]]),
    ],
)
def test_every_entry_point_refuses_none_and_text(call) -> None:
    """Each passes its network's dtype to MLArray, which must not turn None into nan nor parse text."""
    with pytest.raises(DataError, match="real numbers"):
        call(xor_network())


def xor_network(**kwargs) -> NeuralNetwork:
    return NeuralNetwork(
        [DenseLayer(2, 8, activation_function="tanh"), DenseLayer(8, 1, activation_function="sigmoid")],
        kwargs.pop("loss_function", "mse"),
        kwargs.pop("optimizer", {"type": "adam", "learning_rate": 0.05}),
    )


def test_train_returns_one_float_per_epoch_and_the_loss_falls() -> None:
    losses_ = xor_network().train(XOR_X, XOR_Y, epochs=200, verbose=False)
    assert len(losses_) == 200 and all(type(v) is float for v in losses_)
    assert losses_[-1] < 0.5 * losses_[0]


def test_verbose_prints_every_n_epochs(capsys) -> None:
    xor_network().train(XOR_X, XOR_Y, epochs=6, print_every=3)
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split(",")[0] for line in lines] == ["Epoch 3/6", "Epoch 6/6"]


def test_quiet_training_prints_nothing(capsys) -> None:
    xor_network().train(XOR_X, XOR_Y, epochs=3, verbose=False)
    assert capsys.readouterr().out == ""


def test_same_seed_same_training() -> None:
    runs = []
    for _ in range(2):
        set_seed(7)
        runs.append(xor_network().train(XOR_X, XOR_Y, epochs=20, verbose=False))
    assert runs[0] == runs[1]


def test_predict_records_no_graph_and_matches_forward() -> None:
    net = xor_network()
    predicted = net.predict(XOR_X)
    assert not predicted.requires_grad
    assert np.array_equal(predicted.data, net.forward(MLArray(XOR_X)).data)


def test_training_leaves_no_graph_alive() -> None:
    net = xor_network()
    net.train(XOR_X, XOR_Y, epochs=5, verbose=False)
    gc.collect()
    before = sum(isinstance(o, MLArray) for o in gc.get_objects())
    net.train(XOR_X, XOR_Y, epochs=50, verbose=False)
    gc.collect()
    after = sum(isinstance(o, MLArray) for o in gc.get_objects())
    assert after == before
    for layer in net.layers:
        for p in layer.parameters().values():
            assert p._node is None and p._grad is None


def test_optimizer_state_is_allocated_once() -> None:
    net = xor_network()
    net.train(XOR_X, XOR_Y, epochs=2, verbose=False)
    buffers = {key: {k: id(v) for k, v in s.items() if k != "step"} for key, s in net.optimizer.state.items()}
    net.train(XOR_X, XOR_Y, epochs=3, verbose=False)
    assert buffers == {key: {k: id(v) for k, v in s.items() if k != "step"} for key, s in net.optimizer.state.items()}
    assert all(s["step"] == 5 for s in net.optimizer.state.values())


def test_widths_that_do_not_fit_are_refused_when_the_network_is_built() -> None:
    with pytest.raises(InputMismatch) as info:
        NeuralNetwork([DenseLayer(2, 4), DenseLayer(3, 1)], "mse")
    assert str(info.value) == "layers[1].input_size: is 3, but layer 0 outputs 4; set input_size = 4"


class Widen(Layer):
    """Repeats its input's columns side by side; it does not say what it outputs, so nothing checks it early."""

    def __init__(self, times: int) -> None:
        self.times = times

    def forward(self, X: MLArray) -> MLArray:
        return MLArray(np.tile(X.numpy(), (1, self.times)))


def test_shape_mismatch_in_the_forward_pass_names_the_layer_and_both_shapes() -> None:
    net = NeuralNetwork([DenseLayer(2, 2), Widen(2), DenseLayer(3, 1)], "mse")
    with pytest.raises(ShapeError) as info:
        net.forward([[1.0, 2.0]])
    message = str(info.value)
    assert "layer 2 (DenseLayer 3 -> 1, linear)" in message
    assert "(1, 4)" in message and "(n_samples, 3)" in message


def test_wrong_input_width_is_caught_at_the_first_layer() -> None:
    with pytest.raises(ShapeError, match=r"layer 0 .* shape \(4, 3\)"):
        xor_network().predict(np.ones((4, 3)))


def test_targets_that_do_not_match_the_output_are_refused() -> None:
    with pytest.raises(ShapeError, match=r"outputs shape \(4, 1\) but y has shape \(4, 2\)"):
        xor_network().train(XOR_X, np.ones((4, 2)), epochs=1, verbose=False)
    with pytest.raises(ShapeError, match="one row per sample"):
        xor_network().train(XOR_X, XOR_Y[:3], epochs=1, verbose=False)


def test_one_dimensional_targets_fit_a_single_output() -> None:
    losses_ = xor_network().train(XOR_X, [0.0, 1.0, 1.0, 0.0], epochs=3, verbose=False)
    assert len(losses_) == 3


def test_nan_in_the_data_is_refused_before_training() -> None:
    bad = [row[:] for row in XOR_X]
    bad[2][1] = float("nan")
    with pytest.raises(ConfigError, match=r"X contains nan at index \(2, 1\)"):
        xor_network().train(bad, XOR_Y, epochs=1, verbose=False)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_a_diverging_loss_stops_training_before_any_update() -> None:
    net = NeuralNetwork([DenseLayer(2, 1)], "mse", {"type": "sgd", "learning_rate": 1e6})
    X = np.array([[1e3, -1e3], [2e3, 5e2]])
    y = np.array([[1.0], [0.0]])
    with pytest.raises(TrainingError, match=r"epoch \d+: the loss became (inf|nan)"):
        net.train(X, y, epochs=50, verbose=False)
    assert np.all(np.isfinite(net.layers[0].weights.data))


class Overflowing(Layer):
    """A layer whose output overflows once its input exceeds ``limit``: a stand-in for a layer gone wrong."""

    def __init__(self, limit: float) -> None:
        self.limit = limit

    def forward(self, X: MLArray) -> MLArray:
        return X * np.where(np.abs(X.numpy()) > self.limit, 1e308, 1.0) * 10.0


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
@pytest.mark.parametrize("engine", ["array", "scalar"])
def test_the_non_finite_stop_names_the_layer_whose_output_went_non_finite(engine: str) -> None:
    set_seed(0)
    net = NeuralNetwork([DenseLayer(2, 3), Overflowing(limit=0.0), DenseLayer(3, 1)], "mse", engine=engine)
    with pytest.raises(
        TrainingError,
        match=r"^epoch 1: the loss became nan; the first non-finite output came from layer 1 \(Overflowing limit=0.0\)",
    ):
        net.train(XOR_X, XOR_Y, epochs=2, verbose=False)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning", "ignore:invalid value:RuntimeWarning")
def test_the_non_finite_stop_names_a_parameter_that_went_non_finite() -> None:
    net = xor_network()
    net.layers[1].weights.data[0, 0] = np.inf
    with pytest.raises(
        TrainingError,
        match=r"^epoch 1: the loss became nan; layer 1 \(DenseLayer 8 -> 1, sigmoid\) "
        r"has non-finite values in its parameter 'weights'",
    ):
        net.train(XOR_X, XOR_Y, epochs=1, verbose=False)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_the_non_finite_stop_blames_the_loss_when_every_layer_was_finite() -> None:
    net = NeuralNetwork([DenseLayer(2, 1)], "mse")
    with pytest.raises(TrainingError, match=r"every layer's output was finite \(the largest magnitude was 0\)"):
        net.train([[0.0, 0.0]], [[1e200]], epochs=1, verbose=False)


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_stop_on_nan_false_trains_on_and_records_the_non_finite_losses() -> None:
    net = NeuralNetwork([DenseLayer(2, 1)], "mse")
    history = net.train([[0.0, 0.0]], [[1e200]], epochs=3, verbose=False, stop_on_nan=False)
    assert len(history) == 3 and all(not np.isfinite(loss) for loss in history)


@pytest.mark.parametrize(("epochs", "print_every"), [(-1, 1), (2.5, 1), (3, 0)])
def test_bad_counts_are_config_errors(epochs, print_every) -> None:
    with pytest.raises(ConfigError, match="whole number"):
        xor_network().train(XOR_X, XOR_Y, epochs=epochs, print_every=print_every)


def test_components_by_name_and_default_optimizer() -> None:
    net = NeuralNetwork([DenseLayer(2, 1)], "mse")
    assert isinstance(net.optimizer, optimizers.SGD)
    assert net.loss_function is losses.mse_loss
    with pytest.raises(UnknownComponentError, match=r"^loss_function: unknown loss 'mse_los'"):
        NeuralNetwork([DenseLayer(2, 1)], "mse_los")


def test_layers_must_be_layers() -> None:
    with pytest.raises(ConfigError, match=r"layers\[1\]: .* is not a layer"):
        NeuralNetwork([DenseLayer(2, 2), {"type": "dense"}], "mse")
    with pytest.raises(ConfigError, match="non-empty list"):
        NeuralNetwork([], "mse")


def test_repr_summarises_the_architecture() -> None:
    net = NeuralNetwork(
        [DenseLayer(2, 16, activation_function=activation.relu), DenseLayer(16, 1, activation_function="sigmoid")],
        losses.binary_cross_entropy,
        optimizers.Adam(learning_rate=0.01),
    )
    text = repr(net)
    assert "2 -> 16, relu" in text and "16 -> 1, sigmoid" in text
    assert "48" in text and "17" in text  # parameters per layer
    assert "Total parameters: 65" in text
    assert "Loss function: binary_cross_entropy" in text
    assert "Adam(learning_rate=0.01" in text
    assert "520 B" in text  # 65 float64 parameters
    assert "Engine" not in text


def test_repr_of_a_scalar_engine_network_says_so_and_counts_its_values_memory() -> None:
    net = NeuralNetwork([DenseLayer(2, 3)], "mse", engine="scalar")
    text = repr(net)
    assert text.endswith("Engine: scalar (every parameter a Value)")
    total = text.split("Total parameters: 9 (")[1].split(")")[0]
    assert total.endswith("B") and total != "72 B"  # more than 9 float64 numbers: nine Value objects


def test_to_config_rebuilds_the_same_architecture() -> None:
    from smolml_core import build_network

    net = xor_network()
    rebuilt = build_network(net.to_config())
    assert rebuilt.to_config() == net.to_config()
    assert [p.shape for layer in rebuilt.layers for p in layer.parameters().values()] == [
        p.shape for layer in net.layers for p in layer.parameters().values()
    ]


class Residual(Layer):
    """A custom layer with its own parameter names: y = x + tanh(x @ W_inner) * gate."""

    def __init__(self, size: int) -> None:
        self.W_inner = MLArray(np.random.default_rng(0).normal(0, 0.3, (size, size)))
        self.gate = MLArray(np.full((1, size), 0.5))

    def forward(self, X: MLArray) -> MLArray:
        return X + (X @ self.W_inner).tanh() * self.gate


def test_custom_layers_with_their_own_parameters_train() -> None:
    custom = Residual(2)
    net = NeuralNetwork([custom, DenseLayer(2, 1, activation_function="sigmoid")], "bce", "adam")
    start = {k: v.data.copy() for k, v in custom.parameters().items()}
    assert list(start) == ["W_inner", "gate"]
    net.train(XOR_X, XOR_Y, epochs=5, verbose=False)
    for name, value in custom.parameters().items():
        assert not np.array_equal(value.data, start[name]), name
    assert "Residual" in repr(net) and "size=2" in repr(net)


def test_the_tutorial_update_flow_still_works() -> None:
    layer = DenseLayer(2, 1)
    before = layer.weights.data.copy()
    loss = losses.mse_loss(layer.forward(MLArray(XOR_X)), MLArray(XOR_Y))
    loss.backward()
    sgd = optimizers.SGD(learning_rate=0.1)
    layer.update(sgd, 0)
    assert np.allclose(layer.weights.data, before - 0.1 * layer.weights.grad().data)
    layer.weights, layer.biases = sgd.update(layer, 0, param_names=("weights", "biases"))
    assert isinstance(layer.weights, MLArray)


class ComputedParameter(Layer):
    def __init__(self, size: int) -> None:
        self.scale = MLArray(np.ones((1, size))) * 0.5  # a result, not a parameter

    def forward(self, X: MLArray) -> MLArray:
        return X * self.scale


def test_computed_arrays_stored_as_parameters_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"^layers\[0\]: ComputedParameter\.scale was computed from other arrays"):
        NeuralNetwork([ComputedParameter(2)], "mse")


def test_float32_networks_compute_in_float32() -> None:
    net = NeuralNetwork([DenseLayer(2, 4, dtype="float32"), DenseLayer(4, 1, dtype="float32")], "mse", "adam")
    assert net.dtype == np.float32
    assert net.predict(XOR_X).dtype == np.float32
    net.train(np.array(XOR_X), np.array(XOR_Y), epochs=3, verbose=False)
    assert all(p.dtype == np.float32 for layer in net.layers for p in layer.parameters().values())
