"""``smolml train CONFIG``: build, train, report, save, and draw."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import build_network, load_config
from ..errors import ConfigError, InputMismatch, SmolMLError
from ..nn.saving import check_save_path
from ..registry import get_registry
from ..rng import set_seed
from ..wording import did_you_mean
from .data import SplitData, check_fit, load_split_data
from .description import DataDescription, describe
from .errors import INTERRUPTED, CommandError, blame, reported, write_error
from .report import default_metrics, format_table, is_class_targets
from .settings import TRAINING_KEYS, TrainingSettings, check_sections, read_training

if TYPE_CHECKING:
    from ..nn import EarlyStopping, History, NeuralNetwork

__all__ = ["run_train"]


def run_train(args: argparse.Namespace) -> int:
    config_path = Path(args.config)
    plot_path = _plot_path(args.plot)  # checked first: a missing matplotlib should not cost a training run
    with reported():
        config = load_config(config_path)
    with blame(config_path):
        check_sections(config)
        settings = read_training(config.get("training", {}), config_path.parent)
        save_path = _save_path(args, settings, config_path)
        if settings.checkpoint_every is not None and save_path is None:
            raise ConfigError(
                "saves to the model's path, but --no-save was given", path=("training", "checkpoint_every")
            )
        data = load_split_data(config["data"], config_path.parent)  # first: the data's width is the network's input
        set_seed(settings.seed)
        network = _build(config["network"], data.X_train.shape[1])
        check_fit(network, data.X_train, data.y_train, data.class_names)
        metrics = settings.metrics if settings.metrics is not None else default_metrics(data.y_train)
        _check_monitor(settings, metrics)
        stopper = _early_stopping(settings)

    verbose = settings.verbose and not args.quiet
    if verbose:
        print(network)
        held_out = f" (the last {settings.validation_split:.0%} of the training rows for validation)"
        print(f"Data: {data.describe()}{held_out if settings.validation_split else ''}")
    with blame(config_path):
        history = _train(network, data, settings, metrics, stopper, save_path, verbose)

    # The trainer has said it (on stderr) if Ctrl-C stopped it; the weights are those of the last whole epoch,
    # which are measured and saved below as after a complete run.
    interrupted = history.interrupted

    with blame(config_path):
        final = {"train": network.evaluate(data.X_train, data.y_train, metrics=metrics)}
        if data.has_test:
            final["test"] = network.evaluate(data.X_test, data.y_test, metrics=metrics)
    print("Final metrics:")
    print(format_table(final, ["loss", *metrics]))

    if save_path is not None:
        _write(save_path, lambda: (network.save(save_path), _description(data).write(save_path)))
        print(f"Saved the model to {os.fspath(save_path)}")
    if plot_path is not None:
        from ..plotting import plot_training

        history_table: Mapping[str, Any] = history.history
        boundary = _boundary(network, data)
        with reported():
            _write(
                plot_path,
                lambda: plot_training(
                    plot_path,
                    history_table,
                    title=config_path.name,
                    final={"test": final["test"]} if "test" in final else None,
                    boundary=boundary,
                    best_epoch=stopper.best_epoch if stopper is not None and stopper.restored else None,
                ),
            )
        print(f"Wrote the plot to {os.fspath(plot_path)}")
    return INTERRUPTED if interrupted else 0


def _plot_path(plot: str | None) -> Path | None:
    if plot is None:
        return None
    from ..plotting import check_plot_path, require_matplotlib

    try:
        path = check_plot_path(plot)
        require_matplotlib()
    except ConfigError as exc:
        raise CommandError(f"error: --plot: {exc}") from exc
    return path


def _save_path(args: argparse.Namespace, settings: TrainingSettings, config_path: Path) -> Path | None:
    if args.no_save:
        return None
    path = Path(args.save) if args.save is not None else settings.save or config_path.with_suffix(".npz")
    with reported():
        check_save_path(path)  # a device or a FIFO: refused now, not after the training run
    return path


def _build(table: Mapping[str, Any], features: int) -> NeuralNetwork:
    """The network, its first layer fed the data's features (so its input_size may be left out)."""
    try:
        return build_network(table, input_shape=(features,))
    except InputMismatch as exc:  # nothing nearer feeds the layer than the data
        exc.came_from(f"the data has {features} feature{'s' * (features != 1)} per sample")
        raise exc.at("network") from exc.__cause__
    except SmolMLError as exc:
        raise exc.at("network") from exc.__cause__


