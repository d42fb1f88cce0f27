"""Loading the plugins for the commands that list them, so that no plugin can crash the command.

The registry already records a plugin that fails to import or whose hook
raises an ``Exception``. What can still escape is a hook that ends the program
(``sys.exit``) or an error raised while the failure itself is being written
down; ``escaped`` turns those into one line naming where it happened.
"""

from __future__ import annotations

import os
import traceback

from ..errors import PluginError
from ..registry import Registry, get_registry
from .errors import FAILED, USAGE, CommandError

__all__ = ["escaped", "loaded_registry"]

_STRICT_NOTE = (
    "\n  (`smolml plugins` lists every plugin and its problems; unset SMOLML_STRICT_PLUGINS to go on without them)"
)


def loaded_registry() -> Registry:
    """The registry in use with its plugins loaded; strict mode's ``PluginError`` becomes a usage error."""
    registry = get_registry()
    try:
        registry.load()
    except PluginError as exc:
        raise CommandError(f"error: {exc}{_STRICT_NOTE}", USAGE) from exc
    except (Exception, SystemExit) as exc:
        raise escaped(exc) from exc
    return registry


def escaped(exc: BaseException) -> CommandError:
    """The error for an exception that got out of the registry's own handling of broken plugins."""
    where = ""
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        where = f" at {os.fspath(last.filename)}:{last.lineno} (in {last.name})"
    return CommandError(
        f"error: loading the plugins stopped: {type(exc).__name__}: {exc}{where}; a plugin's code ended the "
        "program or broke while its failure was being recorded: leave plugins out one by one with "
        "SMOLML_DISABLE_PLUGINS=name to find it",
        FAILED,
    )
