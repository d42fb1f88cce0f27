"""The component test kit: run on a registered component every check that applies to it.

``check_component(kind, name)`` builds the component from its registry entry
(with the parameters of its ``example=``, or none) and runs each check of
``CHECKS``: a docstring, sanity checks for its kind, gradients against finite
differences on both engines, rebuilding by name, determinism under a fixed
seed, shape errors, and an operation's export mappings. A failure is an ``AssertionError`` naming the
component, the check and what to fix; a check that means nothing for the
component (gradients of an optimizer) is skipped, with the reason recorded.
Each check is also a function of its own, and ``kit_cases(plugin)`` lists one
case per component and check, for pytest's parametrize. ``pytest --smolml-kit
PLUGIN`` runs the same cases from the command line (see ``pytest_plugin.py``).

The kit seeds SmolML's generator as it goes and puts its state back after
each check, so the code around it draws the same numbers as without it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..array import ENGINES
from ..registry import Component, Registry, get_registry
from ..rng import get_rng
from ..wording import did_you_mean
from . import export_checks
from .domains import SEED
from .kit_checks import determinism, docstring, gradients, rebuild, sanity, shape_errors
from .replay_check import replay
from .subject import NotApplicable, Problem, Subject, subject_of

__all__ = [
    "CHECKS",
    "KitCase",
    "NotApplicable",
    "check_component",
    "check_component_gradients",
    "check_determinism",
    "check_docstring",
    "check_export",
    "check_rebuild",
    "check_replay",
    "check_sanity",
    "check_shape_errors",
    "kit_cases",
    "plugin_components",
    "run_check",
]

CHECKS: tuple[str, ...] = (
    "docstring",
    "sanity",
    *(f"gradients[{engine}]" for engine in ENGINES),
    "rebuild",
    "determinism",
    "shape_errors",
    "replay",
    "export",
)
"""The checks, by the names messages and test ids use."""

NameOrComponent = str | Component
Params = Mapping[str, Any] | None


def check_docstring(kind: str, name_or_component: NameOrComponent) -> None:
    """The registered function or class has a docstring of its own, a few words long at least."""
    subject = subject_of(kind, name_or_component, None)
    _run("docstring", subject, lambda: docstring(subject))


def check_sanity(kind: str, name_or_component: NameOrComponent, *, params: Params = None) -> None:
    """What every component of its kind must do.

    Activations keep the input's shape; losses return one finite number;
    metrics return a float; initializers return the requested shape, finite;
    optimizers lower a convex quadratic in a few steps, alike on both engines;
    schedules give a finite rate > 0 for epochs 0 to 20; layers keep one output
    row per sample, in eval and in training mode; primitives run on their
    example, give float32 for float32 and, declared ``NO_SCALAR``, refuse the
    scalar engine by name; layers, optimizers, initializers and callbacks
    subclass their contract's base class.
    """
    subject = subject_of(kind, name_or_component, params)
    _run("sanity", subject, lambda: sanity(subject))


def check_component_gradients(
    kind: str, name_or_component: NameOrComponent, *, params: Params = None, engine: str = "array"
) -> None:
    """Autograd agrees with finite differences on ``engine`` (activations, losses, layers and primitives).

    Activations are differentiated with respect to their input, losses with
    respect to ``y_pred``, layers with respect to their input and each
    parameter, in eval mode and in training mode (reseeded before every forward
    pass, so a random layer draws the same mask each time). A primitive's vjps
    are checked on its example's shapes and on every shape derived from them
    that its forward accepts (see ``primitive_checks.py``); on the scalar
    engine its values and gradients must match the array engine's. Other kinds
    raise ``NotApplicable``.
    """
    subject = subject_of(kind, name_or_component, params)
    _run(f"gradients[{engine}]", subject, lambda: gradients(subject, engine))


def check_rebuild(kind: str, name_or_component: NameOrComponent, *, params: Params = None) -> None:
    """``resolve(kind, reference(kind, obj))`` gives the same component, and the reference is JSON.

    "The same": it is written down the same way again, and it computes the
    same output on the kit's inputs (a layer after its parameters are copied
    over, in eval mode; an optimizer over a few steps; an initializer from
    equal generators; a schedule for epochs 0 to 20).
    """
    subject = subject_of(kind, name_or_component, params)
    _run("rebuild", subject, lambda: rebuild(subject))


def check_determinism(
    kind: str, name_or_component: NameOrComponent, *, params: Params = None, seed: int = SEED
) -> None:
    """Two builds after ``set_seed(seed)`` start alike and compute alike (layers in training mode too).

    Initializers must give the same samples from two generators made from the
    same seed; optimizers must take the same steps from the same start.
    Callbacks raise ``NotApplicable``.
    """
    subject = subject_of(kind, name_or_component, params)
    _run("determinism", subject, lambda: determinism(subject, seed))


def check_shape_errors(kind: str, name_or_component: NameOrComponent, *, params: Params = None) -> None:
    """Wrong shapes raise ``smolml_core.ShapeError``: a layer given input of the wrong width, a loss
    given ``y_pred`` and ``y_true`` of different shapes.

    A layer whose input width the kit cannot tell (no ``input_size``
    attribute, no ``input_size``/``size``/``features`` parameter) and every
    other kind raise ``NotApplicable``.
    """
    subject = subject_of(kind, name_or_component, params)
    _run("shape_errors", subject, lambda: shape_errors(subject))


def check_replay(kind: str, name_or_component: NameOrComponent, *, params: Params = None) -> None:
    """Training with the component replays to the numbers of eager training, bit for bit.

    A small network around the component trains twice from one seed, replayed
    and eager, in float64 and float32, full batch and in mini-batches whose last
    one is short; every weight and epoch loss must be equal. Components other
    than activations, losses, optimizers and layers raise ``NotApplicable``.
    """
    subject = subject_of(kind, name_or_component, params)
    _run("replay", subject, lambda: replay(subject))


def check_export(kind: str, name_or_component: NameOrComponent, *, params: Params = None) -> None:
    """An operation's ONNX and torch mappings compute its forward (and, in torch, its vjps) on its example.

    Run where onnx and onnxruntime, or torch, are installed (see
    ``export_checks.py``); other kinds, operations without a mapping, and
    machines without those packages raise ``NotApplicable``.
    """
    subject = subject_of(kind, name_or_component, params)
    _run("export", subject, lambda: export_checks.export(subject))


def run_check(check: str, kind: str, name_or_component: NameOrComponent, *, params: Params = None) -> None:
    """Run one check by its name in ``CHECKS``; ``NotApplicable`` says it does not apply."""
    if check == "docstring":
        check_docstring(kind, name_or_component)
    elif check == "sanity":
        check_sanity(kind, name_or_component, params=params)
    elif check.startswith("gradients[") and check.endswith("]") and check[10:-1] in ENGINES:
        check_component_gradients(kind, name_or_component, params=params, engine=check[10:-1])
    elif check == "rebuild":
        check_rebuild(kind, name_or_component, params=params)
    elif check == "determinism":
        check_determinism(kind, name_or_component, params=params)
    elif check == "shape_errors":
        check_shape_errors(kind, name_or_component, params=params)
    elif check == "replay":
        check_replay(kind, name_or_component, params=params)
    elif check == "export":
        check_export(kind, name_or_component, params=params)
    else:
        _chosen([check])


def check_component(
    kind: str,
    name_or_component: NameOrComponent,
    *,
    params: Params = None,
    checks: Iterable[str] | None = None,
) -> dict[str, str]:
    """Run every check (or those named in ``checks``) on one component; raise at the first failure.

    ``name_or_component`` is a registered name (or alias) or a ``Component``
    from the registry. ``params`` replaces the registered ``example=``
    parameters the component is built with. Returns each check's outcome:
    ``"passed"`` or ``"not applicable: <reason>"``.
    """
    outcomes: dict[str, str] = {}
    for check in _chosen(checks):
        try:
            run_check(check, kind, name_or_component, params=params)
        except NotApplicable as skipped:
            outcomes[check] = f"not applicable: {skipped.reason}"
        else:
            outcomes[check] = "passed"
    return outcomes


def plugin_components(plugin: str, *, kinds: Iterable[str] | None = None) -> list[Component]:
    """What ``plugin`` (its entry-point name) registered in the current registry, by kind and name.

    Raises ``LookupError`` when it registered nothing: the message says whether
    the plugin failed to load (and why), was disabled, or is not installed.
    """
    registry = get_registry()
    mine = [c for c in registry.components() if c.plugin == plugin]
    if not mine:
        raise LookupError(_why_nothing(registry, plugin))
    wanted = None if kinds is None else set(kinds)
    return [c for c in mine if wanted is None or c.kind in wanted]


def _why_nothing(registry: Registry, plugin: str) -> str:
    infos = {info.name: info for info in registry.plugins()}
    info = infos.get(plugin)
    if info is None:
        known = sorted(infos)
        return (
            f"there is no SmolML plugin named {plugin!r}{did_you_mean(plugin, known)}; the plugins are: "
            f"{', '.join(known) or 'none'}. A plugin is named by its entry point in the group 'smolml', and its "
            "package must be installed (pip install -e . in its directory)"
        )
    if info.problems:
        listed = "; ".join(str(problem) for problem in info.problems)
        return f"{info.description} could not be loaded, so there is nothing to check: {listed}"
    if info.reason:
        return f"{info.description} is not loaded ({info.reason}), so there is nothing to check"
    return f"{info.description} registered no component, so there is nothing to check"


@dataclass(frozen=True, eq=False)
class KitCase:
    """One check of one component: ``case.run()`` runs it, ``str(case)`` is its test id."""

    component: Component
    check: str
    params: Mapping[str, Any] | None = field(default=None)

    @property
    def id(self) -> str:
        """``plugin::kind:name::check``, e.g. ``std::layer:dense::gradients[scalar]``."""
        c = self.component
        return f"{c.plugin}::{c.kind}:{c.name}::{self.check}"

    def run(self) -> None:
        """Run the check: ``AssertionError`` if it fails, ``NotApplicable`` if it does not apply."""
        run_check(self.check, self.component.kind, self.component, params=self.params)

    def __str__(self) -> str:
        return self.id


def kit_cases(plugin: str, *, kinds: Iterable[str] | None = None, checks: Iterable[str] | None = None) -> list[KitCase]:
    """One ``KitCase`` per component ``plugin`` registered and per check, for ``pytest.mark.parametrize``."""
    chosen = _chosen(checks)
    return [KitCase(component, check) for component in plugin_components(plugin, kinds=kinds) for check in chosen]


def _chosen(checks: Iterable[str] | None) -> tuple[str, ...]:
    """``checks`` (all of ``CHECKS`` for None), each known; ``ValueError`` names an unknown one."""
    chosen = CHECKS if checks is None else tuple(checks)
    for check in chosen:
        if check not in CHECKS:
            hint = did_you_mean(check, CHECKS)
            raise ValueError(f"unknown check {check!r}{hint}; the checks are {', '.join(CHECKS)}")
    return chosen


def _run(check: str, subject: Subject, body: Callable[[], None]) -> None:
    """Run a check's body with the generator put back afterwards; a ``Problem`` becomes an ``AssertionError``."""
    try:
        with _generator_kept():
            body()
    except Problem as problem:
        message = f"{subject.label} failed the kit's {check!r} check: {problem.problem}"
        if problem.fix:
            message += f"\nTo fix it: {problem.fix}."
        raise AssertionError(message) from problem.__cause__
    except NotApplicable as skipped:
        raise NotApplicable(f"{check!r} does not apply to {subject.label}: {skipped.reason}", skipped.reason) from None


@contextmanager
def _generator_kept() -> Iterator[None]:
    """Restore the state of SmolML's generator after the block, however often it was reseeded inside."""
    state = get_rng().bit_generator.state
    try:
        yield
    finally:
        get_rng().bit_generator.state = state