def _check_monitor(settings: TrainingSettings, metrics: list[str]) -> None:
    """Early stopping may only watch the loss or a metric that is computed."""
    if settings.early_stopping is None:
        return
    monitor = settings.early_stopping.get("monitor", "val_loss")
    name = monitor[4:] if monitor.startswith("val_") else monitor
    if name != "loss" and name not in metrics:
        watchable = [v for m in ["loss", *metrics] for v in (m, f"val_{m}")]
        if _is_metric(name):
            fix = f"add {name!r} to training.metrics, or watch one of {', '.join(watchable)}"
        else:
            fix = f"it can watch {', '.join(watchable)}"
        raise ConfigError(
            f"monitors {monitor!r}, which is not computed{did_you_mean(monitor, watchable)}; {fix}",
            path=("training", "early_stopping", "monitor"),
        )


def _is_metric(name: str) -> bool:
    try:
        get_registry().get("metric", name)
    except SmolMLError:
        return False
    return True


def _train(
    network: NeuralNetwork,
    data: SplitData,
    settings: TrainingSettings,
    metrics: list[str],
    stopper: EarlyStopping | None,
    save_path: Path | None,
    verbose: bool,
) -> History:
    checkpoint = None
    if settings.checkpoint_every is not None and save_path is not None:
        from ..nn import Checkpoint

        _write(save_path, lambda: _description(data).write(save_path))  # so that every checkpoint can be used
        checkpoint = Checkpoint(save_path, every=settings.checkpoint_every)
    try:
        return network.train(
            data.X_train,
            data.y_train,
            settings.epochs,
            verbose=verbose,
            print_every=settings.print_every,
            batch_size=settings.batch_size,
            shuffle=settings.shuffle,
            validation_split=settings.validation_split,
            metrics=metrics,
            early_stopping=stopper,
            lr_schedule=settings.lr_schedule,
            checkpoint=checkpoint,
            replay=settings.replay,
        )
    except SmolMLError as exc:
        if exc.path and exc.path[0] in TRAINING_KEYS:  # the trainer refused one of [training]'s values
            exc.at("training")
        raise


def _early_stopping(settings: TrainingSettings) -> EarlyStopping | None:
    """The early-stopping callback, built now so that a wrong parameter is reported before training."""
    if settings.early_stopping is None:
        return None
    from ..nn import EarlyStopping

    try:
        # mode "auto": an accuracy is better higher, a loss lower, without the config having to say so
        return EarlyStopping(**{"mode": "auto", **settings.early_stopping})
    except SmolMLError as exc:
        raise exc.at("early_stopping").at("training") from exc.__cause__


def _description(data: SplitData) -> DataDescription:
    extra = data.extra or {}
    return describe(data.feature_names, data.X_train.shape[1], data.class_names, extra.get("mean"), extra.get("std"))


def _boundary(network: NeuralNetwork, data: SplitData) -> Any:
    """A decision-boundary panel for a classifier of two features, else None."""
    if data.X_train.shape[1] != 2 or not is_class_targets(data.y_train):
        return None
    from ..plotting import DecisionBoundary

    return DecisionBoundary(
        predict=lambda points: network.predict(points).numpy(),
        X=data.X_train,
        y=data.y_train,
        X_test=data.X_test if data.has_test else None,
        y_test=data.y_test if data.has_test else None,
        feature_names=data.feature_names,
        class_names=data.class_names,
    )


def _write(path: Path, write: Any) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write()
    except OSError as exc:
        raise write_error(path, exc) from exc
