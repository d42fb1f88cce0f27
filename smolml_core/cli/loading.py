"""Loading the plugins for the commands that list them, so that no plugin can crash the command.

The registry records a plugin that fails to import, or whose hook raises or
ends the program, and leaves it out. Should anything still escape (an error
raised while a failure is being written down), ``escaped`` turns it into one
line naming where it happened.

Outside strict mode the registry may warn about each broken plugin
(``PluginWarning``). The command prints such a warning as one line,
``smolml: warning: <problem>``, instead of Python's warning format with its
file and source line; ``smolml plugins``, whose report says it all, prints none.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import PluginError, PluginWarning
from ..registry import Registry, get_registry
from .errors import FAILED, USAGE, CommandError, place_of

__all__ = ["escaped", "loaded_registry", "plugin_warnings"]

_STRICT_NOTE = (
    "\n  (`smolml plugins` lists every plugin and its problems; unset SMOLML_STRICT_PLUGINS to go on without them)"
)


@contextmanager
def plugin_warnings(*, show: bool) -> Iterator[None]:
    """Inside: the registry's warnings about broken plugins become ``smolml: warning:`` lines (``show``) or nothing.

    Any other warning is passed on unchanged.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PluginWarning)  # every problem, even one a previous load warned about
        yield
    for warning in caught:
        if issubclass(warning.category, PluginWarning):
            if show:
                print(f"smolml: warning: {warning.message}", file=sys.stderr)
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)


def loaded_registry() -> Registry:
    """The registry in use with its plugins loaded; strict mode's ``PluginError`` becomes a usage error."""
    registry = get_registry()
    try:
        with plugin_warnings(show=True):
            registry.load()
    except PluginError as exc:
        raise CommandError(f"error: {exc}{_STRICT_NOTE}", USAGE) from exc
    except (Exception, SystemExit) as exc:
        raise escaped(exc) from exc
    return registry


def escaped(exc: BaseException) -> CommandError:
    """The error for an exception that got out of the registry's own handling of broken plugins."""
    return CommandError(
        f"error: loading the plugins stopped: {type(exc).__name__}: {exc}{place_of(exc)}; a plugin's code ended the "
        "program or broke while its failure was being recorded: leave plugins out one by one with "
        "SMOLML_DISABLE_PLUGINS=name to find it",
        FAILED,
    )
