"""The project's exceptions: one root, one subclass per cause.

Every error can carry a *path* naming where the problem is (``layers[1]``,
``activation_function``); code that builds nested things adds its own part of
the path on the way out, so the user reads ``layers[1].activation_function:
unknown activation 'rleu'`` instead of a bare ``KeyError`` from deep inside.
"""

from __future__ import annotations

import os
from typing import Any

from .wording import PATH_LIMIT, quote, shorten

__all__ = [
    "ArraySizeError",
    "ConfigError",
    "DataError",
    "DuplicateComponentError",
    "GraphError",
    "InputMismatch",
    "ModelFileError",
    "NumericalError",
    "PluginError",
    "PluginWarning",
    "ShapeError",
    "SmolMLError",
    "TrainingError",
    "UnknownComponentError",
    "UnusedParameterWarning",
    "ComponentError",
    "ExportError",
]


class SmolMLError(Exception):
    """Root of every error raised on purpose by SmolML."""

    file: str | None = None
    """The file the problem was found in, if it came from one (see ``in_file``)."""

    def __init__(self, message: str, *, path: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.path = tuple(path)

    def at(self, part: str) -> SmolMLError:
        """Prefix the error's path with *part* (the caller's place) and return it."""
        self.path = (part, *self.path)
        self.args = (str(self),)
        return self

    def in_file(self, file: str | os.PathLike[str]) -> SmolMLError:
        """Name the file the path points into; the message then starts with it. Returns the error."""
        self.file = os.fspath(file)
        self.args = (str(self),)
        return self

    def __str__(self) -> str:
        text = self.message
        if self.path:
            # A part of the path may be a key the user wrote: each is cut, like any quote of user input.
            where = shorten(self.path[0])
            for part in self.path[1:]:
                where += part if part.startswith("[") else f".{shorten(part)}"
            text = f"{where}: {text}"
        return f"{quote(self.file, PATH_LIMIT)}: {text}" if self.file is not None else text


class ConfigError(SmolMLError, ValueError):
    """A network description or a component's parameters are not valid."""


class InputMismatch(ConfigError):
    """A layer does not fit its input: its ``parameter`` is ``expected``, but the input gives ``actual``.

    Raised by a layer's ``output_shape`` when a width does not fit. Whoever
    knows where the input comes from says so with ``came_from``: the network
    names the previous layer (``layers[1].input_size: is 8, but layer 0
    outputs 16; set input_size = 16``), ``smolml train`` the data.
    """

    def __init__(self, parameter: str, expected: Any, actual: Any) -> None:
        self.parameter = parameter
        self.expected = expected
        self.actual = actual
        self.source: str | None = None
        """Where the input came from, as a clause (``layer 0 outputs 16``); None until someone says."""
        super().__init__(self._describe(), path=(parameter,))

    def came_from(self, source: str) -> InputMismatch:
        """Say where the input came from (``"layer 0 outputs 16"``), unless that is said already. Returns the error.

        The first to say it is the nearest to the layer, so it is kept: a layer
        inside a stack is fed by its sibling, not by what feeds the stack.
        """
        if self.source is None:
            self.source = source
            self.message = self._describe()
            self.args = (str(self),)
        return self

    def _describe(self) -> str:
        source = self.source or f"the input has {self.actual}"
        return f"is {self.expected}, but {source}; set {self.parameter} = {self.actual}"


class ArraySizeError(ConfigError):
    """An array would need more memory than there is (or than a model file's arrays allow).

    Raised before the array is made, with the shape and the bytes it would
    need, so a size such as ``output_size = 10**12`` is a message instead of a
    ``MemoryError`` or minutes of swapping.
    """


class UnknownComponentError(ConfigError, LookupError):
    """No component of the requested kind is registered under that name."""

    def __init__(self, message: str, *, kind: str, name: str, path: tuple[str, ...] = ()) -> None:
        super().__init__(message, path=path)
        self.kind = kind
        self.name = name


class DuplicateComponentError(SmolMLError):
    """Two registrations claim the same name for the same kind of component."""


class PluginError(SmolMLError):
    """A plugin could not be loaded or implements the hooks wrongly (raised in strict mode)."""


class PluginWarning(UserWarning):
    """A plugin could not be loaded and was left out; the other plugins work. Strict mode raises instead."""


class UnusedParameterWarning(UserWarning):
    """A parameter received no gradient in a network's first training step, so it is not being trained.

    Given once per network. A layer whose parameters may go unused on purpose
    says so with its ``allow_unused`` class attribute; anyone else can filter
    this category with ``warnings.filterwarnings``.
    """


class ShapeError(SmolMLError, ValueError):
    """Array shapes do not fit together (or input data has no regular shape)."""


class DataError(SmolMLError, TypeError):
    """Data given where numbers belong is not numbers: ``None``, text, or other objects.

    Raised by ``MLArray`` (and so by every ``NeuralNetwork`` entry point) with or
    without ``dtype=``: numpy would turn ``None`` into ``nan`` and parse ``"1.5"``
    when a dtype is given, so SmolML checks the data before converting it.
    """


class GraphError(SmolMLError, RuntimeError):
    """``backward()`` was asked for something the recorded graph cannot give."""


class NumericalError(SmolMLError, ArithmeticError):
    """An operation has no real-number answer: division by zero, the log of 0, a sqrt of a negative...

    Both engines raise it at the same places, so a computation either gives the
    same finite numbers on each or fails the same way on each.
    """


class ModelFileError(SmolMLError, ValueError):
    """A saved network cannot be loaded: damaged, edited, from a newer SmolML, or needing a missing plugin."""


class ComponentError(SmolMLError, RuntimeError):
    """A component's own code failed: a layer, loss or optimizer raised an exception SmolML did not expect.

    Raised in place of that exception (which is its ``__cause__``) when the
    component is built or run, so the message can say which one and where
    (``layers[2]: layer 'attention' (plugin 'mine') raised ZeroDivisionError
    while being built: ...``). It points at a bug in the component, or at an
    input it does not say it refuses.
    """


class ExportError(SmolMLError, RuntimeError):
    """A network cannot be written out for another runtime (ONNX, PyTorch): an operation without a mapping, say.

    The message names the operation, the layer it came from and the plugin
    that provides it; nothing is written when it is raised.
    """


class TrainingError(SmolMLError, RuntimeError):
    """Training cannot go on (for example, the loss stopped being a finite number)."""
