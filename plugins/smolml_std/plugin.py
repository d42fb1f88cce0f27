"""Registers the standard components; the ``smolml`` entry point names this module."""

from __future__ import annotations

from smolml_core import EarlyStopping, hookimpl
from smolml_core.registry import Register

from . import activation, callbacks, composite, initializers, layers, losses, metrics, optimizers, schedules, shaping


@hookimpl
def smolml_register_activations(register: Register) -> None:
    register("relu", activation.relu)
    register("leaky_relu", activation.leaky_relu)
    register("elu", activation.elu)
    register("sigmoid", activation.sigmoid, aliases=["logistic"])
    register("softmax", activation.softmax)
    register("tanh", activation.tanh)
    register("linear", activation.linear, aliases=["identity"])


@hookimpl
def smolml_register_losses(register: Register) -> None:
    register("mse_loss", losses.mse_loss, aliases=["mse", "mean_squared_error"])
    register("mae_loss", losses.mae_loss, aliases=["mae", "mean_absolute_error"])
    register("binary_cross_entropy", losses.binary_cross_entropy, aliases=["bce"])
    register("categorical_cross_entropy", losses.categorical_cross_entropy, aliases=["cce"])
    register("sparse_categorical_cross_entropy", losses.sparse_categorical_cross_entropy, aliases=["scce"])
    register("huber_loss", losses.huber_loss, aliases=["huber"])


@hookimpl
def smolml_register_optimizers(register: Register) -> None:
    register("sgd", optimizers.SGD)
    register("sgd_momentum", optimizers.SGDMomentum, aliases=["momentum"])
    register("adagrad", optimizers.AdaGrad)
    register("adam", optimizers.Adam)


@hookimpl
def smolml_register_initializers(register: Register) -> None:
    register("random_uniform", initializers.RandomUniform, aliases=["uniform"])
    register("xavier_uniform", initializers.XavierUniform, aliases=["glorot_uniform"])
    register("xavier_normal", initializers.XavierNormal, aliases=["glorot_normal"])
    register("he_initialization", initializers.HeInitialization, aliases=["he", "he_normal"])


@hookimpl
def smolml_register_layers(register: Register) -> None:
    register("dense", layers.DenseLayer, aliases=["dense_layer"], example={"input_size": 3, "output_size": 2})
    register(
        "sequential",
        composite.Sequential,
        example={
            "layers": [
                {"type": "dense", "input_size": 3, "output_size": 4, "activation_function": "tanh"},
                {"type": "dense", "output_size": 3},
            ]
        },
    )
    register(
        "residual",
        composite.Residual,
        example={"layer": {"type": "dense", "input_size": 3, "output_size": 2, "activation_function": "tanh"}},
    )
    register("flatten", shaping.Flatten)
    register("reshape", shaping.Reshape, example={"shape": [2, 3]})


@hookimpl
def smolml_register_metrics(register: Register) -> None:
    register("accuracy", metrics.accuracy, aliases=["acc"])
    register("mse", metrics.mse, aliases=["mean_squared_error"])
    register("mae", metrics.mae, aliases=["mean_absolute_error"])
    register("rmse", metrics.rmse, aliases=["root_mean_squared_error"])
    register("r2", metrics.r2, aliases=["r2_score"])


@hookimpl
def smolml_register_schedules(register: Register) -> None:
    register("constant", schedules.Constant)
    register("step_decay", schedules.StepDecay, aliases=["step"])
    register("exponential_decay", schedules.ExponentialDecay, aliases=["exponential"])
    register("cosine", schedules.CosineDecay, aliases=["cosine_decay"])


@hookimpl
def smolml_register_callbacks(register: Register) -> None:
    register("early_stopping", EarlyStopping)
    register("csv_logger", callbacks.CSVLogger, example={"path": "training_log.csv"})
