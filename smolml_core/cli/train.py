"""``smolml train CONFIG``: build, train, report, save, and draw."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import build_network, load_config
from ..errors import ConfigError, InputMismatch, SmolMLError, UnknownComponentError
from ..nn.callbacks import resolve_callbacks
from ..nn.saving import check_save_path
from ..registry import get_registry
from ..rng import set_seed
from ..wording import did_you_mean
from .data import SplitData, check_fit, load_split_data, named_splits
from .description import DataDescription, describe, description_path
from .errors import INTERRUPTED, CommandError, blame, reported, write_error
from .report import default_metrics, format_table, is_class_targets, print_json
from .settings import TRAINING_KEYS, TrainingSettings, check_sections, read_training

if TYPE_CHECKING:
    from ..nn import EarlyStopping, History, NeuralNetwork

__all__ = ["run_train"]


def run_train(args: argparse.Namespace) -> int:
    config_path = Path(args.config)
    plot_path = _plot_path(args.plot)  # checked first: a missing matplotlib should not cost a training run
    run = _prepare(args, config_path)
    settings, data, network = run.settings, run.data, run.network

    verbose = settings.verbose and not args.quiet and not args.json
    if verbose:
        print(network)
        held_out = f" (the last {settings.validation_split:.0%} of the training rows for validation)"
        print(f"Data: {data.describe()}{held_out if settings.validation_split else ''}")
    with blame(config_path):
        history = _train(network, data, settings, run.metrics, run.stopper, run.save_path, verbose)

    # The trainer has said it (on stderr) if Ctrl-C stopped it; the weights are those of the last whole epoch,
    # which are measured and saved below as after a complete run.
    with blame(config_path):
        final = {
            name: network.evaluate(X, y, metrics=run.metrics)
            for name, (X, y) in named_splits(data, settings.validation_split).items()
        }
    say = (lambda text: None) if args.json else print
    say("Final metrics:")
    say(format_table(final, ["loss", *run.metrics]))
    written: dict[str, str | None] = {"model": None, "data_description": None, "plot": None}
    save_path = run.save_path
    if save_path is not None:
        _write(save_path, lambda: (network.save(save_path), _description(data).write(save_path)))
        written.update(model=os.fspath(save_path), data_description=os.fspath(description_path(save_path)))
        say(f"Saved the model to {os.fspath(save_path)}")
    if plot_path is not None:
        _plot(plot_path, config_path, history, network, data, final, run.stopper)
        written["plot"] = os.fspath(plot_path)
        say(f"Wrote the plot to {os.fspath(plot_path)}")
    if args.json:
        print_json(_train_report(config_path, args.resume, network, history, final, written))
    return INTERRUPTED if history.interrupted else 0


@dataclass
class _Run:
    """Everything checked and built before the first epoch."""

    settings: TrainingSettings
    data: SplitData
    network: NeuralNetwork
    metrics: list[str]
    stopper: EarlyStopping | None
    save_path: Path | None


def _prepare(args: argparse.Namespace, config_path: Path) -> _Run:
    """Read and check the config, load the data, build (or load, with --resume) the network."""
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
        if args.resume is not None:  # loading also restores the random generator, as in Python
            network = _resume(args.resume, network)
        check_fit(network, data.X_train, data.y_train, data.class_names)
        metrics = settings.metrics if settings.metrics is not None else default_metrics(data.y_train)
        _check_monitor(settings, metrics)
        stopper = _early_stopping(settings)
    return _Run(settings, data, network, metrics, stopper, save_path)


def _train_report(
    config_path: Path,
    resumed: str | None,
    network: NeuralNetwork,
    history: History,
    final: Mapping[str, Mapping[str, float]],
    written: Mapping[str, str | None],
) -> dict[str, Any]:
    """``smolml train --json``: the final metrics and the files written (see docs/cli.md)."""
    return {
        "format": 1,
        "command": "train",
        "config": os.fspath(config_path),
        "resumed_from": resumed,
        "epochs": history.epochs,
        "epochs_trained": network.epochs_trained,
        "interrupted": bool(history.interrupted),
        "stopped_early": bool(history.stopped_early),
        "last_epoch": {key: values[-1] for key, values in history.history.items() if values},
        "metrics": {split: dict(values) for split, values in final.items()},
        "files": dict(written),
    }


def _plot(
    plot_path: Path,
    config_path: Path,
    history: History,
    network: NeuralNetwork,
    data: SplitData,
    final: Mapping[str, Mapping[str, float]],
    stopper: EarlyStopping | None,
) -> None:
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


def _resume(path: str, built: NeuralNetwork) -> NeuralNetwork:
    """The network saved in ``path``, with its optimizer's state, which must be the one [network] describes."""
    from ..persistence import load_network

    with reported():
        network = load_network(path)
    saved, described = network.to_config(), built.to_config()
    for key in sorted(set(saved) | set(described)):
        if saved.get(key) != described.get(key):
            raise ConfigError(
                f"differs from the network saved in {path!r} (--resume): the file has {saved.get(key)!r}; "
                "--resume goes on training the saved network, so describe it as it was, or train a new "
                "network without --resume",
                path=("network", key),
            )
    return network


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
    except UnknownComponentError as exc:
        exc.message += (
            f"; a {exc.kind} registered by your own Python code is loaded with -p: "
            "smolml train CONFIG -p my_components.py (or -p a.module.name)"
        )
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
    try:  # built now, so that a wrong parameter is reported before the first epoch
        callbacks = resolve_callbacks(settings.callbacks)
    except SmolMLError as exc:
        raise exc.at("training") from exc.__cause__
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
            callbacks=callbacks,
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
