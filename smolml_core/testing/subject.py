"""The component under test: its registry entry, the parameters it is built with, and how to build it.

Every check of the kit works on a ``Subject``. Building goes through
``resolve`` with the component's registered name, exactly as a config file
would, so a component the kit can build is one users can build by name too.
Failures are raised as ``Problem`` (what is wrong, what to do), which the kit
turns into an ``AssertionError`` naming the component and the check.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from ..registry import Component, get_registry, resolve
from .domains import DEFAULT_WIDTH, IMAGE_SIZE, WIDTH_PARAMETERS

__all__ = ["NotApplicable", "Problem", "Subject", "guarded", "input_width", "subject_of"]

T = TypeVar("T")


class NotApplicable(Exception):
    """Raised by a check that does not apply to a component; the message says why.

    ``reason`` is the bare reason, without the check and the component's name.
    """

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = message if reason is None else reason


class Problem(Exception):
    """A component failed a check: ``problem`` says what went wrong, ``fix`` what the author can do."""

    def __init__(self, problem: str, fix: str = "") -> None:
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


@dataclass(frozen=True, eq=False)
class Subject:
    """A registered component and the parameters the kit builds it with."""

    component: Component
    params: Mapping[str, Any]
    params_given: bool
    """True when the caller passed ``params``; False when they come from the registered example (or are empty)."""

    @property
    def kind(self) -> str:
        return self.component.kind

    @property
    def label(self) -> str:
        """``layer 'dense' from plugin 'std'``: how messages name the component."""
        return f"{self.kind} {self.component.name!r} from {self.component.provider}"

    @property
    def lookup_name(self) -> str:
        """The name to build it by: the qualified ``plugin:name`` where the registry offers one."""
        qualified = getattr(self.component, "qualified_name", None)
        return qualified if isinstance(qualified, str) else self.component.name

    @property
    def params_text(self) -> str:
        if not self.params:
            return "no parameters"
        source = "parameters" if self.params_given else "its example parameters"
        return f"{source} {dict(self.params)!r}"

    def build(self) -> Any:
        """The ready-to-use component, resolved by name with the parameters.

        A primitive's example describes its inputs, not how to build it: it is built by name alone.
        """
        params = {} if self.kind == "primitive" else self.params
        ref: Any = {"type": self.lookup_name, **params} if params else self.lookup_name
        try:
            return resolve(self.kind, ref)
        except Exception as exc:
            missing = [name for name in _required_parameters(self.component.obj) if name not in self.params]
            example = ", ".join(f"{name!r}: ..." for name in missing)
            if missing and not self.params_given:
                fix = (
                    "pass example={...} to register(...) with parameters that build a working instance, "
                    f"e.g. register({self.component.name!r}, ..., example={{{example}}})"
                )
            elif self.params_given:
                fix = "fix the parameters" + (f"; they lack {', '.join(map(repr, missing))}" if missing else "")
            elif self.params:
                fix = "fix the example= given to register(...): it must build a working instance"
            else:
                fix = (
                    "make the constructor work with no arguments, or pass example={...} to register(...) "
                    "with parameters that build a working instance"
                )
            raise Problem(
                f"it could not be built by name from {self.params_text}: {type(exc).__name__}: {exc}", fix
            ) from exc


def subject_of(kind: str, name_or_component: str | Component, params: Mapping[str, Any] | None) -> Subject:
    """The ``Subject`` for a registered name (or qualified name), or for a ``Component`` entry itself."""
    if isinstance(name_or_component, Component):
        component = name_or_component
        if component.kind != kind:
            raise ValueError(f"{component.name!r} is registered as {component.kind!r}, not {kind!r}")
    elif isinstance(name_or_component, str):
        component = get_registry().get(kind, name_or_component)
    else:
        raise TypeError(f"expected a registered name or a Component, not {name_or_component!r}")
    if params is not None and not isinstance(params, Mapping):
        raise TypeError(f"params must be a dict of constructor parameters, not {params!r}")
    chosen = params if params is not None else (component.example or {})
    return Subject(component, dict(chosen), params is not None)


def guarded(action: str, call: Callable[[], T], fix: str = "") -> T:
    """``call()``, with any exception it raises reported as a ``Problem`` saying ``action`` failed."""
    try:
        return call()
    except (Problem, NotApplicable):
        raise
    except Exception as exc:
        raise Problem(f"{action} raised {type(exc).__name__}: {exc}", fix) from exc


def _required_parameters(obj: Any) -> list[str]:
    """The constructor parameters of a class that have no default (none for a function or an odd signature)."""
    if not isinstance(obj, type):
        return []
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return []
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [p.name for p in signature.parameters.values() if p.kind in kinds and p.default is p.empty]


def input_width(layer: Any, params: Mapping[str, Any]) -> int | None:
    """A layer's input width: its ``input_size`` attribute, else a width parameter; None when unknown."""
    for candidate in (getattr(layer, "input_size", None), *(params.get(key) for key in WIDTH_PARAMETERS)):
        if isinstance(candidate, int) and not isinstance(candidate, bool) and candidate >= 1:
            return candidate
    return None


def input_sample(layer: Any, params: Mapping[str, Any]) -> tuple[int, ...]:
    """The shape of one sample the kit feeds ``layer``: rows of its input width, or the first shape it says it takes.

    A layer with a known input width gets rows that wide. Otherwise the kit
    asks the layer's ``output_shape`` about rows of the default width, then
    about channels-first images ``(in_channels, IMAGE_SIZE, IMAGE_SIZE)``
    (``in_channels`` from the layer, else 2), and feeds the first it accepts;
    a layer that says nothing gets rows, as before.
    """
    width = input_width(layer, params)
    if width is not None:
        return (width,)
    channels = getattr(layer, "in_channels", None)
    channels = channels if isinstance(channels, int) and not isinstance(channels, bool) and channels >= 1 else 2
    output_shape = getattr(layer, "output_shape", None)
    for candidate in ((DEFAULT_WIDTH,), (channels, IMAGE_SIZE, IMAGE_SIZE)):
        if not callable(output_shape):
            break
        try:
            if output_shape(candidate) is not None:
                return candidate
        except Exception:  # it refuses this shape: try the next
            continue
    return (DEFAULT_WIDTH,)
