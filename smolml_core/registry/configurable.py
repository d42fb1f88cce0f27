"""``Configurable``: components that remember the arguments they were built with.

Layers, optimizers and initializers subclass it. Whatever their constructor
was called with is recorded, so ``get_config()`` can write the component down
as its registered name plus parameters, and the registry can rebuild it, with
no extra code in the subclass.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from ..errors import ConfigError
from ..wording import did_you_mean
from .factory import to_plain

__all__ = ["Configurable", "recorded_arguments"]


class Configurable:
    """Base for components rebuilt from ``{"type": name, **get_config()}``."""

    _init_args: dict[str, Any]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__init__" in cls.__dict__:
            cls.__init__ = _recording(cls.__init__)  # type: ignore[method-assign]

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, with components written as names (JSON-compatible)."""
        return {key: to_plain(value) for key, value in getattr(self, "_init_args", {}).items()}


def _recording(init: Callable[..., None]) -> Callable[..., None]:
    """Wrap ``__init__`` so the outermost call stores its bound arguments."""
    signature = inspect.signature(init)

    @functools.wraps(init)
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if "_init_args" not in self.__dict__:
            try:
                bound = signature.bind(self, *args, **kwargs)
            except TypeError:
                # a keyword of another library gets a did-you-mean; anything else, the real __init__'s own TypeError
                _check_keywords(type(self), signature, kwargs)
            else:
                bound.apply_defaults()
                self._init_args = _flatten(bound.arguments, signature)
        init(self, *args, **kwargs)

    return __init__


def _check_keywords(cls: type, signature: inspect.Signature, kwargs: dict[str, Any]) -> None:
    """Refuse a keyword the constructor does not take as a config does: ``activation`` -> ``activation_function``."""
    parameters = list(signature.parameters.values())[1:]
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return
    names = [p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    for key in kwargs:
        if key not in names:
            raise ConfigError(
                f"{cls.__name__} has no parameter {key!r}{did_you_mean(key, names)}; "
                f"its parameters are: {', '.join(names) or 'none'}",
                path=(key,),
            )


def _flatten(arguments: dict[str, Any], signature: inspect.Signature) -> dict[str, Any]:
    """Drop ``self`` and spread ``**kwargs`` so the result can be passed back by keyword."""
    out: dict[str, Any] = {}
    for index, (name, value) in enumerate(arguments.items()):
        if index == 0:
            continue
        if signature.parameters[name].kind is inspect.Parameter.VAR_KEYWORD:
            out.update(value)
        else:
            out[name] = value
    return out


def recorded_arguments(component: Any) -> dict[str, Any]:
    """The arguments ``component`` was built with, as ``Configurable`` recorded them; {} for anything else."""
    if not isinstance(component, Configurable):
        return {}
    return dict(getattr(component, "_init_args", {}))
