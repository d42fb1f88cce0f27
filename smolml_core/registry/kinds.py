"""The table of component kinds: one row per kind, everything SmolML knows about that kind in one place.

A row says what the registry, the loader, the config files, ``smolml
components``, the model files and the test kit each need to know about a kind:
its hook, its plural, whether a network is made of it, the base class its
components extend, where a config names one, the constructor arguments that
take one, and what the kit does with it. A new kind is a new row here, a
hookspec of the same name in ``hookspecs.py`` and, when it has a base class,
that class declaring itself with ``@component_base``.

The base classes live above the registry (``smolml_core.nn``), so the table
names each by its public name only, and each class declares itself when it is
defined. That keeps the dependency one way: ``nn`` imports the registry, never
the other way round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

__all__ = [
    "HOOKS",
    "KINDS",
    "NETWORK_KINDS",
    "TABLE",
    "Kind",
    "base_class",
    "component_base",
    "kind_of_argument",
    "row",
]

_HOOK_PREFIX = "smolml_register_"


@dataclass(frozen=True)
class Kind:
    """One kind of component, as every part of SmolML sees it."""

    name: str
    """``"activation"``: how the registry, configs and messages name the kind."""
    plural: str
    """``"activations"``: for ``smolml components activations`` and the hook's name."""
    in_network: bool
    """A network is made of it, so its config and its saved file name it; False: it belongs to a training run."""
    base: str | None
    """The public name of the class every component of this kind extends (``"Layer"``); None for plain functions."""
    contract: str
    """What a component of this kind must implement, in the words messages use (``"forward(X)"``)."""
    arguments: tuple[str, ...]
    """Constructor and config arguments that take a component of this kind (a layer's ``activation_function``).

    Walking a network's components follows these: a name given under one of
    them is looked up as this kind, never guessed."""
    config_key: str | None
    """The config key ``smolml components show`` writes its line under (None: no single key takes it)."""
    config_place: str
    """Where that line goes in a ``smolml train`` config file, or how else the component is chosen."""
    no_gradient: str = ""
    """Why the test kit checks no gradient for this kind; "" when it checks one (activations, losses, layers)."""

    @property
    def hook(self) -> str:
        """The hook that registers components of this kind: ``smolml_register_<plural>``."""
        return _HOOK_PREFIX + self.plural


TABLE: tuple[Kind, ...] = (
    Kind(
        "activation",
        "activations",
        in_network=True,
        base=None,
        contract="f(x, **params) -> MLArray",
        arguments=("activation_function", "activation"),
        config_key="activation_function",
        config_place="in a [[network.layers]] table",
    ),
    Kind(
        "loss",
        "losses",
        in_network=True,
        base=None,
        contract="loss(y_pred, y_true, **params) -> MLArray",
        arguments=("loss_function", "loss"),
        config_key="loss_function",
        config_place="in [network]",
    ),
    Kind(
        "optimizer",
        "optimizers",
        in_network=True,
        base="Optimizer",
        contract="step(value, grad, state)",
        arguments=("optimizer",),
        config_key="optimizer",
        config_place="in [network]",
        no_gradient="optimizers are not differentiated: they consume gradients (the sanity check runs them on a "
        "convex quadratic instead)",
    ),
    Kind(
        "initializer",
        "initializers",
        in_network=True,
        base="WeightInitializer",
        contract="sample(shape, rng)",
        arguments=("weight_initializer", "initializer"),
        config_key="weight_initializer",
        config_place="in a [[network.layers]] table",
        no_gradient="initializers only draw starting values; nothing is differentiated through them",
    ),
    Kind(
        "layer",
        "layers",
        in_network=True,
        base="Layer",
        contract="forward(X)",
        arguments=("layers", "layer"),
        config_key=None,
        config_place="one of the [network] layers, or the keys of a [[network.layers]] table",
    ),
    Kind(
        "metric",
        "metrics",
        in_network=False,
        base=None,
        contract="metric(y_pred, y_true, **params) -> float",
        arguments=("metrics", "metric"),
        config_key="metrics",
        config_place="in [training]",
        no_gradient="metrics run outside the graph, on numpy arrays; they have no gradient",
    ),
    Kind(
        "schedule",
        "schedules",
        in_network=False,
        base="Schedule",
        contract="__call__(epoch, base_lr)",
        arguments=("lr_schedule", "schedule"),
        config_key="lr_schedule",
        config_place="in [training]",
        no_gradient="schedules compute learning rates outside the graph; they have no gradient",
    ),
    Kind(
        "callback",
        "callbacks",
        in_network=False,
        base="Callback",
        contract="any of on_train_begin, on_epoch_end and on_train_end",
        arguments=("callbacks", "callback"),
        config_key=None,
        config_place="in Python: network.train(..., callbacks=[...])",
        no_gradient="callbacks run between epochs, outside the graph; they have no gradient",
    ),
    Kind(
        "primitive",
        "primitives",
        in_network=False,
        base=None,
        contract="op(*inputs, **settings) -> MLArray, made by smolml_core.primitive(name, forward, *vjps)",
        arguments=(),
        config_key=None,
        config_place="in Python: layers and activations call it, and configs name those",
    ),
)
"""Every kind, in the order listings and ``KINDS`` use."""

KINDS: tuple[str, ...] = tuple(kind.name for kind in TABLE)
"""The kinds' names: ``("activation", "loss", ...)``."""

NETWORK_KINDS: tuple[str, ...] = tuple(kind.name for kind in TABLE if kind.in_network)
"""The kinds that are parts of a network (and so of its config and its saved file).

Metrics, schedules and callbacks belong to a training run instead."""

HOOKS: dict[str, str] = {kind.name: kind.hook for kind in TABLE}
"""Each kind of component and the hook that registers it."""

_ROWS = {kind.name: kind for kind in TABLE}
_BY_ARGUMENT = {argument: kind.name for kind in TABLE for argument in kind.arguments}
_BASES: dict[str, type] = {}

T = TypeVar("T", bound=type)


def row(name: str) -> Kind:
    """The row of the kind called ``name``; ``KeyError`` for a name that is no kind (the registry words that error)."""
    return _ROWS[name]


def kind_of_argument(argument: str) -> str | None:
    """The kind a constructor or config argument of that name takes (``"weight_initializer"``: initializer), if any."""
    return _BY_ARGUMENT.get(argument)


def component_base(kind: str) -> Callable[[T], T]:
    """Class decorator: the decorated class is the base every component of ``kind`` extends.

    ``@component_base("layer")`` on ``class Layer`` is how the registry learns
    which class a registered layer must subclass. The class must carry the name
    the kind's row gives, so the table and the code cannot drift apart.
    """
    expected = row(kind).base

    def declare(cls: T) -> T:
        if cls.__name__ != expected:
            raise TypeError(f"the {kind} kind's base class is {expected}, not {cls.__name__}")
        _BASES[kind] = cls
        return cls

    return declare


def base_class(kind: str) -> type | None:
    """The class components of ``kind`` must extend, as it declared itself; None for kinds of plain functions."""
    if row(kind).base is None:
        return None
    try:
        return _BASES[kind]
    except KeyError:  # only if smolml_core.nn was not imported, which importing smolml_core always does
        raise RuntimeError(f"the base class of the {kind} kind ({row(kind).base}) has not been defined yet") from None
