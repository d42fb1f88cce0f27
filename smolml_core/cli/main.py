"""The ``smolml`` command's entry point: the arguments, and how every failure becomes one line and an exit status.

Exit statuses: 0 done; 1 training failed (the loss stopped being finite), or
``plugins --check`` found a problem, or ``components`` matched nothing; 2 a
mistake in the command line, a config, a data or a model file (the message
names the file, the place and the fix), or a plugin problem in strict mode;
70 an exception no check foresaw (a bug: one line says where; ``SMOLML_TRACEBACK=1``
shows the traceback); 130 interrupted with Ctrl-C, even while the command starts.

Every command module is imported only when its command runs, so that
``smolml plugins`` does not pay for what ``smolml train`` needs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from .._version import __version__
from ..registry import KINDS
from .errors import BROKEN_PIPE, INTERRUPTED, CommandError, as_command_error

__all__ = ["main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smolml",
        description="Train small neural networks described in TOML or JSON files, then evaluate and use them; "
        "list the installed plugins and the components they provide.",
    )
    parser.add_argument("--version", action="version", version=f"smolml {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    _add_train(commands)

    evaluate = commands.add_parser(
        "evaluate",
        help="print a saved model's loss and metrics on data",
        description="Print MODEL's loss and metrics on DATA: the training and test splits of a config file's "
        "[data] table, or every row of a CSV file (whose target column --target names).",
    )
    evaluate.add_argument("model", metavar="MODEL", help="a model saved by smolml train or network.save()")
    evaluate.add_argument("data", metavar="DATA", help="a config file with a [data] table, or a .csv file")
    evaluate.add_argument("--target", metavar="COLUMN", help="the CSV column holding the answers")
    evaluate.add_argument(
        "--metrics", metavar="NAMES", help="comma-separated metric names (default: accuracy for classes, else mae)"
    )
    evaluate.add_argument("--json", action="store_true", help="print the loss and metrics as JSON")
    _add_components_option(evaluate)

    predict = commands.add_parser(
        "predict",
        help="write a saved model's predictions for the rows of a CSV file",
        description="Run MODEL on every row of CSV (a header row, then numbers) and write one prediction per row: "
        "the class and its probabilities for a classifier, the outputs otherwise.",
    )
    predict.add_argument("model", metavar="MODEL", help="a model saved by smolml train or network.save()")
    predict.add_argument("csv", metavar="CSV", help="the rows to predict, with a header row")
    predict.add_argument("--output", "-o", metavar="OUT.csv", help="write here instead of to standard output")
    predict.add_argument("--target", metavar="COLUMN", help="a column of CSV to leave out (the answers, if present)")
    _add_components_option(predict)

    _add_export(commands)

    plugins = commands.add_parser(
        "plugins",
        help="list the installed plugins, what each provides, and what went wrong",
        description="List every plugin found through the 'smolml' entry points: its distribution and version, "
        "its entry point, whether it loaded, failed or was disabled, the components it registered per kind, "
        "and each problem with what to do about it.",
    )
    plugins.add_argument("--json", action="store_true", help="print a JSON document instead (see docs/cli.md)")
    plugins.add_argument("--traceback", action="store_true", help="show the full traceback of each problem")
    plugins.add_argument("--check", action="store_true", help="exit with status 1 if there is any plugin problem")

    components = commands.add_parser(
        "components",
        help="list the registered components, or show one in detail",
        usage="smolml components [KIND] [PATTERN] [--json]\n       smolml components show KIND NAME [--json]",
        description=f"List the components the plugins registered, optionally of one KIND ({', '.join(KINDS)}) "
        "and matching a shell-style PATTERN "
        "('*relu*', case-insensitive, tried on the name and each alias; 'std:*' on plugin:name). A single "
        "word that is not a kind is the pattern. 'show KIND NAME' prints one component: its signature, the "
        "parameters a config may set, a config line, its documentation and where its source is. "
        "Exit status 1 when nothing matches.",
    )
    components.add_argument("words", nargs="*", metavar="ARGUMENT", help="[KIND] [PATTERN], or show KIND NAME")
    components.add_argument("--json", action="store_true", help="print a JSON document instead (see docs/cli.md)")
    return parser


def _add_train(commands: Any) -> None:
    train = commands.add_parser(
        "train",
        help="train the network a config file describes",
        description="Train the network in CONFIG's [network] table on its [data], as its [training] table says; "
        "print the final metrics on the training and test data and save the model.",
    )
    train.add_argument("config", metavar="CONFIG", help="a .toml or .json file with [network], [data], [training]")
    train.add_argument("--plot", metavar="FILE.png", help="draw the loss and metric curves (needs smolml[plot])")
    where = train.add_mutually_exclusive_group()
    where.add_argument(
        "--save",
        metavar="MODEL.npz",
        help="where to save the trained model (default: training.save, else CONFIG's name with .npz)",
    )
    where.add_argument("--no-save", action="store_true", help="do not save the model")
    train.add_argument("--quiet", "-q", action="store_true", help="print only the final metrics")
    train.add_argument(
        "--resume",
        metavar="MODEL.npz",
        help="go on training the network saved in this file (a model or a checkpoint), with its optimizer's state",
    )
    train.add_argument("--json", action="store_true", help="print the final metrics and the files written as JSON")
    _add_components_option(train)


def _add_components_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "-p",
        dest="import_components",
        action="append",
        default=[],
        metavar="FILE.py|MODULE",
        help="import this Python file or module first, to register its components (repeatable)",
    )


def _add_export(commands: Any) -> None:
    """The ``export`` command's arguments."""
    export = commands.add_parser(
        "export",
        help="write a saved model for another runtime (ONNX)",
        description="Write MODEL as an ONNX model that ONNX Runtime runs with the same predictions: input 'input' "
        "(any number of rows, the features as the network takes them), output 'output', in the precision the "
        "model was trained in. Needs the onnx package (pip install 'smolml[export]').",
    )
    export.add_argument("model", metavar="MODEL", help="a model saved by smolml train or network.save()")
    export.add_argument("--format", choices=["onnx"], default="onnx", help="the format to write (default: onnx)")
    export.add_argument("--output", "-o", metavar="OUT.onnx", help="where to write (default: MODEL with .onnx)")
    _add_components_option(export)


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    """The parsed command line; ``components``' words may come before and after its options."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command == "components" and not any(word.startswith("-") for word in extra):
        args.words = [*args.words, *extra]  # ``components activation --json 're*'``
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``smolml`` command; return its exit status."""
    try:
        return _run(parse_arguments(argv))
    except CommandError as exc:
        print(f"smolml: {exc}", file=sys.stderr)
        return exc.status
    except KeyboardInterrupt as exc:
        notes = getattr(exc, "__notes__", [])  # the plugin loader notes which plugin was loading
        where = f" {notes[0]}" if notes else ""
        print(f"\nsmolml: interrupted{where}; nothing was saved", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        # The reader went away (``smolml train ... | head``): stop quietly, as other
        # command-line tools do, and keep Python from complaining while it exits.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return BROKEN_PIPE
    except Exception as exc:
        # The one place where anything else becomes one line: a SmolMLError no command wrapped (a plugin
        # problem in strict mode, say), an OSError, or a bug. SMOLML_TRACEBACK=1 shows the traceback instead.
        if os.environ.get("SMOLML_TRACEBACK"):
            raise
        error = as_command_error(exc)
        print(f"smolml: {error}", file=sys.stderr)
        return error.status


def _run(args: argparse.Namespace) -> int:
    """Run the command ``args`` names."""
    if args.command == "plugins":
        from .plugins import run_plugins

        return run_plugins(args)
    if args.command == "components":
        from .components import run_components

        return run_components(args)
    from .loading import loaded_registry

    # Every other command needs the plugins: load them first, so that in strict mode a plugin problem
    # is reported as itself (one line per problem) rather than from wherever the first name is looked up.
    loaded_registry()
    if args.import_components:
        from .imports import import_components

        import_components(args.import_components)
    if args.command == "train":
        from .train import run_train

        return run_train(args)
    if args.command == "export":
        from .export import run_export

        return run_export(args)
    if args.command == "evaluate":
        from .evaluate import run_evaluate

        return run_evaluate(args)
    from .predict import run_predict

    return run_predict(args)


if __name__ == "__main__":
    raise SystemExit(main())
